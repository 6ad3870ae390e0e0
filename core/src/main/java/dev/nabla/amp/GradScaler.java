package dev.nabla.amp;

import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.optim.Optimizer;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Dynamic loss scaling, as PyTorch's {@code torch.cuda.amp.GradScaler}: multiply the loss by a
 * large factor so small F16 gradients do not flush to zero, divide the gradients by it before the
 * optimizer step, skip the step when any gradient overflowed, and adapt the factor.
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * scaler.scale(loss).backward();
 * scaler.step(optimizer);      // unscales, skips the update if a gradient is Inf or NaN
 * scaler.update();             // halves the scale after a skip, doubles it after 2000 clean steps
 * }</pre>
 *
 * <p>The rule of {@link #update()} is PyTorch's {@code _amp_update_scale_} kernel: a step with a
 * non-finite gradient multiplies the scale by {@code backoffFactor} and resets the count of clean
 * steps; a clean step increments it, and at {@code growthInterval} the scale is multiplied by
 * {@code growthFactor} (kept only if finite) and the count restarts. The scale is an F32 number,
 * products computed in double and rounded to float, as the kernel does.
 *
 * <p>One fused non-finite check per optimizer step: every gradient is unscaled in place, and
 * {@code Σ (g · 0)}, which is NaN as soon as one element is Inf or NaN and 0 otherwise, is summed
 * over all parameters on the device; one scalar is read back, not one per parameter.
 */
public final class GradScaler {

    /** PyTorch's defaults: {@code init_scale=2.**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000}. */
    public static final float DEFAULT_INIT_SCALE = 65536f;
    public static final double DEFAULT_GROWTH_FACTOR = 2.0;
    public static final double DEFAULT_BACKOFF_FACTOR = 0.5;
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;

    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private float scale;
    private int growthTracker;
    /** Optimizers unscaled since the last {@link #update()}, and whether each found Inf or NaN. */
    private final Map<Optimizer, Boolean> foundInf = new IdentityHashMap<>();
    private final Map<Optimizer, Boolean> stepped = new IdentityHashMap<>();

    /** PyTorch's defaults. */
    public GradScaler() {
        this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL);
    }

    public GradScaler(float initScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (!(initScale > 0) || Float.isInfinite(initScale)) {
            throw new IllegalArgumentException("GradScaler: initScale must be a positive finite number, got " + initScale);
        }
        if (!(growthFactor > 1.0) || Double.isInfinite(growthFactor)) {
            throw new IllegalArgumentException("GradScaler: growthFactor should be > 1, got " + growthFactor);
        }
        if (!(backoffFactor > 0 && backoffFactor < 1.0)) {
            throw new IllegalArgumentException("GradScaler: backoffFactor should be in (0, 1), got " + backoffFactor);
        }
        if (growthInterval <= 0) {
            throw new IllegalArgumentException("GradScaler: growthInterval should be a positive integer, got "
                    + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The current scale, as {@code get_scale()}. */
    public float scale() {
        return scale;
    }

    /** Clean steps counted toward the next growth ({@code _growth_tracker}). */
    public int growthTracker() {
        return growthTracker;
    }

    /** {@code loss · scale}, differentiable: backward through it gives gradients multiplied by the scale. */
    public Tensor scale(Tensor loss) {
        return loss.mul(scale);
    }

    /**
     * Divides the gradients of {@code optimizer}'s parameters by the scale, in place, and records
     * whether any is Inf or NaN, as {@code unscale_(optimizer)}. Call it before clipping gradients;
     * {@link #step} calls it when it was not called. Once per optimizer between updates.
     */
    public void unscale(Optimizer optimizer) {
        if (foundInf.containsKey(optimizer)) {
            throw new IllegalStateException("GradScaler.unscale: unscale() has already been called on this optimizer"
                    + " since the last update()");
        }
        // NOTE: PyTorch takes the reciprocal in double, then rounds it to float.
        float inverse = (float) (1.0 / scale);
        Tensor check = null;
        try (var ignored = NoGrad.open()) {
            for (Tensor param : optimizer.params()) {
                Optional<Tensor> grad = param.grad();
                if (grad.isEmpty()) {
                    continue;
                }
                Tensor unscaled = grad.get().mul(inverse);
                param.setGrad(unscaled);
                // Σ g·0 is NaN as soon as one element is Inf or NaN (Inf·0 = NaN), else ±0.
                Tensor poison = unscaled.mul(0f).sum();
                if (check == null) {
                    check = poison;
                } else {
                    Tensor sum = check.add(poison);
                    check.close();
                    poison.close();
                    check = sum;
                }
            }
            boolean nonFinite = false;
            if (check != null) {
                nonFinite = !Float.isFinite(check.item());   // the one read-back of the step
                check.close();
            }
            foundInf.put(optimizer, nonFinite);
        }
    }

    /**
     * Unscales (unless {@link #unscale} already did) and runs {@code optimizer.step()} only if every
     * gradient is finite, as {@code scaler.step(optimizer)}; returns whether it stepped.
     */
    public boolean step(Optimizer optimizer) {
        if (stepped.containsKey(optimizer)) {
            throw new IllegalStateException("GradScaler.step: step() has already been called since the last update()");
        }
        if (!foundInf.containsKey(optimizer)) {
            unscale(optimizer);
        }
        boolean finite = !foundInf.get(optimizer);
        if (finite) {
            optimizer.step();
        }
        stepped.put(optimizer, finite);
        return finite;
    }

    /** True when the last {@link #unscale}/{@link #step} of {@code optimizer} found an Inf or NaN. */
    public boolean foundInf(Optimizer optimizer) {
        Boolean found = foundInf.get(optimizer);
        if (found == null) {
            throw new IllegalStateException("GradScaler.foundInf: no unscale() or step() on this optimizer since the"
                    + " last update()");
        }
        return found;
    }

    /** Adapts the scale from the steps since the last update, as {@code scaler.update()}. */
    public void update() {
        if (foundInf.isEmpty()) {
            throw new IllegalStateException("GradScaler.update: no inf checks were recorded prior to update();"
                    + " call step(optimizer) first");
        }
        boolean anyInf = foundInf.containsValue(true);
        if (anyInf) {
            scale = (float) (scale * backoffFactor);
            growthTracker = 0;
        } else {
            int successful = growthTracker + 1;
            if (successful == growthInterval) {
                float grown = (float) (scale * growthFactor);
                if (Float.isFinite(grown)) {
                    scale = grown;
                }
                growthTracker = 0;
            } else {
                growthTracker = successful;
            }
        }
        foundInf.clear();
        stepped.clear();
    }

    /** Sets the scale by hand, as {@code update(new_scale)}; the growth count is kept. */
    public void update(float newScale) {
        if (!(newScale > 0) || Float.isInfinite(newScale)) {
            throw new IllegalArgumentException("GradScaler.update: new scale must be a positive finite number, got "
                    + newScale);
        }
        scale = newScale;
        foundInf.clear();
        stepped.clear();
    }

    /** The state a checkpoint keeps, under PyTorch's {@code state_dict()} keys. */
    public Map<String, Object> stateDict() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("scale", (double) scale);
        state.put("growth_factor", growthFactor);
        state.put("backoff_factor", backoffFactor);
        state.put("growth_interval", growthInterval);
        state.put("_growth_tracker", growthTracker);
        return state;
    }

    /**
     * A scaler continuing from {@link #stateDict()} (or PyTorch's, read from JSON): every key
     * must be there; a missing or malformed one is an error naming it.
     */
    public static GradScaler fromStateDict(Map<String, ?> state) {
        GradScaler scaler = new GradScaler((float) number(state, "scale"), number(state, "growth_factor"),
                number(state, "backoff_factor"), (int) number(state, "growth_interval"));
        double tracker = number(state, "_growth_tracker");
        if (tracker < 0 || tracker != Math.rint(tracker)) {
            throw new IllegalArgumentException("GradScaler state: _growth_tracker must be a non-negative integer, got "
                    + tracker);
        }
        scaler.growthTracker = (int) tracker;
        return scaler;
    }

    private static double number(Map<String, ?> state, String key) {
        Object value = state.get(key);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("GradScaler state: '" + key + "' is " + (value == null ? "missing"
                    : "not a number (" + value + ")") + "; expected the keys of stateDict()");
        }
        return n.doubleValue();
    }
}
