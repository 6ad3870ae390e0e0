package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A layer or a model: Nabla's {@code torch.nn.Module}.
 *
 * <p>A module owns named parameters (trainable leaves, kept outside every {@link dev.nabla.Scope}),
 * buffers (state that is saved but not trained) and child modules, all in registration order. Names
 * are dotted paths as in PyTorch: the weight of the first layer of a {@link Sequential} is
 * {@code "0.weight"}. That order is the order of {@link #parameters()} and {@link #stateDict()}, so
 * optimizer state indices and checkpoints are deterministic.
 *
 * <p>Subclasses register what they own in their constructor with {@link #registerParameter},
 * {@link #registerBuffer} and {@link #registerModule}, and read parameters back through
 * {@link #parameter(String)} rather than caching the tensor: {@link #to(Device)} replaces them.
 */
public abstract class Module {

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes this module's output; records the autograd graph unless grad mode is off. */
    public abstract Tensor forward(Tensor x);

    // ---- registration ------------------------------------------------------------------

    /**
     * Registers {@code value} as the trainable parameter {@code name}: it is kept (outlives scopes)
     * and requires grad. Returns it.
     */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkNewName(name);
        if (value.dtype() != DType.F32) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter '" + name
                    + "' must be F32, got " + value.dtype());
        }
        if (value.gradFn().isPresent()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter '" + name
                    + "' must be a leaf tensor, not the output of " + value.gradFn().get().opName()
                    + "; pass a detached copy");
        }
        parameters.put(name, value.keep().requiresGrad());
        return value;
    }

    /** Registers {@code value} as buffer {@code name}: saved in the state dict, not trained. Returns it. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkNewName(name);
        buffers.put(name, value.keep());
        return value;
    }

    /** Registers {@code module} as child {@code name}; its parameters appear as {@code name.*}. Returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkNewName(name);
        children.put(name, Objects.requireNonNull(module, "module"));
        return module;
    }

    /** This module's own parameter {@code name} (not a child's). */
    protected final Tensor parameter(String name) {
        Tensor t = parameters.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return t;
    }

    /** This module's own buffer {@code name}. */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        }
        return t;
    }

    private void checkNewName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid name '" + name
                    + "' (must be non-empty and contain no '.')");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    // ---- traversal ----------------------------------------------------------------------

    /**
     * Every parameter of this module and its descendants, by dotted name, in registration order.
     * A parameter reached twice (a layer reused in a Sequential) is listed once, under its first
     * name, as PyTorch's {@code named_parameters()}; {@link #stateDict()} keeps every name.
     */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        collect("", all, true, false);
        Map<String, Tensor> out = new LinkedHashMap<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.forEach((name, t) -> {
            if (seen.add(t)) {
                out.put(name, t);
            }
        });
        return out;
    }

    /** The values of {@link #namedParameters()}, in the same order (what an optimizer takes). */
    public final List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    /** The direct children by name, in registration order. */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * This module (under the name {@code ""}) and all descendants by dotted name, depth first, as
     * {@code torch.nn.Module.named_modules}. Useful to find, say, every {@link Dropout} to save its
     * random-stream position.
     */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        for (var child : children.entrySet()) {
            child.getValue().collectModules(name.isEmpty() ? child.getKey() : name + "." + child.getKey(), out);
        }
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean includeParameters, boolean includeBuffers) {
        if (includeParameters) {
            parameters.forEach((name, t) -> out.put(prefix + name, t));
        }
        if (includeBuffers) {
            buffers.forEach((name, t) -> out.put(prefix + name, t));
        }
        for (var child : children.entrySet()) {
            child.getValue().collect(prefix + child.getKey() + ".", out, includeParameters, includeBuffers);
        }
    }

    /** Total number of trainable scalars. */
    public final long parameterCount() {
        long count = 0;
        for (Tensor p : namedParameters().values()) {
            count += p.numel();
        }
        return count;
    }

    // ---- mode -----------------------------------------------------------------------------

    /** Training mode (dropout active) for this module and all descendants; returns this. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode recursively; returns this. */
    public Module train(boolean mode) {
        training = mode;
        for (Module child : children.values()) {
            child.train(mode);
        }
        return this;
    }

    /** Evaluation mode ({@code train(false)}): dropout becomes the identity; returns this. */
    public Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    // ---- state ----------------------------------------------------------------------------

    /**
     * Parameters and buffers by dotted name, in registration order, as
     * {@code torch.nn.Module.state_dict}. The tensors are the live ones, not copies.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((name, t) -> out.put(prefix + name, t));
        buffers.forEach((name, t) -> out.put(prefix + name, t));
        for (var child : children.entrySet()) {
            child.getValue().collectState(prefix + child.getKey() + ".", out);
        }
    }

    /**
     * Copies {@code values} into this module's parameters and buffers in place, as
     * {@code load_state_dict(strict=True)}. Every key must be present, no extra key is allowed, and
     * shapes must match; otherwise nothing is changed and the exception lists every problem, e.g.
     * {@code loadStateDict: missing key '1.weight'}. Values may live on any device.
     */
    public final void loadStateDict(Map<String, Tensor> values) {
        Map<String, Tensor> own = stateDict();
        checkStateKeys(own, values, (key, value, target) -> {
            Tensor source = Objects.requireNonNull(value, "value of '" + key + "'");
            if (!Arrays.equals(source.shape(), target.shape())) {
                return "'" + key + "' has shape " + Arrays.toString(source.shape()) + " in the checkpoint, "
                        + Arrays.toString(target.shape()) + " in the model";
            }
            if (source.dtype() != target.dtype()) {
                return "'" + key + "' is " + source.dtype() + " in the checkpoint, " + target.dtype() + " in the model";
            }
            return null;
        });
        try (var ignored = NoGrad.open()) {
            for (var entry : own.entrySet()) {
                Tensor target = entry.getValue();
                Tensor source = values.get(entry.getKey());
                if (source.device() != target.device()) {
                    Tensor moved = source.to(target.device());
                    target.copyFrom(moved);
                    moved.close();
                } else {
                    target.copyFrom(source);
                }
            }
        }
    }

    /**
     * Copies host arrays into the parameters and buffers, for checkpoint readers that hold raw
     * data: each array must have exactly the element count of its tensor. Same validation as
     * {@link #loadStateDict(Map)}, naming sizes instead of shapes.
     */
    public final void loadStateDictArrays(Map<String, float[]> values) {
        Map<String, Tensor> own = stateDict();
        checkStateKeys(own, values, (key, value, target) -> value.length == target.numel() ? null
                : "'" + key + "' has " + value.length + " elements in the checkpoint, " + target.numel()
                        + " in the model (shape " + Arrays.toString(target.shape()) + ")");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var entry : own.entrySet()) {
            Tensor target = entry.getValue();
            float[] value = values.get(entry.getKey());
            // NOTE: Tensor.of reads an empty shape as "1-D of the data's length"; a rank-0 buffer
            // (BatchNorm1d's num_batches_tracked) needs its scalar factory.
            tensors.put(entry.getKey(), target.shape().length == 0 ? Tensor.scalar(target.device(), value[0])
                    : Tensor.of(target.device(), value, target.shape()));
        }
        loadStateDict(tensors);
        tensors.values().forEach(Tensor::close);
    }

    /** What {@link #checkStateKeys} asks of each value whose key the module has: a problem, or null if it fits. */
    @FunctionalInterface
    private interface StateMismatch<V> {
        String describe(String key, V value, Tensor target);
    }

    /**
     * The strict key check both loaders share: every key of {@code own} present, none extra, and
     * each value accepted by {@code mismatch}. Throws listing every problem (missing keys first,
     * then the others in the order of {@code values}) so one message tells all that is wrong.
     */
    private static <V> void checkStateKeys(Map<String, Tensor> own, Map<String, V> values,
                                           StateMismatch<V> mismatch) {
        List<String> problems = new ArrayList<>();
        for (String key : own.keySet()) {
            if (!values.containsKey(key)) {
                problems.add("missing key '" + key + "'");
            }
        }
        for (var entry : values.entrySet()) {
            Tensor target = own.get(entry.getKey());
            String problem = target == null ? "unexpected key '" + entry.getKey() + "'"
                    : mismatch.describe(entry.getKey(), entry.getValue(), target);
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + String.join("; ", problems));
        }
    }

    // ---- devices --------------------------------------------------------------------------

    /**
     * Moves every parameter and buffer to {@code device}; returns this. NOTE: unlike PyTorch,
     * which moves data under the same tensor objects, the parameters are replaced by new tensors
     * (and the old ones freed, gradients dropped), so create optimizers after calling this.
     */
    public Module to(Device device) {
        Objects.requireNonNull(device, "device");
        try (var ignored = NoGrad.open()) {
            for (var entry : parameters.entrySet()) {
                Tensor old = entry.getValue();
                if (old.device() != device) {
                    Tensor moved = old.to(device).keep().requiresGrad();
                    old.zeroGrad();
                    old.close();
                    entry.setValue(moved);
                }
            }
            for (var entry : buffers.entrySet()) {
                Tensor old = entry.getValue();
                if (old.device() != device) {
                    Tensor moved = old.to(device).keep();
                    old.close();
                    entry.setValue(moved);
                }
            }
        }
        for (Module child : children.values()) {
            child.to(device);
        }
        return this;
    }

    // ---- printing -------------------------------------------------------------------------

    /** The text between the parentheses of this module's repr, e.g. {@code in_features=784, ...}. */
    protected String extraRepr() {
        return "";
    }

    /** A PyTorch-style repr: {@code Sequential(\n  (0): Linear(in_features=784, ...)\n ...)}. */
    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (children.isEmpty()) {
            return name + "(" + extraRepr() + ")";
        }
        StringBuilder text = new StringBuilder(name).append("(");
        String extra = extraRepr();
        if (!extra.isEmpty()) {
            text.append("\n  ").append(extra.replace("\n", "\n  "));
        }
        for (var child : children.entrySet()) {
            String childText = child.getValue().toString().replace("\n", "\n  ");
            text.append("\n  (").append(child.getKey()).append("): ").append(childText);
        }
        return text.append("\n)").toString();
    }
}
