package dev.nabla.optim;

import java.util.Objects;

/**
 * Lowers the learning rate when a monitored figure stops improving, as
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau} with a relative threshold: after each epoch
 * call {@link #step(double)} with the figure; in mode {@code min} (a loss) an epoch improves if it
 * is below {@code best × (1 − threshold)}, in mode {@code max} (an accuracy) if it is above
 * {@code best × (1 + threshold)}, PyTorch's formulas also for negative figures; after more than {@code patience} epochs in a row without
 * improvement the rate becomes {@code max(lr × factor, minLr)} (unless that changes it by no more
 * than {@code eps}), and the next {@code cooldown} epochs count no bad epochs.
 *
 * <p>Unlike the closed-form {@link LrScheduler}s its rate depends on the losses seen, so resuming
 * restores {@link #best()}, {@link #badEpochs()}, {@link #cooldownCounter()} and
 * {@link #lastEpoch()} ({@link #restore}), with the optimizer's saved learning rate.
 */
public final class ReduceLROnPlateau {

    private final Optimizer optimizer;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final int cooldown;
    private final double minLr;
    private final double eps;
    private final boolean maximize;
    private double best;
    private int badEpochs;
    private int cooldownCounter;
    private long lastEpoch;

    /** PyTorch's defaults but for {@code factor} and {@code patience}: threshold 1e-4, cooldown 0, min_lr 0, eps 1e-8. */
    public ReduceLROnPlateau(Optimizer optimizer, double factor, int patience) {
        this(optimizer, factor, patience, 1e-4, 0, 0, 1e-8);
    }

    /** With PyTorch's defaults: factor 0.1, patience 10, threshold 1e-4 (relative), cooldown 0, min_lr 0, eps 1e-8. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, 0.1, 10);
    }

    public ReduceLROnPlateau(Optimizer optimizer, double factor, int patience, double threshold, int cooldown,
                             double minLr, double eps) {
        this(optimizer, false, factor, patience, threshold, cooldown, minLr, eps);
    }

    /** Mode {@code max} ({@code maximize}) or {@code min}, PyTorch's other defaults but for {@code factor} and {@code patience}. */
    public ReduceLROnPlateau(Optimizer optimizer, boolean maximize, double factor, int patience) {
        this(optimizer, maximize, factor, patience, 1e-4, 0, 0, 1e-8);
    }

    public ReduceLROnPlateau(Optimizer optimizer, boolean maximize, double factor, int patience, double threshold,
                             int cooldown, double minLr, double eps) {
        this.maximize = maximize;
        this.best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + factor);
        }
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience and cooldown must be 0 or more, got "
                    + patience + " and " + cooldown);
        }
        if (!(threshold >= 0) || !(minLr >= 0) || !(eps >= 0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: threshold, min_lr and eps must be non-negative,"
                    + " got " + threshold + ", " + minLr + " and " + eps);
        }
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
    }

    /**
     * Records one epoch's figure and lowers the rate if it has plateaued. Returns whether it did.
     * A NaN figure counts as no improvement.
     */
    public boolean step(double value) {
        lastEpoch++;
        if (maximize ? value > best * (1 + threshold) : value < best * (1 - threshold)) {
            best = value;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            badEpochs = 0;
        }
        if (badEpochs > patience) {
            badEpochs = 0;
            cooldownCounter = cooldown;
            double old = optimizer.lr();
            double lowered = Math.max(old * factor, minLr);
            if (old - lowered > eps) {
                optimizer.setLr((float) lowered);
                return true;
            }
        }
        return false;
    }

    /** The optimizer's current learning rate. */
    public float lr() {
        return optimizer.lr();
    }

    /** The best figure seen: the lowest in mode min (+∞ before the first step), the highest in mode max (−∞). */
    public double best() {
        return best;
    }

    /** Whether this is mode {@code max} (higher is better). */
    public boolean maximize() {
        return maximize;
    }

    public int badEpochs() {
        return badEpochs;
    }

    public int cooldownCounter() {
        return cooldownCounter;
    }

    /** Steps taken. */
    public long lastEpoch() {
        return lastEpoch;
    }

    /** Sets the counters a resumed run saved; the learning rate comes back with the optimizer's. */
    public void restore(double best, int badEpochs, int cooldownCounter, long lastEpoch) {
        this.best = best;
        this.badEpochs = badEpochs;
        this.cooldownCounter = cooldownCounter;
        this.lastEpoch = lastEpoch;
    }
}
