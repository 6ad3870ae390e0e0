package dev.nabla.amp;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * A region in which ops choose their own precision, as {@code torch.autocast}:
 * <pre>{@code
 * try (var ac = Autocast.open(DType.BF16)) {
 *     Tensor logits = model.forward(x);           // Linear layers run in BF16
 *     Tensor loss = Losses.crossEntropy(logits, y); // the loss runs in F32
 * }
 * loss.backward();                                  // F32 gradients on the F32 parameters
 * }</pre>
 *
 * <p>Two op lists, as PyTorch's:
 * <ul>
 * <li><b>Lower precision</b>: {@code matmul} (batched too), {@code Tensor.linear} (so {@code nn.Linear}
 * and the fused {@code Linear}+{@code ReLU} of {@code Sequential}). Their floating operands are cast to
 * the region's dtype with the differentiable {@link Tensor#to(DType)}, so gradients flow back to the
 * F32 parameters as F32. A parameter's cast (an F32 leaf that requires grad) is made once per thread
 * and reused until the outermost region closes: a weight used twice is cast once, as torch's weight
 * cast cache.</li>
 * <li><b>F32</b>: {@code sum}, {@code mean}, {@code softmax}, {@code logSoftmax}, {@code crossEntropy},
 * the element-wise {@code exp}, {@code log}, {@code log1p}, {@code expm1}, {@code reciprocal},
 * {@code pow}, the losses of {@code nn.Losses}, {@code LayerNorm} and {@code BatchNorm1d}: a 16-bit
 * input is widened to F32 and the result is F32 (torch's CUDA fp32 list; torch 1.13's CPU list keeps
 * only the losses, see "Mixed precision, part 2" in docs/design-decisions.md).</li>
 * </ul>
 * Every other op follows its inputs' promotion (bf16 + f32 is f32). Integer operands are never
 * cast, so an I32 tensor into {@code matmul} meets the same error as outside a region.
 *
 * <p>Regions are per thread (a virtual thread has its own) and nest: the innermost wins, and
 * {@link #disabled()} turns autocast off inside an enabled region ({@code enabled=False}). Backward
 * passes run with autocast off: each backward rule uses the dtypes its forward op saw. Close regions
 * in the reverse order of opening (try-with-resources does).
 *
 * <p>NOTE: cached casts are copies taken when first used. Run the optimizer step after the region
 * closes and after backward (as with torch): a parameter updated in place inside the region keeps
 * its stale cast until the outermost region closes, and closing it frees the casts, which backward
 * then makes again from the parameters as they are at that point.
 */
public final class Autocast implements AutoCloseable {

    /** The thread's open regions, innermost first, and its cast cache. */
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private static final class State {
        final Deque<Autocast> regions = new ArrayDeque<>();
        final Map<DType, Map<Tensor, Tensor>> castCache = new EnumMap<>(DType.class);
    }

    /**
     * Parameter casts freed when their outermost region closed (Tensor compares by identity, so
     * this is an identity set; weak, so a graph dropped unused does not pin them).
     */
    private static final Set<Tensor> RELEASED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /** The region's lower-precision dtype; {@code null} for a disabled region. */
    private final DType dtype;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Autocast(DType dtype) {
        this.dtype = dtype;
    }

    /**
     * Opens a region whose matmul-family ops run in {@code dtype}, BF16 or F16 (F32 and I32 are
     * refused: they are not lower-precision floating types).
     */
    public static Autocast open(DType dtype) {
        if (dtype == null || !dtype.isHalf()) {
            throw new IllegalArgumentException("Autocast.open: dtype must be BF16 or F16 (a 16-bit floating type), got "
                    + dtype + (dtype == null ? "" : " (" + dtype.pytorchName() + ")"));
        }
        return push(new Autocast(dtype));
    }

    /** Opens a region with autocast off, inside an enabled one ({@code torch.autocast(enabled=False)}). */
    public static Autocast disabled() {
        return push(new Autocast(null));
    }

    private static Autocast push(Autocast region) {
        STATE.get().regions.push(region);
        return region;
    }

    /** True when the innermost region open on this thread is enabled. */
    public static boolean isEnabled() {
        return current() != null;
    }

    /** The lower-precision dtype of the innermost enabled region on this thread; empty when autocast is off. */
    public static Optional<DType> lowerPrecisionType() {
        return Optional.ofNullable(current());
    }

    private static DType current() {
        Autocast innermost = STATE.get().regions.peek();
        return innermost == null ? null : innermost.dtype;
    }

    /**
     * The operands of a lower-precision op (matmul, linear) as the op should see them: inside an
     * enabled region, each floating operand cast to the region's dtype ({@code null} entries stay
     * {@code null}), so operands of different floating dtypes meet in it as with torch; otherwise, or
     * when an operand is closed or not floating, the same array (the op's checks then refuse it
     * with the message they give outside a region). The hook
     * {@link Tensor#matmul} and {@link Tensor#linear} call; it is the one place the list is decided.
     */
    public static Tensor[] lowerPrecisionOperands(Tensor... operands) {
        DType target = current();
        if (target == null) {
            return operands;
        }
        for (Tensor t : operands) {
            if (t != null && (t.isClosed() || !t.dtype().isFloatingPoint())) {
                return operands; // the op refuses it with its own message, as outside a region
            }
        }
        Tensor[] cast = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            cast[i] = operands[i] == null ? null : castTo(operands[i], target);
        }
        return cast;
    }

    /**
     * The dtype an F32-list op (reductions, softmax, losses, norms, exp/log) returns for an input of
     * {@code inputType}: F32 inside an enabled region when the input is 16-bit, else the input's.
     */
    public static DType fullPrecisionResult(DType inputType) {
        return inputType.isHalf() && isEnabled() ? DType.F32 : inputType;
    }

    /**
     * An F32-list op's input as the op should see it: inside an enabled region a 16-bit tensor is
     * widened to F32 (differentiably); otherwise it is returned as it is. For ops written from
     * other ops ({@code nn.Losses}, {@code LayerNorm}, {@code BatchNorm1d}).
     */
    public static Tensor fullPrecision(Tensor input) {
        return input.dtype().isHalf() && isEnabled() ? input.to(DType.F32) : input;
    }

    private static Tensor castTo(Tensor t, DType target) {
        if (t.dtype() == target) {
            return t;
        }
        // NOTE: only parameters are cached (F32 leaves requiring grad), as torch: an activation is
        // used once, and caching it would keep it alive for the whole region.
        boolean cacheable = t.dtype() == DType.F32 && t.isRequiresGrad() && t.gradFn().isEmpty();
        if (!cacheable) {
            return t.to(target);
        }
        Map<Tensor, Tensor> cache = STATE.get().castCache.computeIfAbsent(target, d -> new IdentityHashMap<>());
        Tensor cached = cache.get(t);
        if (cached == null || cached.isClosed()) {
            // Owned like any tensor made here (the innermost Scope frees it); a Scope closed inside
            // the region leaves a closed entry, which is cast again.
            cached = t.to(target);
            cache.put(t, cached);
        }
        return cached;
    }

    /**
     * Whether {@code t} is a parameter's 16-bit copy that this class freed when its outermost
     * region closed. The backward engine accepts such a closed input of a graph node: its values
     * come back from the parameter with {@link #recast}.
     */
    public static boolean isReleasedCast(Tensor t) {
        return t.isClosed() && RELEASED.contains(t);
    }

    /**
     * {@code t} itself, or, for a {@linkplain #isReleasedCast released} parameter cast, the same
     * cast made again from the parameter (a new tensor the caller frees; differentiable, so a
     * {@code createGraph} backward still reaches the parameter). The backward rules of matmul and
     * linear read their 16-bit weight through this. The values are those of the forward pass as
     * long as the parameter was not changed in place in between, which the class comment already
     * asks of callers (the optimizer steps after backward).
     */
    public static Tensor recast(Tensor t) {
        if (!isReleasedCast(t)) {
            return t;
        }
        Tensor source = t.gradFn().map(node -> node instanceof dev.nabla.autograd.Node.Cast c ? c.a() : null)
                .orElseThrow(() -> new IllegalStateException("Autocast.recast: released cast " + t + " has no cast node"));
        return source.to(t.dtype());
    }

    /** How many parameter casts this thread holds for {@code dtype} (for tests of the cache). */
    static int cachedCasts(DType dtype) {
        Map<Tensor, Tensor> cache = STATE.get().castCache.get(dtype);
        return cache == null ? 0 : cache.size();
    }

    /**
     * Closes this region; closing the outermost one empties the thread's cast cache (the casts stay
     * alive while a graph still needs them for backward). Closing twice does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Autocast.close: a region opened on " + owner
                    + " must be closed on it, not on " + Thread.currentThread());
        }
        State state = STATE.get();
        if (state.regions.peek() != this) {
            throw new IllegalStateException("Autocast.close: regions must close innermost first; this "
                    + describe() + " region is not the innermost open one (" + state.regions.peek().describe() + ")");
        }
        closed = true;
        state.regions.pop();
        if (state.regions.isEmpty()) {
            // The casts are freed now rather than kept for backward by the graph (40 MB of BF16
            // copies of a 784-4096-4096-10 MLP's weights, alive to the end of its step): matmul's and
            // linear's backward rules cast the parameter again, one weight at a time, when they
            // reach it (docs/benchmarks.md, issue 13). The same values, one more cast per weight.
            for (Map<Tensor, Tensor> cache : state.castCache.values()) {
                for (Tensor cast : cache.values()) {
                    if (!cast.isClosed()) {
                        RELEASED.add(cast);
                        cast.close();
                    }
                }
            }
            state.castCache.clear();
        }
    }

    private String describe() {
        return dtype == null ? "disabled" : dtype.toString();
    }

    @Override
    public String toString() {
        return "Autocast(" + describe() + (closed ? ", closed" : "") + ")";
    }
}
