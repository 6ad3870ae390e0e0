package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.backend.OptimizerStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Updates parameters from their gradients, as {@code torch.optim.Optimizer}.
 *
 * <p>{@link #step()} runs under {@link NoGrad} and applies one fused backend update
 * ({@link dev.nabla.backend.Backend#optimizerStep}) per parameter that has a gradient; parameters
 * without one are skipped, as in PyTorch. Per-parameter state (momentum buffers, Adam moments) is
 * created lazily on the parameter's device and kept outside every scope; {@link #close()} frees it.
 *
 * <p>State for checkpoints is named {@code param.<index>.<name>} with PyTorch's names
 * ({@code momentum_buffer}, {@code exp_avg}, {@code exp_avg_sq}, {@code step}), where
 * {@code index} is the parameter's position in the list given at construction. Saving
 * {@link #stateTensors()}, {@link #stepCount()} and {@link #lr()} and restoring them with
 * {@link #loadState(Map, long)} and {@link #setLr(float)} continues bit for bit.
 */
public abstract class Optimizer implements AutoCloseable {

    private static final Pattern STATE_KEY = Pattern.compile("param\\.(\\d+)\\.([a-z_]+)");
    private static final String STEP = "step";

    private final List<Tensor> params;
    private final float initialLr;
    private final String[] slots;
    private final Tensor[][] state;
    private final long[] paramSteps;
    private float lr;
    private long stepCount;

    /**
     * @param params the tensors to optimize: distinct F32 leaves with dense storage
     * @param lr     the learning rate, also remembered as {@link #initialLr()} for schedulers
     * @param slots  names of the per-parameter state tensors this optimizer keeps
     */
    protected Optimizer(List<Tensor> params, float lr, String... slots) {
        Objects.requireNonNull(params, "params");
        if (params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": optimizer got an empty parameter list");
        }
        checkLr(getClass().getSimpleName(), lr);
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = Objects.requireNonNull(params.get(i), "params[" + i + "]");
            Integer previous = seen.put(p, i);
            if (previous != null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + i
                        + " is the same tensor as parameter " + previous);
            }
            if (p.dtype() != DType.F32) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + i + " "
                        + Arrays.toString(p.shape()) + " is " + p.dtype() + "; only F32 tensors can be optimized");
            }
            if (p.gradFn().isPresent()) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": can't optimize a non-leaf tensor"
                        + " (parameter " + i + " " + Arrays.toString(p.shape()) + " is the output of "
                        + p.gradFn().get().opName() + ")");
            }
            if (!p.layout().isContiguous() || p.layout().offset() != 0) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + i + " "
                        + Arrays.toString(p.shape()) + " is a strided view; optimizers update dense tensors only");
            }
        }
        this.params = List.copyOf(params);
        this.lr = lr;
        this.initialLr = lr;
        this.slots = slots.clone();
        this.state = new Tensor[params.size()][slots.length];
        this.paramSteps = new long[params.size()];
    }

    static void checkLr(String op, float lr) {
        if (!(lr >= 0f) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException(op + ": Invalid learning rate: " + lr);
        }
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        try (var ignored = NoGrad.open()) {
            stepCount++;
            for (int i = 0; i < params.size(); i++) {
                Tensor param = params.get(i);
                Optional<Tensor> grad = param.grad();
                if (grad.isEmpty()) {
                    continue;
                }
                Tensor g = grad.get();
                Tensor dense = g.contiguous();
                paramSteps[i]++;
                update(i, param, dense);
                if (dense != g) {
                    dense.close();
                }
            }
        }
    }

    /**
     * Applies this optimizer's update to {@code param} given its dense gradient; {@link #paramStep}
     * is already incremented for this step.
     */
    protected abstract void update(int index, Tensor param, Tensor grad);

    /** Runs one fused update through the parameter's backend. */
    protected static void fusedStep(OptimizerStep step, Tensor param, Tensor grad, Tensor state1, Tensor state2) {
        param.optimizerStep(step, grad, state1, state2);
    }

    /** Clears every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    /** The parameters, in the order given. */
    public final List<Tensor> params() {
        return params;
    }

    public final float lr() {
        return lr;
    }

    /** Sets the learning rate used by the next {@link #step()} (what schedulers call). */
    public final void setLr(float lr) {
        checkLr(getClass().getSimpleName() + ".setLr", lr);
        this.lr = lr;
    }

    /**
     * Whether a schedule may set this optimizer's momentum ({@link #setMomentum}), as PyTorch's
     * {@code OneCycleLR(cycle_momentum=True)} does: Adam's and AdamW's β₁, SGD's momentum if it was
     * built with one (without, it keeps no momentum buffers).
     */
    public boolean hasMomentum() {
        return false;
    }

    /** The momentum a schedule sets (Adam's β₁, SGD's momentum); see {@link #hasMomentum()}. */
    public float momentum() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no momentum");
    }

    /**
     * Sets the momentum used by the next {@link #step()} (what momentum-cycling schedules call).
     *
     * @throws UnsupportedOperationException if {@link #hasMomentum()} is false
     * @throws IllegalArgumentException if {@code momentum} is outside {@code [0, 1)}
     */
    public void setMomentum(float momentum) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no momentum for a schedule to"
                + " set" + (this instanceof SGD ? " (it was built with momentum 0, so it keeps no momentum buffers)"
                : ""));
    }

    /** {@code momentum}, checked to be in [0, 1), for {@link #setMomentum} implementations. */
    protected final float checkMomentum(String what, float momentum) {
        if (!(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".setMomentum: " + what
                    + " must be in [0, 1), got " + momentum);
        }
        return momentum;
    }

    /** The learning rate given at construction: the base that schedulers scale. */
    public final float initialLr() {
        return initialLr;
    }

    /** How many times {@link #step()} has run (restored by {@link #loadState}). */
    public final long stepCount() {
        return stepCount;
    }

    /** How many updates parameter {@code index} has received (Adam's per-parameter {@code t}). */
    protected final long paramStep(int index) {
        return paramSteps[index];
    }

    /** True when state slot {@code slot} of parameter {@code index} exists. */
    protected final boolean hasState(int index, int slot) {
        return state[index][slot] != null;
    }

    /** State slot {@code slot} of parameter {@code index}, created as kept zeros on first use. */
    protected final Tensor state(int index, int slot) {
        Tensor t = state[index][slot];
        if (t == null) {
            Tensor param = params.get(index);
            t = Tensor.zeros(param.device(), param.shape()).keep();
            state[index][slot] = t;
        }
        return t;
    }

    /** Whether {@link #stateTensors()} includes {@code param.i.step} (true for Adam). */
    protected boolean savesParamSteps() {
        return false;
    }

    /**
     * The optimizer's state tensors by name ({@code param.3.exp_avg}), for checkpoints. Slot
     * tensors are the live ones; {@code step} entries (Adam) are new one-element F32 tensors, as
     * PyTorch stores them.
     */
    public final Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            boolean any = false;
            for (int s = 0; s < slots.length; s++) {
                if (state[i][s] != null) {
                    out.put("param." + i + "." + slots[s], state[i][s]);
                    any = true;
                }
            }
            if (savesParamSteps() && (any || paramSteps[i] > 0)) {
                out.put("param." + i + "." + STEP,
                        Tensor.of(params.get(i).device(), new float[] {paramSteps[i]}, 1));
            }
        }
        return out;
    }

    /**
     * Hyper-parameters by PyTorch's names ({@code lr}, {@code momentum}, {@code betas}...), plus
     * {@code optimizer} (the class name) and {@code initial_lr}, for checkpoint sidecars.
     */
    public Map<String, Object> hyperParameters() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("optimizer", getClass().getSimpleName());
        out.put("lr", lr);
        out.put("initial_lr", initialLr);
        return out;
    }

    /**
     * Replaces all state with {@code tensors} (as written by {@link #stateTensors()}, each the
     * flat data of its tensor) and sets {@link #stepCount()}. Parameters with no entries start
     * fresh. Validated before anything changes; errors name the key and sizes. The learning rate
     * is not part of it: restore it with {@link #setLr} or the scheduler's
     * {@link LrScheduler#setLastEpoch}.
     */
    public final void loadState(Map<String, float[]> tensors, long stepCount) {
        String op = getClass().getSimpleName() + ".loadState";
        if (stepCount < 0) {
            throw new IllegalArgumentException(op + ": step count must be non-negative, got " + stepCount);
        }
        List<String> problems = new ArrayList<>();
        float[][][] slotData = new float[params.size()][slots.length][];
        long[] steps = new long[params.size()];
        boolean[] hasStep = new boolean[params.size()];
        List<String> slotNames = Arrays.asList(slots);
        for (var entry : tensors.entrySet()) {
            String key = entry.getKey();
            Matcher m = STATE_KEY.matcher(key);
            if (!m.matches()) {
                problems.add("unexpected key '" + key + "'");
                continue;
            }
            int index;
            try {
                index = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0 || index >= params.size()) {
                problems.add("key '" + key + "' names parameter " + m.group(1) + " but the optimizer has "
                        + params.size() + " parameters");
                continue;
            }
            String name = m.group(2);
            float[] data = Objects.requireNonNull(entry.getValue(), "value of '" + key + "'");
            long expected = name.equals(STEP) ? 1 : params.get(index).numel();
            if (name.equals(STEP) && savesParamSteps()) {
                if (data.length != 1) {
                    problems.add("'" + key + "' has " + data.length + " elements, expected 1");
                } else if (!(data[0] >= 0) || data[0] != Math.rint(data[0])) {
                    problems.add("'" + key + "' holds " + data[0] + ", not a step count");
                } else {
                    steps[index] = (long) data[0];
                    hasStep[index] = true;
                }
                continue;
            }
            int slot = slotNames.indexOf(name);
            if (slot < 0) {
                problems.add("unexpected key '" + key + "' (" + getClass().getSimpleName() + " keeps "
                        + (slots.length == 0 ? "no per-parameter state" : String.join(", ", slots)) + ")");
            } else if (data.length != expected) {
                problems.add("'" + key + "' has " + data.length + " elements in the checkpoint, parameter " + index
                        + " has " + expected + " (shape " + Arrays.toString(params.get(index).shape()) + ")");
            } else {
                slotData[index][slot] = data;
            }
        }
        for (int i = 0; i < params.size(); i++) {
            int present = 0;
            for (int s = 0; s < slots.length; s++) {
                if (slotData[i][s] != null) {
                    present++;
                }
            }
            if (present != 0 && present != slots.length) {
                for (int s = 0; s < slots.length; s++) {
                    if (slotData[i][s] == null) {
                        problems.add("missing key 'param." + i + "." + slots[s] + "'");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(op + ": " + String.join("; ", problems));
        }
        clearState();
        this.stepCount = stepCount;
        for (int i = 0; i < params.size(); i++) {
            Tensor param = params.get(i);
            boolean any = false;
            for (int s = 0; s < slots.length; s++) {
                if (slotData[i][s] != null) {
                    state[i][s] = Tensor.of(param.device(), slotData[i][s], param.shape()).keep();
                    any = true;
                }
            }
            paramSteps[i] = hasStep[i] ? steps[i] : any ? stepCount : 0;
        }
    }

    private void clearState() {
        for (int i = 0; i < params.size(); i++) {
            for (int s = 0; s < slots.length; s++) {
                if (state[i][s] != null) {
                    state[i][s].close();
                    state[i][s] = null;
                }
            }
            paramSteps[i] = 0;
        }
    }

    /** Frees the state tensors; the parameters are untouched. The optimizer may be used again (fresh state). */
    @Override
    public void close() {
        clearState();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(getClass().getSimpleName()).append(" (\n");
        for (var e : hyperParameters().entrySet()) {
            if (!e.getKey().equals("optimizer")) {
                text.append("    ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }
        return text.append(')').toString();
    }
}
