package dev.nabla.optim;

/**
 * Cosine annealing from the base learning rate to {@code etaMin} over {@code tMax} epochs, as
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR} in its closed form:
 * {@code lr = etaMin + (base − etaMin)·(1 + cos(π·epoch / tMax)) / 2}. Past {@code tMax} the
 * cosine continues (rising again), as PyTorch's does.
 */
public final class CosineAnnealingLR extends AbstractLrScheduler {

    private final long tMax;
    private final double etaMin;

    /** Anneals to 0. */
    public CosineAnnealingLR(Optimizer optimizer, long tMax) {
        this(optimizer, tMax, 0.0);
    }

    public CosineAnnealingLR(Optimizer optimizer, long tMax, double etaMin) {
        super(optimizer);
        this.tMax = requirePositive("T_max", tMax);
        this.etaMin = requireNonNegative("eta_min", etaMin);
        start();
    }

    @Override
    public double lrAt(long epoch) {
        return etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
