package dev.nabla.optim;

import java.util.Objects;

/**
 * The common part of closed-form schedulers: an epoch counter and a base learning rate, the
 * optimizer's {@link Optimizer#initialLr()} (PyTorch's {@code initial_lr}), so that several
 * schedulers on one optimizer share the same base.
 */
public abstract class AbstractLrScheduler implements LrScheduler {

    private final Optimizer optimizer;
    private final double baseLr;
    private long lastEpoch;

    /** Subclasses call {@link #start()} at the end of their constructor. */
    protected AbstractLrScheduler(Optimizer optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.baseLr = optimizer.initialLr();
    }

    /** Sets epoch 0's learning rate; call once the subclass's fields are set. */
    protected final void start() {
        setLastEpoch(0);
    }

    /**
     * {@code value}, if positive (a length or period in epochs); else an error naming the scheduler
     * and the setting: {@code StepLR: step size must be positive, got 0}.
     */
    protected final long requirePositive(String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be positive, got "
                    + value);
        }
        return value;
    }

    /** {@code value}, checked to be a non-negative number (NaN is refused): a decay factor or a floor. */
    protected final double requireNonNegative(String what, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be non-negative, got "
                    + value);
        }
        return value;
    }

    /** The learning rate the schedule scales: the optimizer's initial learning rate. */
    protected final double baseLr() {
        return baseLr;
    }

    @Override
    public final void step() {
        setLastEpoch(lastEpoch + 1);
    }

    @Override
    public final float lr() {
        return (float) lrAt(lastEpoch);
    }

    @Override
    public final long lastEpoch() {
        return lastEpoch;
    }

    @Override
    public final void setLastEpoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".setLastEpoch: epoch must be "
                    + "non-negative, got " + epoch);
        }
        lastEpoch = epoch;
        optimizer.setLr((float) lrAt(epoch));
        onEpochSet(epoch);
    }

    /**
     * Called after every change of the epoch counter (construction, {@link #step()}, resuming),
     * once the learning rate is set: a schedule that also sets other hyper-parameters (the
     * momentum, in {@link OneCycleLR}) sets them here, as a function of the epoch alone, so that
     * resuming restores them too. Does nothing by default.
     */
    protected void onEpochSet(long epoch) {
    }

    @Override
    public final Optimizer optimizer() {
        return optimizer;
    }
}
