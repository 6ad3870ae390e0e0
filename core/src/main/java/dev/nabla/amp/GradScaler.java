package dev.nabla.amp;

import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.optim.Optimizer;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic loss scaling with PyTorch's semantics ({@code torch.cuda.amp.GradScaler}):
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * for (...) {
 *     optimizer.zeroGrad();
 *     Tensor loss = ...;
 *     scaler.scale(loss).backward();
 *     scaler.unscale(optimizer);            // optional: before clipping the true gradients
 *     scaler.step(optimizer);               // skipped when a gradient is Inf or NaN
 *     scaler.update();
 * }
 * }</pre>
 *
 * <p>{@link #update()} follows ATen's {@code _amp_update_scale_}: after a step with a non-finite
 * gradient the scale is multiplied by {@code backoffFactor} and the count of good steps restarts;
 * after {@code growthInterval} good steps in a row it is multiplied by {@code growthFactor}
 * (unless that overflows to infinity). The scale is an F32 value, as PyTorch's.
 *
 * <p>Why one host read per step: the gradients are checked on their device (each gradient times
 * zero, summed: 0 when every element is finite, NaN otherwise), the per-parameter sums are added
 * there, and only that one scalar is read back, instead of one {@code item()} per parameter.
 */
public final class GradScaler {

    /** Where each optimizer is in the current iteration (PyTorch's {@code OptState}). */
    private enum Stage { READY, UNSCALED, STEPPED }

    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private final boolean enabled;
    private float scale;
    private int growthTracker;
    /** Per optimizer this iteration: its stage and whether its gradients held a non-finite value. */
    private final Map<Optimizer, Stage> stages = new IdentityHashMap<>();
    private final Map<Optimizer, Boolean> foundInf = new IdentityHashMap<>();

    /** PyTorch's defaults: scale 2^16, growth ×2 every 2,000 good steps, backoff ×0.5. */
    public GradScaler() {
        this(65536f, 2f, 0.5f, 2000, true);
    }

    /**
     * @param initScale      the first scale (finite, positive)
     * @param growthFactor   the scale's factor after {@code growthInterval} good steps (&gt; 1)
     * @param backoffFactor  the scale's factor after a step with a non-finite gradient (in (0, 1))
     * @param growthInterval good steps in a row before the scale grows (≥ 1)
     * @param enabled        false: every method is a pass-through ({@link #scale} returns the loss,
     *                       {@link #step} just steps), as PyTorch's {@code enabled=False}
     */
    public GradScaler(float initScale, float growthFactor, float backoffFactor, int growthInterval, boolean enabled) {
        if (!(initScale > 0) || !Float.isFinite(initScale)) {
            throw new IllegalArgumentException("GradScaler: initScale must be finite and positive, got " + initScale);
        }
        if (!(growthFactor > 1)) {
            throw new IllegalArgumentException("GradScaler: growthFactor must be > 1.0, got " + growthFactor);
        }
        if (!(backoffFactor > 0 && backoffFactor < 1)) {
            throw new IllegalArgumentException("GradScaler: backoffFactor must be in (0, 1), got " + backoffFactor);
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("GradScaler: growthInterval must be at least 1, got " + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        this.enabled = enabled;
    }

    /** The loss times the current scale (the loss itself when disabled); call {@code backward()} on it. */
    public Tensor scale(Tensor loss) {
        return enabled ? loss.mul(scale) : loss;
    }

    /**
     * Divides the optimizer's gradients by the scale in place (once per iteration), and records
     * whether any of them holds an Inf or NaN.
     *
     * @throws IllegalStateException when called twice for one optimizer before {@link #update()}, or after its step
     */
    public void unscale(Optimizer optimizer) {
        if (!enabled) {
            return;
        }
        Stage stage = stages.getOrDefault(optimizer, Stage.READY);
        if (stage == Stage.UNSCALED) {
            throw new IllegalStateException("GradScaler.unscale: already called on this optimizer since the last"
                    + " update()");
        }
        if (stage == Stage.STEPPED) {
            throw new IllegalStateException("GradScaler.unscale: called after step(); call update() first");
        }
        // PyTorch computes the reciprocal in double, then rounds it to float.
        float inverse = (float) (1.0 / scale);
        Tensor check = null;
        try (var ignored = NoGrad.open()) {
            for (Tensor parameter : optimizer.params()) {
                var grad = parameter.grad();
                if (grad.isEmpty()) {
                    continue;
                }
                Tensor nonFinite = unscaleInPlace(parameter, grad.get(), inverse);
                if (check == null) {
                    check = nonFinite;
                } else {
                    Tensor sum = check.add(nonFinite);
                    check.close();
                    nonFinite.close();
                    check = sum;
                }
            }
            // The one host read of the step: NaN (which is != 0) when any gradient held an Inf or NaN.
            foundInf.put(optimizer, check != null && check.item() != 0f);
        }
        stages.put(optimizer, Stage.UNSCALED);
    }

    /** Elements per slice of a gradient unscaled in place (4 MiB of F32). */
    private static final int UNSCALE_SLICE = 1 << 20;

    /**
     * {@code grad · inverse} written back into {@code grad}, one slice at a time, and the sum of its
     * elements times 0 (0 when all are finite, NaN otherwise; times 0 first, so large finite values
     * cannot overflow the sum). In slices, so a step does not hold a second copy of a gradient (and a
     * third, the zeros) per parameter: before, the copies of a 784-4096-4096-10 MLP's gradients made
     * the fp16 step's peak 105 MB above the bf16 one (docs/benchmarks.md, issue 13). A strided
     * gradient is replaced by an unscaled copy instead.
     */
    private static Tensor unscaleInPlace(Tensor parameter, Tensor grad, float inverse) {
        if (!grad.layout().isContiguous()) {
            Tensor unscaled = grad.mul(inverse);
            parameter.setGrad(unscaled);
            try (Tensor zeros = unscaled.mul(0f)) {
                return zeros.sum();
            }
        }
        Tensor check = null;
        try (Tensor flat = grad.reshape(-1)) {
            long numel = flat.numel();
            for (long start = 0; start < numel || start == 0; start += UNSCALE_SLICE) {
                int end = (int) Math.min(numel, start + UNSCALE_SLICE);
                try (Tensor part = flat.slice(0, (int) start, end); Tensor unscaled = part.mul(inverse);
                     Tensor zeros = unscaled.mul(0f)) {
                    part.copyFrom(unscaled);
                    Tensor partial = zeros.sum();
                    if (check == null) {
                        check = partial;
                    } else {
                        Tensor sum = check.add(partial);
                        check.close();
                        partial.close();
                        check = sum;
                    }
                }
                if (numel == 0) {
                    break;
                }
            }
        }
        return check;
    }

    /**
     * Unscales (if {@link #unscale} was not called) and takes the optimizer's step, unless its
     * gradients held an Inf or NaN: then the step is skipped and the parameters and optimizer
     * state stay as they were.
     *
     * @return whether the step was taken
     */
    public boolean step(Optimizer optimizer) {
        if (!enabled) {
            optimizer.step();
            return true;
        }
        Stage stage = stages.getOrDefault(optimizer, Stage.READY);
        if (stage == Stage.STEPPED) {
            throw new IllegalStateException("GradScaler.step: already called on this optimizer since the last update()");
        }
        if (stage == Stage.READY) {
            unscale(optimizer);
        }
        boolean take = !foundInf.get(optimizer);
        if (take) {
            optimizer.step();
        }
        stages.put(optimizer, Stage.STEPPED);
        return take;
    }

    /**
     * Adapts the scale after this iteration's steps: backs off if any optimizer found a non-finite
     * gradient, else counts a good step and grows the scale every {@code growthInterval} of them.
     *
     * @throws IllegalStateException when no optimizer was unscaled or stepped since the last update
     */
    public void update() {
        if (!enabled) {
            return;
        }
        if (foundInf.isEmpty()) {
            throw new IllegalStateException("GradScaler.update: no step() or unscale() was recorded since the last"
                    + " update()");
        }
        boolean anyInf = foundInf.values().stream().anyMatch(Boolean::booleanValue);
        if (anyInf) {
            scale = scale * backoffFactor;
            growthTracker = 0;
        } else if (growthTracker + 1 == growthInterval) {
            float grown = scale * growthFactor;
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            growthTracker = 0;
        } else {
            growthTracker++;
        }
        stages.clear();
        foundInf.clear();
    }

    /** The current scale (1 when disabled, as PyTorch's {@code get_scale()}). */
    public float getScale() {
        return enabled ? scale : 1f;
    }

    /** Good steps since the scale last changed (PyTorch's {@code _growth_tracker}). */
    public int growthTracker() {
        return growthTracker;
    }

    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The state for a checkpoint, with PyTorch's {@code state_dict()} keys: {@code scale},
     * {@code growth_factor}, {@code backoff_factor}, {@code growth_interval}, {@code _growth_tracker}
     * (empty when disabled).
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> state = new LinkedHashMap<>();
        if (enabled) {
            state.put("scale", scale);
            state.put("growth_factor", growthFactor);
            state.put("backoff_factor", backoffFactor);
            state.put("growth_interval", growthInterval);
            state.put("_growth_tracker", growthTracker);
        }
        return state;
    }

    /**
     * Restores {@link #stateDict()}'s scale and growth tracker (the factors and interval stay this
     * scaler's, as they are constructor arguments; a mismatch is refused by name).
     *
     * @throws IllegalArgumentException when a key is missing or a value is out of range
     */
    public void loadStateDict(Map<String, ?> state) {
        if (!enabled) {
            return;
        }
        float restored = number(state, "scale").floatValue();
        int tracker = number(state, "_growth_tracker").intValue();
        if (!(restored > 0) || !Float.isFinite(restored)) {
            throw new IllegalArgumentException("GradScaler.loadStateDict: scale " + restored + " is not finite and positive");
        }
        if (tracker < 0 || tracker >= growthInterval) {
            throw new IllegalArgumentException("GradScaler.loadStateDict: _growth_tracker " + tracker + " is outside [0, "
                    + growthInterval + ")");
        }
        for (var expected : Map.of("growth_factor", (double) growthFactor, "backoff_factor", (double) backoffFactor,
                "growth_interval", (double) growthInterval).entrySet()) {
            if (state.containsKey(expected.getKey())
                    && number(state, expected.getKey()).doubleValue() != expected.getValue()) {
                throw new IllegalArgumentException("GradScaler.loadStateDict: " + expected.getKey() + " "
                        + state.get(expected.getKey()) + " differs from this scaler's " + expected.getValue());
            }
        }
        scale = restored;
        growthTracker = tracker;
        stages.clear();
        foundInf.clear();
    }

    private static Number number(Map<String, ?> state, String key) {
        Object value = state.get(key);
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("GradScaler.loadStateDict: '" + key + "' is "
                    + (value == null ? "missing" : "not a number: " + value));
        }
        return number;
    }

    @Override
    public String toString() {
        return "GradScaler(scale=" + getScale() + ", growth_tracker=" + growthTracker + ", enabled=" + enabled + ")";
    }
}
