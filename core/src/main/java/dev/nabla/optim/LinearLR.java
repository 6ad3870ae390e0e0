package dev.nabla.optim;

/**
 * Scales the learning rate by a factor moving linearly from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} epochs, then holding, as
 * {@code torch.optim.lr_scheduler.LinearLR}:
 * {@code lr = base·(start + (end − start)·min(epoch, totalIters) / totalIters)}.
 */
public final class LinearLR extends AbstractLrScheduler {

    private final double startFactor;
    private final double endFactor;
    private final long totalIters;

    /** PyTorch's defaults: start factor 1/3, end factor 1, 5 iterations. */
    public LinearLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, long totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: starting multiplicative factor expected to be greater "
                    + "than 0 and less or equal to 1, got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: ending multiplicative factor expected to be between 0 "
                    + "and 1, got " + endFactor);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = requirePositive("total_iters", totalIters);
        start();
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr() * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
    }
}
