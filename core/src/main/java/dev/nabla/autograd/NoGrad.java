package dev.nabla.autograd;

/**
 * A block in which operations record no graph, as {@code torch.no_grad()}:
 * {@code try (var ignored = NoGrad.open()) { ... }}. Used for evaluation and optimizer updates.
 */
public final class NoGrad implements AutoCloseable {

    private boolean closed;

    private NoGrad() {
        GradMode.disable();
    }

    public static NoGrad open() {
        return new NoGrad();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            GradMode.restore();
        }
    }
}
