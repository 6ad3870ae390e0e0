package dev.nabla.amp;

import dev.nabla.DType;
import java.util.Optional;

/**
 * Automatic mixed precision for a region of code, as {@code torch.autocast}:
 *
 * <pre>{@code
 * try (var ac = Autocast.open(DType.BF16)) {
 *     Tensor logits = model.forward(x);          // matmul and linear run in BF16
 *     Tensor loss = Losses.crossEntropy(logits, y); // softmax, cross-entropy, sums: F32
 * }
 * loss.backward();                               // gradients flow back through the casts
 * }</pre>
 *
 * <p>Op lists, after PyTorch's: <b>16-bit</b>: {@code matmul} and {@code linear} cast their
 * floating operands to the autocast type (parameters stay F32, the master weights; the cast is
 * recorded, so their gradients are F32). <b>F32</b>: {@code softmax}, {@code logSoftmax},
 * {@code crossEntropy}, {@code sum}, {@code mean} (so norms and losses built from them) and
 * {@code exp}, {@code log}, {@code pow}: a 16-bit input is widened and the result is F32.
 * <b>Promoting</b> binary ops take the wider of their inputs ({@link DType#promote}); every other
 * op runs in its input's type. An integer tensor where autocast casts is an error naming the op.
 *
 * <p>The state is per thread; regions nest, and {@link #disable()} turns autocast off inside one
 * (as {@code torch.autocast(..., enabled=False)}). Backward passes run with autocast off, as
 * PyTorch's do: the backward of a 16-bit op is in the dtypes its forward recorded.
 */
public final class Autocast implements AutoCloseable {

    private static final ThreadLocal<DType> CURRENT = new ThreadLocal<>();

    private final DType previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Autocast(DType dtype) {
        this.previous = CURRENT.get();
        if (dtype == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(dtype);
        }
    }

    /** Runs matmul and linear in {@code dtype} (BF16 or F16) on this thread until closed. */
    public static Autocast open(DType dtype) {
        if (dtype == null || !dtype.isHalf()) {
            throw new IllegalArgumentException("Autocast.open: the autocast type must be BF16 or F16, got " + dtype
                    + " (F32 is what runs without autocast)");
        }
        return new Autocast(dtype);
    }

    /** Turns autocast off on this thread until closed (a region that must stay F32). */
    public static Autocast disable() {
        return new Autocast(null);
    }

    /** The autocast type in effect on this thread, if any. */
    public static Optional<DType> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Restores the state before {@link #open} or {@link #disable()}. Idempotent; must run on the opening thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Autocast.close: opened on thread " + owner.getName()
                    + ", closed on " + Thread.currentThread().getName() + "; autocast state is per thread");
        }
        closed = true;
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
