package dev.nabla.optim;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, as
 * {@code torch.optim.lr_scheduler.StepLR}: {@code lr = base · gamma^⌊epoch / stepSize⌋}.
 */
public final class StepLR extends AbstractLrScheduler {

    private final long stepSize;
    private final double gamma;

    /** StepLR with PyTorch's default {@code gamma = 0.1}. */
    public StepLR(Optimizer optimizer, long stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    public StepLR(Optimizer optimizer, long stepSize, double gamma) {
        super(optimizer);
        this.stepSize = requirePositive("step size", stepSize);
        this.gamma = requireNonNegative("gamma", gamma);
        start();
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr() * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }
}
