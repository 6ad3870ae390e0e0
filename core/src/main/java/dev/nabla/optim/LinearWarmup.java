package dev.nabla.optim;

/**
 * Linear warm-up for {@code warmupSteps} epochs, then another schedule (or the constant base
 * rate): the same as PyTorch's
 * {@code SequentialLR(opt, [LinearLR(opt, startFactor, 1.0, warmupSteps), then], [warmupSteps])}.
 * During warm-up {@code lr = base·(s + (1 − s)·epoch / warmupSteps)}; the default start factor
 * {@code s = 1/warmupSteps} begins at {@code base/warmupSteps}.
 *
 * <pre>{@code
 * var schedule = new LinearWarmup(adam, 500, new CosineAnnealingLR(adam, totalSteps - 500));
 * }</pre>
 */
public final class LinearWarmup extends AbstractLrScheduler {

    private final long warmupSteps;
    private final double startFactor;
    private final LrScheduler then;

    /** Warm-up, then the constant base learning rate. */
    public LinearWarmup(Optimizer optimizer, long warmupSteps) {
        this(optimizer, warmupSteps, 1.0 / Math.max(1, warmupSteps), null);
    }

    /** Warm-up, then {@code then} starting at its epoch 0. */
    public LinearWarmup(Optimizer optimizer, long warmupSteps, LrScheduler then) {
        this(optimizer, warmupSteps, 1.0 / Math.max(1, warmupSteps), then);
    }

    /**
     * @param then the schedule after warm-up, or null for the constant base rate
     */
    public LinearWarmup(Optimizer optimizer, long warmupSteps, double startFactor, LrScheduler then) {
        super(optimizer);
        this.warmupSteps = requirePositive("warm-up steps", warmupSteps);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearWarmup: start factor must be in (0, 1], got " + startFactor);
        }
        if (then != null && then.optimizer() != optimizer) {
            throw new IllegalArgumentException("LinearWarmup: the following scheduler belongs to another optimizer");
        }
        this.startFactor = startFactor;
        this.then = then;
        start();
    }

    @Override
    public double lrAt(long epoch) {
        if (epoch < warmupSteps) {
            return baseLr() * (startFactor + (1 - startFactor) * epoch / warmupSteps);
        }
        return then == null ? baseLr() : then.lrAt(epoch - warmupSteps);
    }
}
