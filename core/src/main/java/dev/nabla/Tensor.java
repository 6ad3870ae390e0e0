package dev.nabla;

import dev.nabla.autograd.Anomaly;
import dev.nabla.autograd.Backward;
import dev.nabla.autograd.GradMode;
import dev.nabla.autograd.Node;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An n-dimensional array on a {@link Device}, with reverse-mode autodiff: Nabla's {@code torch.Tensor}.
 *
 * <p>A tensor is a {@link Layout} (shape, strides, offset) over reference-counted device storage,
 * plus a dtype, a device, and for autograd {@code requiresGrad}, {@code grad} and the
 * {@link Node} that produced it. Operations run eagerly; on GPUs they are queued and only
 * {@link #item()}, {@link #toFloatArray()} and friends wait. Views ({@link #reshape},
 * {@link #transpose}, {@link #slice}) share storage.
 *
 * <p>Every operation validates shapes, dtypes and devices here, before dispatch, and throws an
 * exception naming the op, the shapes and the devices. Tensors are {@link AutoCloseable}; see
 * {@link Scope} for releasing them in bulk.
 */
public final class Tensor implements AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();
    /** {@code -Dnabla.debugLeaks=true} or {@code NABLA_DEBUG_LEAKS=1}: log tensors the GC had to free. */
    private static final boolean DEBUG_LEAKS = Boolean.getBoolean("nabla.debugLeaks")
            || "1".equals(System.getenv("NABLA_DEBUG_LEAKS"));
    private static final System.Logger LEAKS = System.getLogger("dev.nabla.Tensor.leaks");

    private final Device device;
    private final DType dtype;
    private final Layout layout;
    private final StorageHandle handle;
    private final Releaser releaser;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    private Scope scope;

    private Tensor(Device device, DType dtype, Layout layout, StorageHandle handle) {
        this.device = device;
        this.dtype = dtype;
        this.layout = layout;
        this.handle = handle;
        handle.retain();
        this.releaser = new Releaser(handle, DEBUG_LEAKS ? new Throwable("allocation site") : null);
        this.cleanable = CLEANER.register(this, releaser);
        this.scope = Scope.current();
        if (scope != null) {
            scope.register(this);
        }
    }

    /**
     * Runs once per tensor, from {@link #close()} or, as a safety net, from the {@link Cleaner}
     * when an unclosed tensor becomes unreachable. In leak-debug mode the latter is logged with
     * the allocation site: on a GPU that memory was held far longer than needed.
     */
    private static final class Releaser implements Runnable {
        private final StorageHandle handle;
        private final Throwable allocationSite;
        private volatile boolean closedExplicitly;

        Releaser(StorageHandle handle, Throwable allocationSite) {
            this.handle = handle;
            this.allocationSite = allocationSite;
        }

        @Override
        public void run() {
            if (!closedExplicitly && allocationSite != null) {
                LEAKS.log(System.Logger.Level.WARNING, "tensor storage (" + handle.storage
                        + ") was freed by the garbage collector, not by close() or a Scope", allocationSite);
            }
            handle.release();
        }
    }

    /** Shared, reference-counted storage: views of one block free it when the last one closes. */
    private static final class StorageHandle {
        private final Backend backend;
        private final Storage storage;
        private int references;

        StorageHandle(Backend backend, Storage storage) {
            this.backend = backend;
            this.storage = storage;
        }

        synchronized void retain() {
            references++;
        }

        /** True when exactly one open tensor refers to this storage. */
        synchronized boolean soleReference() {
            return references == 1;
        }

        synchronized void release() {
            if (--references == 0) {
                backend.free(storage);
            }
        }
    }

    // =====================================================================================
    // Creation
    // =====================================================================================

    /**
     * A new contiguous tensor whose contents are unspecified, as {@code torch.empty}: for outputs
     * that an operation overwrites completely.
     */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        checkShape("empty", shape);
        if (Layout.numel(shape) > Integer.MAX_VALUE) {
            // NOTE: kernels index elements with 32-bit ints on every backend.
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " has "
                    + Layout.numel(shape) + " elements; Nabla tensors hold at most " + Integer.MAX_VALUE
                    + " (2^31 - 1) elements");
        }
        Backend backend = device.backend();
        Storage storage = backend.allocate(dtype, Math.max(1, Layout.numel(shape)));
        return new Tensor(device, dtype, Layout.contiguous(shape), new StorageHandle(backend, storage));
    }

    /**
     * An F32 tensor holding {@code data} in row-major order, on the default device. Without a
     * shape it is 1-D; {@code Tensor.of(new float[]{1, 2, 3, 4}, 2, 2)} is a 2×2 matrix.
     */
    public static Tensor of(float[] data, int... shape) {
        return of(Device.getDefault(), data, shape);
    }

    /** An F32 tensor holding {@code data} on {@code device}. */
    public static Tensor of(Device device, float[] data, int... shape) {
        int[] resolved = shape.length == 0 ? new int[] {data.length} : shape;
        checkFill("Tensor.of", data.length, resolved);
        Tensor t = empty(device, DType.F32, resolved);
        device.backend().copyIn(data, t.handle.storage);
        return t;
    }

    /** An I32 tensor (labels, indices) holding {@code data}, on the default device. */
    public static Tensor of(int[] data, int... shape) {
        return of(Device.getDefault(), data, shape);
    }

    /** An I32 tensor holding {@code data} on {@code device}. */
    public static Tensor of(Device device, int[] data, int... shape) {
        int[] resolved = shape.length == 0 ? new int[] {data.length} : shape;
        checkFill("Tensor.of", data.length, resolved);
        Tensor t = empty(device, DType.I32, resolved);
        device.backend().copyIn(data, t.handle.storage);
        return t;
    }

    /** A rank-0 F32 tensor. */
    public static Tensor scalar(float value) {
        return full(Device.getDefault(), value);
    }

    /** A rank-0 F32 tensor on {@code device}. */
    public static Tensor scalar(Device device, float value) {
        return full(device, value);
    }

    public static Tensor zeros(int... shape) {
        return full(Device.getDefault(), 0f, shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        return full(device, 0f, shape);
    }

    public static Tensor ones(int... shape) {
        return full(Device.getDefault(), 1f, shape);
    }

    public static Tensor ones(Device device, int... shape) {
        return full(device, 1f, shape);
    }

    /** An F32 tensor of the given shape with every element {@code value}. */
    public static Tensor full(float value, int... shape) {
        return full(Device.getDefault(), value, shape);
    }

    public static Tensor full(Device device, float value, int... shape) {
        return filled(device, DType.F32, value, shape);
    }

    private static Tensor filled(Device device, DType dtype, float value, int... shape) {
        Tensor t = empty(device, dtype, shape);
        device.backend().fill(t.handle.storage, value, t.numel());
        return t;
    }

    /** Zeros with this tensor's shape, dtype and device. */
    public Tensor zerosLike() {
        return filled(device, dtype, 0f, layout.shape());
    }

    /** Ones with this tensor's shape and device (F32). */
    public Tensor onesLike() {
        return full(device, 1f, layout.shape());
    }

    /**
     * Uniform numbers in [0, 1) of {@code shape} on the default device, as {@code torch.rand(2, 3)}:
     * Philox keyed by the next seed of {@link Generator} ({@code Generator.manualSeed} repeats a
     * sequence). For an explicit seed: {@link #rand(Device, long, long, int...)}.
     */
    public static Tensor rand(int... shape) {
        return rand(Device.getDefault(), Generator.nextSeed(), 0, shape);
    }

    /**
     * Uniform numbers in [0, 1) from Philox stream {@code (seed, offset)} on {@code device}: the
     * same seed and offset give the same numbers on every backend.
     */
    public static Tensor rand(Device device, long seed, long offset, int... shape) {
        Tensor t = empty(device, DType.F32, shape);
        device.backend().randomUniform(seed, offset, t.handle.storage, t.numel());
        return t;
    }

    /**
     * Standard normal numbers of {@code shape} on the default device, as {@code torch.randn(2, 3)}
     * (Philox and Box–Muller, keyed by the next seed of {@link Generator}).
     */
    public static Tensor randn(int... shape) {
        return randn(Device.getDefault(), Generator.nextSeed(), 0, shape);
    }

    /** Standard normal numbers from Philox stream {@code (seed, offset)} on {@code device}. */
    public static Tensor randn(Device device, long seed, long offset, int... shape) {
        Tensor t = empty(device, DType.F32, shape);
        device.backend().randomNormal(seed, offset, t.handle.storage, t.numel());
        return t;
    }

    // =====================================================================================
    // Metadata and host access
    // =====================================================================================

    /** The size of each axis; a copy. */
    public int[] shape() {
        return layout.shape();
    }

    /** Size of axis {@code axis}; negative axes count from the end. */
    public int size(int axis) {
        return layout.dim(normalizeAxis("size", axis));
    }

    /** Number of axes. */
    public int rank() {
        return layout.rank();
    }

    /** Number of elements. */
    public long numel() {
        return layout.numel();
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    /** How this tensor reads its storage; for backends and tests. */
    public Layout layout() {
        return layout;
    }

    /** The device storage; for backends, optimizers and I/O. */
    public Storage storage() {
        checkOpen("storage");
        return handle.storage;
    }

    /** The single value of a one-element tensor, as a float; waits for queued GPU work. */
    public float item() {
        checkOpen("item");
        if (numel() != 1) {
            throw new IllegalStateException("item: tensor of shape " + Arrays.toString(shape())
                    + " has " + numel() + " elements; item() needs exactly one");
        }
        return toFloatArray()[0];
    }

    /** The elements in row-major order, converted to float for I32; waits for queued GPU work. */
    public float[] toFloatArray() {
        checkOpen("toFloatArray");
        if (dtype == DType.I32) {
            int[] ints = toIntArray();
            float[] floats = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                floats[i] = ints[i];
            }
            return floats;
        }
        Tensor dense = dense();
        float[] out = new float[(int) numel()];
        device.backend().copyOut(dense.handle.storage, out);
        if (dense != this) {
            dense.close();
        }
        // SAFETY: keeps this tensor (and so its storage) from the Cleaner until the copy is done.
        java.lang.ref.Reference.reachabilityFence(this);
        return out;
    }

    /** The elements of an I32 tensor in row-major order; waits for queued GPU work. */
    public int[] toIntArray() {
        checkOpen("toIntArray");
        if (dtype != DType.I32) {
            throw new IllegalStateException("toIntArray: tensor of shape " + Arrays.toString(shape()) + " is "
                    + dtype + "; convert it first with toType(DType.I32)");
        }
        Tensor dense = dense();
        int[] out = new int[(int) numel()];
        device.backend().copyOut(dense.handle.storage, out);
        if (dense != this) {
            dense.close();
        }
        java.lang.ref.Reference.reachabilityFence(this);
        return out;
    }

    /** A copy on {@code target}; this tensor itself when it is already there. Differentiable. */
    public Tensor to(Device target) {
        checkOpen("to");
        if (target == device) {
            return this;
        }
        Tensor out;
        if (dtype == DType.F32) {
            out = of(target, toFloatArray(), shape());
        } else {
            out = of(target, toIntArray(), shape());
        }
        return record(out, new Node.ToDevice(this), this);
    }

    /** This tensor converted to {@code target} dtype (float to int truncates toward zero). Not differentiable. */
    public Tensor toType(DType target) {
        checkOpen("toType");
        if (target == dtype) {
            return this;
        }
        Tensor dense = dense();
        Tensor out = empty(device, target, shape());
        device.backend().cast(dense.handle.storage, out.handle.storage, numel());
        if (dense != this) {
            dense.close();
        }
        return out;
    }

    // =====================================================================================
    // Autograd
    // =====================================================================================

    /** Marks this leaf tensor as one whose gradient {@link #backward()} computes; returns this. */
    public Tensor requiresGrad() {
        return requiresGrad(true);
    }

    /** Sets whether this leaf tensor's gradient is computed; returns this. */
    public Tensor requiresGrad(boolean value) {
        checkOpen("requiresGrad");
        if (value && dtype != DType.F32) {
            throw new IllegalArgumentException("requiresGrad: only F32 tensors can require gradients, this one is "
                    + dtype + " " + Arrays.toString(shape()));
        }
        if (!value && gradFn != null) {
            throw new IllegalStateException("requiresGrad(false): tensor is the output of " + gradFn.opName()
                    + "; use detach() to get a tensor outside the graph");
        }
        this.requiresGrad = value;
        return this;
    }

    /** True when gradients flow to or through this tensor. */
    public boolean isRequiresGrad() {
        return requiresGrad;
    }

    /** The accumulated gradient of a leaf after {@link #backward()}; empty before. */
    public Optional<Tensor> grad() {
        return Optional.ofNullable(grad);
    }

    /** The op that produced this tensor, empty for leaves and tensors made without grad. */
    public Optional<Node> gradFn() {
        return Optional.ofNullable(gradFn);
    }

    /** Clears (and frees) the accumulated gradient, as PyTorch's {@code zero_grad(set_to_none=True)}. */
    public void zeroGrad() {
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Replaces the gradient (for optimizers' gradient clipping and tests); the tensor is kept. */
    public void setGrad(Tensor newGrad) {
        if (newGrad != null) {
            checkSameShape("setGrad", this, newGrad);
            checkSameDevice("setGrad", this, newGrad);
            newGrad.keep();
        }
        if (grad != null && grad != newGrad) {
            grad.close();
        }
        grad = newGrad;
    }

    /** A tensor sharing this one's storage but outside the autograd graph. */
    public Tensor detach() {
        checkOpen("detach");
        return new Tensor(device, dtype, layout, handle);
    }

    /** Backpropagates from this one-element tensor (a loss): fills {@code grad()} of every leaf that requires it. */
    public void backward() {
        checkOpen("backward");
        if (numel() != 1) {
            throw new IllegalStateException("backward: output has shape " + Arrays.toString(shape())
                    + "; backward() needs a scalar (one element) or an explicit gradient: backward(Tensor gradient)");
        }
        backward(onesLike());
    }

    /**
     * Backpropagates {@code seed} (the gradient of some scalar with respect to this tensor, same
     * shape) through the graph. Gradients of leaves accumulate across calls until zeroed.
     */
    public void backward(Tensor seed) {
        runBackward("backward", seed, null);
    }

    /**
     * The gradients of this tensor, seeded with {@code seed} (same shape; ones for a scalar loss),
     * with respect to each of {@code inputs}, as {@code torch.autograd.grad}: returned, not
     * accumulated, and no tensor's {@link #grad()} changes. An input the output does not depend
     * on gets zeros.
     */
    public Tensor[] gradientsFor(Tensor seed, Tensor... inputs) {
        Map<Tensor, Tensor> captured = new IdentityHashMap<>();
        for (Tensor input : inputs) {
            input.checkOpen("gradientsFor");
            if (!input.requiresGrad) {
                throw new IllegalArgumentException("gradientsFor: input " + Arrays.toString(input.shape())
                        + " does not require grad; call requiresGrad() on it before computing the output");
            }
            captured.put(input, null);
        }
        runBackward("gradientsFor", seed, captured);
        Tensor[] result = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = captured.get(inputs[i]);
            result[i] = g != null ? g : inputs[i].zerosLike();
        }
        return result;
    }

    /**
     * Propagates {@code seed} from this tensor through the graph in reverse topological order.
     * With {@code capture == null} gradients accumulate into the leaves' {@code grad}; otherwise
     * only the gradients of the tensors in {@code capture} are recorded there, and nothing else
     * changes.
     */
    private void runBackward(String op, Tensor seed, Map<Tensor, Tensor> capture) {
        checkOpen(op);
        seed.checkOpen(op);
        checkSameShape(op, this, seed);
        checkSameDevice(op, this, seed);
        requireF32(op + " (the seed gradient)", seed);
        if (!requiresGrad) {
            throw new IllegalStateException(op + ": tensor of shape " + Arrays.toString(shape())
                    + " does not require grad and has no grad_fn; call requiresGrad() on the inputs before computing it");
        }
        List<Tensor> order = topologicalOrder();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, seed);
        try (var ignored = dev.nabla.autograd.NoGrad.open()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor node = order.get(i);
                Tensor g = grads.remove(node);
                if (g == null) {
                    continue;
                }
                if (capture != null && capture.containsKey(node)) {
                    // NOTE: complete here: every consumer of node comes later in the order.
                    capture.put(node, g.copy());
                }
                if (node.gradFn == null) {
                    if (capture == null) {
                        node.accumulateGrad(g, seed, grads);
                    }
                    continue;
                }
                List<Tensor> inputs = node.gradFn.inputs();
                Tensor[] inputGrads = Backward.gradients(node.gradFn, g);
                for (int k = 0; k < inputs.size(); k++) {
                    Tensor input = inputs.get(k);
                    Tensor ig = inputGrads[k];
                    if (ig == null || !input.requiresGrad) {
                        continue;
                    }
                    Tensor previous = grads.get(input);
                    grads.put(input, previous == null ? ig : previous.add(ig));
                }
            }
        }
    }

    /**
     * Adds {@code g} into this leaf's gradient. The first gradient is adopted as it is when nothing
     * else can see it (saves a copy per parameter per step); otherwise the stored gradient is a
     * fresh dense copy, because {@code g} may be the caller's seed, a view shared with other
     * gradients of the same pass, or the same tensor handed to several inputs (as {@code add}'s
     * backward does).
     */
    private void accumulateGrad(Tensor g, Tensor seed, Map<Tensor, Tensor> pending) {
        if (grad == null && adoptable(g, seed, pending)) {
            grad = g.keep();
            return;
        }
        Tensor sum = grad == null ? g.copy() : grad.add(g);
        if (grad != null) {
            grad.close();
        }
        grad = sum.keep();
    }

    /**
     * Whether {@code g} can become this leaf's gradient without a copy: produced inside this
     * backward pass (not the seed), the only tensor on its storage, dense and exactly as large as
     * its storage, not waiting to be handed to another tensor ({@code pending} is an identity map,
     * so {@code containsValue} compares references), and of this leaf's shape, dtype and device.
     */
    private boolean adoptable(Tensor g, Tensor seed, Map<Tensor, Tensor> pending) {
        return g != seed && !g.requiresGrad && g.isDense() && g.handle.soleReference()
                && g.handle.storage.numel() == g.numel() && g.dtype == dtype && g.device.equals(device)
                && Arrays.equals(g.shape(), shape()) && !pending.containsValue(g);
    }

    /** Depth-first post-order of the graph below this tensor (inputs before outputs). */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Iterative DFS: deep graphs (long chains) must not overflow the Java stack.
        ArrayList<Object[]> stack = new ArrayList<>();
        stack.add(new Object[] {this, 0});
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.get(stack.size() - 1);
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            List<Tensor> inputs = t.gradFn == null ? List.of() : t.gradFn.inputs();
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor input = inputs.get(next);
                if (input.requiresGrad && visited.put(input, Boolean.TRUE) == null) {
                    input.checkOpen("backward (an input of " + t.gradFn.opName() + ")");
                    stack.add(new Object[] {input, 0});
                }
            } else {
                stack.remove(stack.size() - 1);
                order.add(t);
            }
        }
        return order;
    }

    /** Attaches {@code node} to {@code out} when grad mode is on and an input requires grad. */
    private static Tensor record(Tensor out, Node node, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return out;
        }
        for (Tensor input : inputs) {
            if (input.requiresGrad) {
                out.requiresGrad = true;
                out.gradFn = node;
                if (Anomaly.isEnabled()) {
                    Anomaly.check(out, node);
                }
                return out;
            }
        }
        return out;
    }

    // =====================================================================================
    // Lifecycle
    // =====================================================================================

    /**
     * Excludes this tensor from every {@link Scope} so it outlives them (parameters, optimizer
     * state, results a loop returns); returns this. Close it yourself when done.
     */
    public Tensor keep() {
        if (scope != null) {
            scope.release(this);
            scope = null;
        }
        return this;
    }

    /** Frees this tensor's reference to its storage; using it afterwards throws. Idempotent. */
    @Override
    public void close() {
        if (scope != null) {
            scope.release(this);
            scope = null;
        }
        closeFromScope();
    }

    void closeFromScope() {
        if (!closed) {
            closed = true;
            scope = null;
            releaser.closedExplicitly = true;
            cleanable.clean();
        }
    }

    /** True once {@link #close()} ran (directly or through a scope). */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": tensor " + Arrays.toString(layout.shape()) + " " + dtype + " on "
                    + device + " was closed (by close() or its Scope); call keep() on tensors used after their scope ends");
        }
    }

    // =====================================================================================
    // Elementwise
    // =====================================================================================

    public Tensor add(Tensor other) {
        return binary(BinaryOp.ADD, "add", other);
    }

    public Tensor sub(Tensor other) {
        return binary(BinaryOp.SUB, "sub", other);
    }

    public Tensor mul(Tensor other) {
        return binary(BinaryOp.MUL, "mul", other);
    }

    public Tensor div(Tensor other) {
        return binary(BinaryOp.DIV, "div", other);
    }

    /** Elementwise maximum; where equal, both inputs get half the gradient (as torch.maximum). */
    public Tensor maximum(Tensor other) {
        return binary(BinaryOp.MAXIMUM, "maximum", other);
    }

    public Tensor minimum(Tensor other) {
        return binary(BinaryOp.MINIMUM, "minimum", other);
    }

    public Tensor add(float value) {
        return unary(UnaryOp.ADD_SCALAR, value, "add");
    }

    public Tensor sub(float value) {
        return unary(UnaryOp.ADD_SCALAR, -value, "sub");
    }

    public Tensor mul(float value) {
        return unary(UnaryOp.MUL_SCALAR, value, "mul");
    }

    public Tensor div(float value) {
        return unary(UnaryOp.MUL_SCALAR, 1f / value, "div");
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG, 0f, "neg");
    }

    /** {@code this ^ exponent}, elementwise. */
    public Tensor pow(float exponent) {
        return unary(UnaryOp.POW, exponent, "pow");
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP, 0f, "exp");
    }

    public Tensor log() {
        return unary(UnaryOp.LOG, 0f, "log");
    }

    /** {@code log(1 + x)}, accurate for small x. */
    public Tensor log1p() {
        return unary(UnaryOp.LOG1P, 0f, "log1p");
    }

    /** {@code exp(x) − 1}, accurate for small x. */
    public Tensor expm1() {
        return unary(UnaryOp.EXPM1, 0f, "expm1");
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT, 0f, "sqrt");
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE, 0f, "square");
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL, 0f, "reciprocal");
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS, 0f, "abs");
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH, 0f, "tanh");
    }

    /** The logistic function, computed in a form that cannot overflow. */
    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID, 0f, "sigmoid");
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU, 0f, "relu");
    }

    /** GELU with the exact erf form, PyTorch's default. */
    public Tensor gelu() {
        return unary(UnaryOp.GELU, 0f, "gelu");
    }

    /** 1.0 where equal, else 0.0 (F32 mask; I32 inputs are compared as numbers). Not differentiable. */
    public Tensor eq(Tensor other) {
        return compare(BinaryOp.EQ, "eq", other);
    }

    public Tensor ne(Tensor other) {
        return compare(BinaryOp.NE, "ne", other);
    }

    public Tensor lt(Tensor other) {
        return compare(BinaryOp.LT, "lt", other);
    }

    public Tensor le(Tensor other) {
        return compare(BinaryOp.LE, "le", other);
    }

    public Tensor gt(Tensor other) {
        return compare(BinaryOp.GT, "gt", other);
    }

    public Tensor ge(Tensor other) {
        return compare(BinaryOp.GE, "ge", other);
    }

    public Tensor eq(float value) {
        return compare(BinaryOp.EQ, "eq", scalar(device, value));
    }

    public Tensor gt(float value) {
        return compare(BinaryOp.GT, "gt", scalar(device, value));
    }

    public Tensor lt(float value) {
        return compare(BinaryOp.LT, "lt", scalar(device, value));
    }

    /**
     * {@code condition != 0 ? a : b}, elementwise with broadcasting, as {@code torch.where}.
     * Differentiable in {@code a} and {@code b}.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        String op = "where";
        condition.checkOpen(op);
        a.checkOpen(op);
        b.checkOpen(op);
        checkSameDevice(op, condition, a);
        checkSameDevice(op, a, b);
        requireF32(op, a);
        requireF32(op, b);
        Tensor cond = condition.dtype == DType.F32 ? condition : condition.toType(DType.F32);
        int[] shape = broadcastShape(op, broadcastShape(op, cond.shape(), a.shape()), b.shape());
        Tensor out = empty(a.device, DType.F32, shape);
        a.device.backend().where(cond.handle.storage, cond.layout.broadcastTo(shape), a.handle.storage,
                a.layout.broadcastTo(shape), b.handle.storage, b.layout.broadcastTo(shape), out.handle.storage);
        return record(out, new Node.Where(cond, a, b), a, b);
    }

    private Tensor unary(UnaryOp op, float param, String name) {
        checkOpen(name);
        requireF32(name, this);
        Tensor out = empty(device, DType.F32, shape());
        device.backend().unary(op, param, handle.storage, layout, out.handle.storage);
        return record(out, new Node.Unary(op, param, this, out), this);
    }

    private Tensor binary(BinaryOp op, String name, Tensor other) {
        checkOpen(name);
        other.checkOpen(name);
        checkSameDevice(name, this, other);
        requireF32(name, this);
        requireF32(name, other);
        int[] shape = broadcastShape(name, shape(), other.shape());
        Tensor out = empty(device, DType.F32, shape);
        device.backend().binary(op, handle.storage, layout.broadcastTo(shape), other.handle.storage,
                other.layout.broadcastTo(shape), out.handle.storage);
        return record(out, new Node.Binary(op, this, other, out), this, other);
    }

    private Tensor compare(BinaryOp op, String name, Tensor other) {
        checkOpen(name);
        other.checkOpen(name);
        checkSameDevice(name, this, other);
        Tensor a = dtype == DType.F32 ? this : toType(DType.F32);
        Tensor b = other.dtype == DType.F32 ? other : other.toType(DType.F32);
        int[] shape = broadcastShape(name, a.shape(), b.shape());
        Tensor out = empty(device, DType.F32, shape);
        device.backend().binary(op, a.handle.storage, a.layout.broadcastTo(shape), b.handle.storage,
                b.layout.broadcastTo(shape), out.handle.storage);
        return out;
    }

    /**
     * Applies a binary op without recording a node; for backward rules, which run under no-grad
     * anyway, and for fused activation gradients.
     */
    public Tensor binaryOp(BinaryOp op, Tensor other) {
        return binary(op, op.name().toLowerCase(java.util.Locale.ROOT), other);
    }

    // =====================================================================================
    // Reductions
    // =====================================================================================

    /** Sum of all elements, a scalar. */
    public Tensor sum() {
        return sum(allAxes(), false);
    }

    /** Sum over {@code axes} (negative axes count from the end); those axes disappear. */
    public Tensor sum(int... axes) {
        return sum(axes, false);
    }

    /** Sum over {@code axes}; with {@code keepDims} they stay with size 1. */
    public Tensor sum(int[] axes, boolean keepDims) {
        checkOpen("sum");
        requireF32("sum", this);
        int[] normalized = normalizeAxes("sum", axes);
        Tensor out = reduceAxes(ReduceOp.SUM, normalized, keepDims);
        return record(out, new Node.Sum(this, normalized, keepDims), this);
    }

    /** Mean of all elements, a scalar. */
    public Tensor mean() {
        return mean(allAxes(), false);
    }

    public Tensor mean(int... axes) {
        return mean(axes, false);
    }

    public Tensor mean(int[] axes, boolean keepDims) {
        int[] normalized = normalizeAxes("mean", axes);
        long count = 1;
        for (int axis : normalized) {
            count *= layout.dim(axis);
        }
        Tensor sum = sum(normalized, keepDims);
        return sum.mul(1f / count);
    }

    /** Largest element, a scalar. Where several elements tie, they share the gradient. */
    public Tensor max() {
        return extremum(ReduceOp.MAX, "max", allAxes(), false);
    }

    /** Largest element along {@code axis}. */
    public Tensor max(int axis, boolean keepDims) {
        return extremum(ReduceOp.MAX, "max", new int[] {axis}, keepDims);
    }

    public Tensor min() {
        return extremum(ReduceOp.MIN, "min", allAxes(), false);
    }

    public Tensor min(int axis, boolean keepDims) {
        return extremum(ReduceOp.MIN, "min", new int[] {axis}, keepDims);
    }

    private Tensor extremum(ReduceOp op, String name, int[] axes, boolean keepDims) {
        checkOpen(name);
        requireF32(name, this);
        if (numel() == 0) {
            throw new IllegalArgumentException(name + ": tensor of shape " + Arrays.toString(shape()) + " is empty");
        }
        int[] normalized = normalizeAxes(name, axes);
        Tensor out = reduceAxes(op, normalized, keepDims);
        return record(out, new Node.Extremum(this, out, normalized, keepDims), this);
    }

    /** Index of the largest element along {@code axis} (the first, on ties), I32. */
    public Tensor argmax(int axis) {
        return argmax(axis, false);
    }

    public Tensor argmax(int axis, boolean keepDims) {
        checkOpen("argmax");
        requireF32("argmax", this);
        int a = normalizeAxis("argmax", axis);
        if (layout.dim(a) == 0) {
            throw new IllegalArgumentException("argmax: axis " + a + " of shape " + Arrays.toString(shape())
                    + " is empty; there is no index to return");
        }
        Tensor dense = dense();
        int[] shape = shape();
        Tensor out = empty(device, DType.I32, reducedShape(shape, new int[] {a}, keepDims));
        device.backend().argmax(dense.handle.storage, outer(shape, a), shape[a], inner(shape, a), out.handle.storage);
        closeIfTemporary(dense);
        return out;
    }

    /** Reduces each axis in turn (sums and extrema are separable), keeping dims until the end. */
    private Tensor reduceAxes(ReduceOp op, int[] axes, boolean keepDims) {
        Tensor current = dense();
        for (int axis : axes) {
            int[] shape = current.shape();
            int[] kept = shape.clone();
            kept[axis] = 1;
            Tensor next = empty(device, DType.F32, kept);
            device.backend().reduce(op, current.handle.storage, outer(shape, axis), shape[axis], inner(shape, axis),
                    next.handle.storage);
            if (current != this) {
                current.close();
            }
            current = next;
        }
        if (current == this) {
            current = copy();
        }
        if (!keepDims) {
            Tensor squeezed = current.viewAs(reducedShape(shape(), axes, false));
            current.close();
            current = squeezed;
        }
        return current;
    }

    // =====================================================================================
    // Softmax family and indexing
    // =====================================================================================

    /** Softmax along {@code axis}, max-shifted so it never overflows. */
    public Tensor softmax(int axis) {
        return softmaxImpl(axis, false, "softmax");
    }

    /** Log-softmax along {@code axis} in the log-sum-exp form. */
    public Tensor logSoftmax(int axis) {
        return softmaxImpl(axis, true, "logSoftmax");
    }

    private Tensor softmaxImpl(int axis, boolean log, String name) {
        checkOpen(name);
        requireF32(name, this);
        int a = normalizeAxis(name, axis);
        Tensor dense = dense();
        int[] shape = shape();
        Tensor out = empty(device, DType.F32, shape);
        device.backend().softmax(dense.handle.storage, outer(shape, a), shape[a], inner(shape, a), log,
                out.handle.storage);
        closeIfTemporary(dense);
        return record(out, new Node.Softmax(this, a, log, out), this);
    }

    /**
     * For a 2-D tensor and an I32 index of shape {@code [rows]} or {@code [rows, 1]}, picks
     * {@code this[i, index[i]]} (as {@code torch.gather(x, 1, index)}); the result has the index's shape.
     */
    public Tensor gather(int axis, Tensor index) {
        checkOpen("gather");
        index.checkOpen("gather");
        checkSameDevice("gather", this, index);
        requireF32("gather", this);
        if (rank() != 2 || normalizeAxis("gather", axis) != 1) {
            throw new IllegalArgumentException("gather: supports a 2-D input gathered along axis 1; got shape "
                    + Arrays.toString(shape()) + " and axis " + axis);
        }
        int rows = layout.dim(0);
        int cols = layout.dim(1);
        checkIndices("gather", index, rows, cols);
        Tensor dense = dense();
        Tensor denseIndex = index.dense();
        Tensor out = empty(device, DType.F32, index.shape());
        device.backend().gather(dense.handle.storage, rows, cols, denseIndex.handle.storage, out.handle.storage);
        closeIfTemporary(dense);
        index.closeIfTemporaryOf(denseIndex);
        return record(out, new Node.Gather(this, index), this);
    }

    /**
     * One-hot rows for I32 class indices of shape {@code [n]}: an F32 {@code [n, classes]} tensor
     * (PyTorch's {@code one_hot} returns int64; Nabla returns F32, ready for arithmetic).
     */
    public static Tensor oneHot(Tensor indices, int classes) {
        indices.checkOpen("oneHot");
        if (classes <= 0) {
            throw new IllegalArgumentException("oneHot: number of classes must be positive, got " + classes);
        }
        int rows = (int) indices.numel();
        checkIndices("oneHot", indices, rows, classes);
        Tensor dense = indices.dense();
        Tensor out = empty(indices.device, DType.F32, rows, classes);
        indices.device.backend().oneHot(dense.handle.storage, rows, classes, out.handle.storage);
        indices.closeIfTemporaryOf(dense);
        return out;
    }

    private static void checkIndices(String op, Tensor index, int rows, int classes) {
        if (index.dtype != DType.I32) {
            throw new IllegalArgumentException(op + ": indices must be I32 (int32), got " + index.dtype + " of shape "
                    + Arrays.toString(index.shape()));
        }
        int[] s = index.shape();
        boolean ok = (s.length == 1 && s[0] == rows) || (s.length == 2 && s[0] == rows && s[1] == 1);
        if (!ok) {
            throw new IllegalArgumentException(op + ": indices of shape " + Arrays.toString(s) + " do not match "
                    + rows + " rows; expected [" + rows + "] or [" + rows + ", 1]");
        }
        int[] values = index.toIntArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= classes) {
                throw new IndexOutOfBoundsException(op + ": index " + values[i] + " at position " + i
                        + " is out of range for " + classes + " classes (valid: 0.." + (classes - 1) + ")");
            }
        }
    }

    /**
     * Mean softmax cross-entropy of these logits {@code [rows, classes]} against I32 class labels
     * {@code [rows]}, as {@code torch.nn.functional.cross_entropy}: one fused, max-shifted kernel
     * forward and backward, finite for logits of any magnitude.
     */
    public Tensor crossEntropy(Tensor labels) {
        String op = "crossEntropy";
        checkOpen(op);
        labels.checkOpen(op);
        checkSameDevice(op, this, labels);
        requireF32(op, this);
        if (rank() != 2) {
            throw new IllegalArgumentException(op + ": logits must be 2-D [batch, classes], got shape "
                    + Arrays.toString(shape()));
        }
        int rows = size(0);
        int classes = size(1);
        if (labels.dtype != DType.I32 || labels.rank() != 1 || labels.size(0) != rows) {
            throw new IllegalArgumentException(op + ": labels must be I32 of shape [" + rows + "] for logits "
                    + Arrays.toString(shape()) + ", got " + labels.dtype + " " + Arrays.toString(labels.shape()));
        }
        if (rows == 0) {
            throw new IllegalArgumentException(op + ": empty batch (logits " + Arrays.toString(shape()) + ")");
        }
        checkIndices(op, labels, rows, classes);
        Tensor dense = dense();
        Tensor denseLabels = labels.dense();
        Tensor loss = empty(device, DType.F32, rows);
        Tensor rowStats = empty(device, DType.F32, rows, 2); // per row: max, log Σ exp(x − max)
        device.backend().softmaxCrossEntropyForward(dense.handle.storage, denseLabels.handle.storage, rows, classes,
                loss.handle.storage, rowStats.handle.storage);
        Tensor out;
        try (var ignored = dev.nabla.autograd.NoGrad.open()) {
            out = loss.sum().mul(1f / rows);
        }
        loss.close();
        closeIfTemporary(dense);
        return record(out, new Node.CrossEntropy(this, denseLabels, rowStats), this);
    }

    // =====================================================================================
    // Matrix multiply
    // =====================================================================================

    /**
     * Matrix product: {@code [m, k] @ [k, n] -> [m, n]}; a 1-D operand is a vector
     * ({@code [m, k] @ [k] -> [m]}, {@code [k] @ [k, n] -> [n]}). Transposed views are passed to
     * the backend as transposed operands, without copies.
     */
    public Tensor matmul(Tensor other) {
        String op = "matmul";
        checkOpen(op);
        other.checkOpen(op);
        checkSameDevice(op, this, other);
        requireF32(op, this);
        requireF32(op, other);
        if (rank() < 1 || rank() > 2 || other.rank() < 1 || other.rank() > 2) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(shape()) + " @ "
                    + Arrays.toString(other.shape()) + ": only 1-D and 2-D operands are supported");
        }
        if (rank() == 1 || other.rank() == 1) {
            Tensor left = rank() == 1 ? reshape(1, size(0)) : this;
            Tensor right = other.rank() == 1 ? other.reshape(other.size(0), 1) : other;
            checkInner(op, this, other, left.size(1), right.size(0));
            Tensor product = left.matmul(right);
            if (rank() == 1 && other.rank() == 1) {
                return product.reshape();
            }
            return product.reshape(rank() == 1 ? new int[] {right.size(1)} : new int[] {left.size(0)});
        }
        checkInner(op, this, other, size(1), other.size(0));
        Tensor out = empty(device, DType.F32, size(0), other.size(1));
        gemmInto(this, other, Optional.empty(), Activation.NONE, out);
        return record(out, new Node.Matmul(this, other), this, other);
    }

    private static void checkInner(String op, Tensor a, Tensor b, int inner1, int inner2) {
        if (inner1 != inner2) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(a.shape()) + " @ "
                    + Arrays.toString(b.shape()) + ": inner dimensions " + inner1 + " and " + inner2 + " differ"
                    + devicesSuffix(a, b));
        }
    }

    /**
     * {@code x · weightᵀ + bias}, as {@code torch.nn.functional.linear}: x {@code [n, in]}, weight
     * {@code [out, in]}, bias {@code [out]}. One GEMM with the bias added in its epilogue.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return linear(x, weight, bias, Activation.NONE);
    }

    /**
     * {@code activation(x · weightᵀ + bias)} in one GEMM, the activation applied in its epilogue:
     * {@code relu(linear(x, w, b))} without a second pass over the output (what {@code Sequential}
     * does for a {@code Linear} followed by a {@code ReLU}). {@code NONE} or {@code RELU}; the
     * result and its gradients are the same, to the bit, as the two ops apart.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        String op = activation == Activation.RELU ? "linear+relu" : "linear";
        if (activation != Activation.NONE && activation != Activation.RELU) {
            throw new IllegalArgumentException("linear: only ReLU can be fused into the GEMM, not " + activation
                    + "; apply it after linear");
        }
        x.checkOpen(op);
        weight.checkOpen(op);
        bias.checkOpen(op);
        checkSameDevice(op, x, weight);
        checkSameDevice(op, x, bias);
        requireF32(op, x);
        requireF32(op, weight);
        requireF32(op, bias);
        if (x.rank() != 2 || weight.rank() != 2 || bias.rank() != 1) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(x.shape()) + ", weight "
                    + Arrays.toString(weight.shape()) + ", bias " + Arrays.toString(bias.shape())
                    + ": expected [batch, in], [out, in] and [out]");
        }
        if (x.size(1) != weight.size(1) || bias.size(0) != weight.size(0)) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(x.shape()) + ", weight "
                    + Arrays.toString(weight.shape()) + ", bias " + Arrays.toString(bias.shape())
                    + ": input features " + x.size(1) + " must equal weight columns " + weight.size(1)
                    + " and bias length " + bias.size(0) + " must equal weight rows " + weight.size(0));
        }
        Tensor out = empty(x.device, DType.F32, x.size(0), weight.size(0));
        Tensor denseBias = bias.dense();
        Tensor weightT = weight.transposedView(0, 1);
        gemmInto(x, weightT, Optional.of(denseBias.handle.storage), activation, out);
        weightT.close();
        bias.closeIfTemporaryOf(denseBias);
        return record(out, new Node.Linear(x, weight, bias, activation == Activation.RELU ? out : null), x, weight,
                bias);
    }

    /** Runs {@code out = a @ b (+ bias)} choosing transposition flags from the operands' strides. */
    private static void gemmInto(Tensor a, Tensor b, Optional<Storage> bias, Activation activation, Tensor out) {
        if (out.numel() == 0) {
            return;
        }
        if (a.size(1) == 0) {
            // NOTE: an empty inner dimension sums nothing: 0 (+ bias), without asking a BLAS to
            // accept leading dimensions of 0. (Callers pass no activation.)
            Backend backend = a.device.backend();
            backend.fill(out.handle.storage, 0f, out.numel());
            if (bias.isPresent()) {
                Layout outLayout = out.layout;
                backend.binary(BinaryOp.ADD, out.handle.storage, outLayout, bias.get(),
                        Layout.contiguous(out.size(1)).broadcastTo(outLayout.shape()), out.handle.storage);
            }
            return;
        }
        Tensor ga = a.gemmOperand();
        Tensor gb = b.gemmOperand();
        int m = a.size(0);
        int k = a.size(1);
        int n = b.size(1);
        boolean transA = ga.isTransposedMatrix();
        boolean transB = gb.isTransposedMatrix();
        a.device.backend().gemm(new GemmSpec(transA, transB, m, n, k, 1f,
                ga.handle.storage, ga.layout.offset(), ga.leadingDimension(),
                gb.handle.storage, gb.layout.offset(), gb.leadingDimension(),
                0f, out.handle.storage, 0, n, bias, activation));
        a.closeIfTemporaryOf(ga);
        b.closeIfTemporaryOf(gb);
    }

    /** This matrix if GEMM can read it in place (row-major or transposed), else a dense copy. */
    private Tensor gemmOperand() {
        if (isRowMajorMatrix() || isTransposedMatrix()) {
            return this;
        }
        return copy();
    }

    private boolean isRowMajorMatrix() {
        return layout.stride(1) == 1 && layout.stride(0) >= Math.max(1, layout.dim(1)) || layout.dim(0) == 1
                && layout.stride(1) == 1;
    }

    private boolean isTransposedMatrix() {
        return !isRowMajorMatrix() && layout.stride(0) == 1 && layout.stride(1) >= Math.max(1, layout.dim(0));
    }

    private int leadingDimension() {
        if (isTransposedMatrix()) {
            return layout.stride(1);
        }
        return layout.dim(0) == 1 ? Math.max(1, layout.dim(1)) : layout.stride(0);
    }

    // =====================================================================================
    // Views and copies
    // =====================================================================================

    /**
     * The same elements with a new shape; one axis may be -1 (inferred). A view when this tensor
     * is contiguous, else a copy.
     */
    public Tensor reshape(int... newShape) {
        checkOpen("reshape");
        int[] resolved = resolveShape(newShape);
        Tensor source = dense();
        Tensor out = source.viewAs(resolved);
        closeIfTemporary(source);
        return record(out, new Node.Reshape(this), this);
    }

    private int[] resolveShape(int[] newShape) {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("reshape: " + Arrays.toString(shape()) + " to "
                            + Arrays.toString(newShape) + ": only one axis can be -1");
                }
                inferred = i;
            } else if (newShape[i] < 0) {
                throw new IllegalArgumentException("reshape: " + Arrays.toString(newShape) + " has a negative size");
            } else {
                known *= newShape[i];
            }
        }
        int[] resolved = newShape.clone();
        if (inferred >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot view " + Arrays.toString(shape()) + " ("
                        + numel() + " elements) as " + Arrays.toString(newShape));
            }
            resolved[inferred] = (int) (numel() / known);
        }
        if (Layout.numel(resolved) != numel()) {
            throw new IllegalArgumentException("reshape: cannot view " + Arrays.toString(shape()) + " (" + numel()
                    + " elements) as " + Arrays.toString(newShape) + " (" + Layout.numel(resolved) + " elements)");
        }
        return resolved;
    }

    /** A view with two axes swapped; no copy. */
    public Tensor transpose(int axis0, int axis1) {
        checkOpen("transpose");
        int a = normalizeAxis("transpose", axis0);
        int b = normalizeAxis("transpose", axis1);
        return record(transposedView(a, b), new Node.Transpose(this, a, b), this);
    }

    private Tensor transposedView(int a, int b) {
        int[] shape = shape();
        int[] strides = layout.strides();
        swap(shape, a, b);
        swap(strides, a, b);
        return new Tensor(device, dtype, new Layout(shape, strides, layout.offset()), handle);
    }

    /** Transpose of a 2-D tensor, as {@code torch.Tensor.t()}. */
    public Tensor t() {
        if (rank() != 2) {
            throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Arrays.toString(shape()));
        }
        return transpose(0, 1);
    }

    /** Rows {@code [start, end)} (axis 0); a view. */
    public Tensor slice(int start, int end) {
        return slice(0, start, end);
    }

    /** Elements {@code [start, end)} along {@code axis}; a view. */
    public Tensor slice(int axis, int start, int end) {
        checkOpen("slice");
        int a = normalizeAxis("slice", axis);
        int size = layout.dim(a);
        if (start < 0 || end > size || start > end) {
            throw new IndexOutOfBoundsException("slice: range [" + start + ", " + end + ") is outside axis " + a
                    + " of size " + size + " (shape " + Arrays.toString(shape()) + ")");
        }
        int[] shape = shape();
        shape[a] = end - start;
        Layout view = new Layout(shape, layout.strides(), layout.offset() + start * layout.stride(a));
        Tensor out = new Tensor(device, dtype, view, handle);
        return record(out, new Node.Slice(this, a, start, end), this);
    }

    /** A view repeated along size-1 axes to {@code shape} (stride 0), as {@code torch.Tensor.expand}. */
    public Tensor expand(int... target) {
        checkOpen("expand");
        broadcastShape("expand", shape(), target);
        Layout view;
        try {
            view = layout.broadcastTo(target);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expand: cannot expand " + Arrays.toString(shape()) + " to "
                    + Arrays.toString(target));
        }
        Tensor out = new Tensor(device, dtype, view, handle);
        return record(out, new Node.Expand(this), this);
    }

    /** This tensor if its elements are dense and row-major, else a contiguous copy. Differentiable. */
    public Tensor contiguous() {
        checkOpen("contiguous");
        if (isDense()) {
            return this;
        }
        return record(copy(), new Node.Reshape(this), this);
    }

    /** A new contiguous tensor holding the same values, not connected to the graph. */
    public Tensor copy() {
        checkOpen("copy");
        Tensor out = empty(device, dtype, shape());
        device.backend().copy(handle.storage, layout, out.handle.storage);
        return out;
    }

    /**
     * Writes {@code source} (broadcast to this tensor's shape) into this tensor's elements, in
     * place, as {@code torch.Tensor.copy_}. Not recorded by autograd.
     */
    public Tensor copyFrom(Tensor source) {
        checkOpen("copyFrom");
        source.checkOpen("copyFrom");
        checkSameDevice("copyFrom", this, source);
        if (source.dtype != dtype) {
            throw new IllegalArgumentException("copyFrom: source is " + source.dtype + ", destination " + dtype);
        }
        for (int axis = 0; axis < rank(); axis++) {
            if (layout.stride(axis) == 0 && layout.dim(axis) > 1) {
                throw new IllegalArgumentException("copyFrom: destination " + Arrays.toString(shape())
                        + " is an expanded view (axis " + axis + " repeats one element " + layout.dim(axis)
                        + " times); writing into it is ambiguous. Copy into the tensor it was expanded from");
            }
        }
        Layout from;
        try {
            from = source.layout.broadcastTo(shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("copyFrom: cannot broadcast " + Arrays.toString(source.shape())
                    + " to " + Arrays.toString(shape()));
        }
        if (source.handle == handle) {
            // Source and destination share storage and may overlap (x[1:] = x[:-1]): read first.
            try (Tensor snapshot = source.copy()) {
                device.backend().copyInto(snapshot.handle.storage, snapshot.layout.broadcastTo(shape()), handle.storage,
                        layout);
            }
            return this;
        }
        device.backend().copyInto(source.handle.storage, from, handle.storage, layout);
        return this;
    }

    private boolean isDense() {
        return layout.isContiguous() && layout.offset() == 0;
    }

    /** Dense row-major data starting at offset 0: this tensor, or a copy outside the graph. */
    Tensor dense() {
        return isDense() ? this : copy();
    }

    /** A view of this dense tensor with another shape of the same size, outside the graph. */
    private Tensor viewAs(int[] newShape) {
        return new Tensor(device, dtype, Layout.contiguous(newShape), handle);
    }

    private void closeIfTemporary(Tensor maybeCopy) {
        if (maybeCopy != this) {
            maybeCopy.close();
        }
    }

    private void closeIfTemporaryOf(Tensor maybeCopy) {
        closeIfTemporary(maybeCopy);
    }

    // =====================================================================================
    // Validation helpers
    // =====================================================================================

    static void checkShape(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative size in shape " + Arrays.toString(shape));
            }
        }
    }

    private static void checkFill(String op, int length, int[] shape) {
        checkShape(op, shape);
        if (Layout.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape "
                    + Arrays.toString(shape) + " (" + Layout.numel(shape) + " elements)");
        }
    }

    static void requireF32(String op, Tensor t) {
        if (t.dtype != DType.F32) {
            throw new IllegalArgumentException(op + ": expected an F32 (float32) tensor, got " + t.dtype + " of shape "
                    + Arrays.toString(t.shape()) + " on " + t.device + "; convert with toType(DType.F32)");
        }
    }

    static void checkSameDevice(String op, Tensor a, Tensor b) {
        if (a.device != b.device) {
            throw new IllegalArgumentException(op + ": tensors are on different devices, " + a.device + " "
                    + Arrays.toString(a.shape()) + " and " + b.device + " " + Arrays.toString(b.shape())
                    + "; move one with .to(device)");
        }
    }

    private static void checkSameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": gradient shape " + Arrays.toString(b.shape())
                    + " does not match tensor shape " + Arrays.toString(a.shape()));
        }
    }

    private static String devicesSuffix(Tensor a, Tensor b) {
        return " (" + a.dtype + " on " + a.device + ", " + b.dtype + " on " + b.device + ")";
    }

    /** NumPy broadcasting: align trailing axes; sizes must match or one must be 1. */
    static int[] broadcastShape(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " are not broadcastable (axis " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    private int normalizeAxis(String op, int axis) {
        int rank = rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IndexOutOfBoundsException(op + ": axis " + axis + " is out of range for a tensor of rank "
                    + rank + " (shape " + Arrays.toString(shape()) + ")");
        }
        return a;
    }

    private int[] normalizeAxes(String op, int[] axes) {
        int[] normalized = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            normalized[i] = normalizeAxis(op, axes[i]);
        }
        Arrays.sort(normalized);
        for (int i = 1; i < normalized.length; i++) {
            if (normalized[i] == normalized[i - 1]) {
                throw new IllegalArgumentException(op + ": axis " + normalized[i] + " listed twice in "
                        + Arrays.toString(axes));
            }
        }
        return normalized;
    }

    private int[] allAxes() {
        int[] axes = new int[rank()];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return axes;
    }

    /** The shape after reducing {@code axes}: removed, or kept with size 1. */
    public static int[] reducedShape(int[] shape, int[] axes, boolean keepDims) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            boolean reduced = false;
            for (int axis : axes) {
                reduced |= axis == i;
            }
            if (!reduced) {
                out.add(shape[i]);
            } else if (keepDims) {
                out.add(1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int outer(int[] shape, int axis) {
        int n = 1;
        for (int i = 0; i < axis; i++) {
            n *= shape[i];
        }
        return n;
    }

    private static int inner(int[] shape, int axis) {
        int n = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    private static void swap(int[] values, int i, int j) {
        int tmp = values[i];
        values[i] = values[j];
        values[j] = tmp;
    }

    /** Shape, dtype, device, autograd state, and the values (nested by axis) when there are at most 100. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Tensor").append(Arrays.toString(layout.shape())).append(' ')
                .append(dtype).append(' ').append(device);
        if (requiresGrad) {
            text.append(gradFn != null ? " grad_fn=" + gradFn.opName() : " requiresGrad");
        }
        if (closed) {
            return text.append(" (closed)").toString();
        }
        if (numel() <= PRINT_ELEMENTS) {
            text.append(' ');
            float[] f = dtype == DType.F32 ? toFloatArray() : null;
            int[] i = f == null ? toIntArray() : null;
            nested(text, layout.shape(), 0, 0, f, i);
        }
        return text.toString();
    }

    /** Tensors up to this many elements print their values ({@code torch} summarizes from 1000). */
    private static final int PRINT_ELEMENTS = 100;

    /** Appends values nested by axis, as {@code torch} prints them: {@code [[1.0, 2.0], [3.0, 4.0]]}. */
    private static int nested(StringBuilder text, int[] shape, int axis, int start, float[] f, int[] i) {
        if (shape.length == 0) {
            text.append(f != null ? Float.toString(f[0]) : Integer.toString(i[0]));
            return start + 1;
        }
        text.append('[');
        int next = start;
        for (int k = 0; k < shape[axis]; k++) {
            if (k > 0) {
                text.append(", ");
            }
            if (axis == shape.length - 1) {
                text.append(f != null ? Float.toString(f[next]) : Integer.toString(i[next]));
                next++;
            } else {
                next = nested(text, shape, axis + 1, next, f, i);
            }
        }
        text.append(']');
        return next;
    }
}
