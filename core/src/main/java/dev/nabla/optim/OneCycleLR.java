package dev.nabla.optim;

/**
 * The 1cycle policy, as {@code torch.optim.lr_scheduler.OneCycleLR} with its defaults
 * ({@code pct_start=0.3, anneal_strategy='cos', div_factor=25, final_div_factor=1e4,
 * three_phase=False}): the rate rises from {@code max_lr / 25} to {@code max_lr} over the first 30 %
 * of {@code totalSteps}, then falls to {@code max_lr / 25 / 1e4}, each phase along a half cosine.
 * {@code max_lr} is the optimizer's initial rate ({@code --lr}). Step it once per optimizer step.
 *
 * <p>NOTE: PyTorch also cycles the momentum (Adam's β₁) inversely by default; this schedule sets
 * the learning rate only.
 */
public final class OneCycleLR extends AbstractLrScheduler {

    private final long totalSteps;
    private final double pctStart;
    private final double divFactor;
    private final double finalDivFactor;

    /** With PyTorch's defaults. */
    public OneCycleLR(Optimizer optimizer, long totalSteps) {
        this(optimizer, totalSteps, 0.3, 25, 1e4);
    }

    public OneCycleLR(Optimizer optimizer, long totalSteps, double pctStart, double divFactor, double finalDivFactor) {
        super(optimizer);
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

    /** Cosine annealing from {@code start} to {@code end} as {@code pct} goes from 0 to 1. */
    private static double anneal(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }
}
