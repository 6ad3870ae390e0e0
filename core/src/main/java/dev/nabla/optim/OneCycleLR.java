package dev.nabla.optim;

/**
 * The 1cycle policy, as {@code torch.optim.lr_scheduler.OneCycleLR} with its defaults
 * ({@code pct_start=0.3, anneal_strategy='cos', div_factor=25, final_div_factor=1e4,
 * three_phase=False}): the rate rises from {@code max_lr / 25} to {@code max_lr} over the first 30 %
 * of {@code totalSteps}, then falls to {@code max_lr / 25 / 1e4}, each phase along a half cosine.
 * {@code max_lr} is the optimizer's initial rate ({@code --lr}). Step it once per optimizer step.
 *
 * <p>As PyTorch's {@code cycle_momentum=True} (its default), the momentum moves inversely to the
 * rate, from {@code max_momentum} 0.95 down to {@code base_momentum} 0.85 while the rate rises, and
 * back up while it falls, along the same half cosines: Adam's and AdamW's β₁, SGD's momentum
 * (replacing the one it was built with, as PyTorch does). An optimizer without a momentum to set
 * ({@link Optimizer#hasMomentum()}: SGD built with momentum 0) is refused, as PyTorch refuses one
 * without {@code momentum} or {@code betas}; {@link #OneCycleLR(Optimizer, long, double, double,
 * double)} leaves the momentum alone.
 */
public final class OneCycleLR extends AbstractLrScheduler {

    private final long totalSteps;
    private final double pctStart;
    private final double divFactor;
    private final double finalDivFactor;
    /** Whether the momentum is cycled; between {@code baseMomentum} and {@code maxMomentum} if so. */
    private final boolean cycleMomentum;
    private final double baseMomentum;
    private final double maxMomentum;

    /** With PyTorch's defaults, the momentum cycled between 0.95 and 0.85. */
    public OneCycleLR(Optimizer optimizer, long totalSteps) {
        this(optimizer, totalSteps, 0.3, 25, 1e4, true, 0.85, 0.95);
    }

    /** The learning rate only ({@code cycle_momentum=False}). */
    public OneCycleLR(Optimizer optimizer, long totalSteps, double pctStart, double divFactor, double finalDivFactor) {
        this(optimizer, totalSteps, pctStart, divFactor, finalDivFactor, false, 0.85, 0.95);
    }

    /** Every option, in PyTorch's order ({@code anneal_strategy='cos'}, {@code three_phase=False}). */
    public OneCycleLR(Optimizer optimizer, long totalSteps, double pctStart, double divFactor, double finalDivFactor,
                      boolean cycleMomentum, double baseMomentum, double maxMomentum) {
        super(optimizer);
        if (cycleMomentum && !optimizer.hasMomentum()) {
            throw new IllegalArgumentException("OneCycleLR: " + optimizer.getClass().getSimpleName() + " has no"
                    + " momentum to cycle" + (optimizer instanceof SGD ? " (it was built with momentum 0; give it"
                    + " one, e.g. 0.9, or turn cycle_momentum off)" : "; turn cycle_momentum off"));
        }
        if (cycleMomentum && !(baseMomentum >= 0 && baseMomentum <= maxMomentum && maxMomentum < 1)) {
            throw new IllegalArgumentException("OneCycleLR: momenta must satisfy 0 <= base_momentum <= max_momentum"
                    + " < 1, got " + baseMomentum + " and " + maxMomentum);
        }
        this.cycleMomentum = cycleMomentum;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
        this.totalSteps = requirePositive("total steps", totalSteps);
        if (!(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("OneCycleLR: pct_start must be in (0, 1), got " + pctStart);
        }
        if (!(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("OneCycleLR: div_factor and final_div_factor must be positive, got "
                    + divFactor + " and " + finalDivFactor);
        }
        this.pctStart = pctStart;
        this.divFactor = divFactor;
        this.finalDivFactor = finalDivFactor;
        start();
    }

    /**
     * PyTorch's {@code get_lr}: phase one ends at step {@code pct_start × total − 1}, phase two at
     * {@code total − 1}; a step past the end (PyTorch raises there) keeps the last phase's formula.
     */
    @Override
    public double lrAt(long step) {
        double maxLr = baseLr();
        double initialLr = maxLr / divFactor;
        double minLr = initialLr / finalDivFactor;
        double firstEnd = pctStart * totalSteps - 1;
        double secondEnd = totalSteps - 1;
        if (step <= firstEnd) {
            // a warm-up shorter than one step (PyTorch divides by zero there) is over at once
            return anneal(initialLr, maxLr, firstEnd > 0 ? step / firstEnd : 1);
        }
        return anneal(maxLr, minLr, (step - firstEnd) / (secondEnd - firstEnd));
    }

    /**
     * The momentum at {@code step}: the same phases as {@link #lrAt}, from {@code max_momentum} to
     * {@code base_momentum} and back; NaN when the momentum is not cycled.
     */
    public double momentumAt(long step) {
        if (!cycleMomentum) {
            return Double.NaN;
        }
        double firstEnd = pctStart * totalSteps - 1;
        double secondEnd = totalSteps - 1;
        if (step <= firstEnd) {
            return anneal(maxMomentum, baseMomentum, firstEnd > 0 ? step / firstEnd : 1);
        }
        return anneal(baseMomentum, maxMomentum, (step - firstEnd) / (secondEnd - firstEnd));
    }

    @Override
    protected void onEpochSet(long epoch) {
        if (cycleMomentum) {
            optimizer().setMomentum((float) momentumAt(epoch));
        }
    }

    /** Cosine annealing from {@code start} to {@code end} as {@code pct} goes from 0 to 1. */
    private static double anneal(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }
}
