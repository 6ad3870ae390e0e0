package dev.nabla.fuzz;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A straight-line program over the public {@link Tensor} API: leaves (F32 inputs with a shape, values
 * and a storage layout) and operations on earlier values, named {@code t0, t1, ...} in order. The
 * last F32 value is the output; backward runs from it with {@link #outputWeights()} as the seed,
 * so every output element's gradient reaches the leaves.
 *
 * <p>{@link Gen} builds programs; {@link #run} interprets one on a device, recording every value,
 * the leaves' gradients, or the exception and the step that threw it. {@link #toString()} prints
 * it as Java-like code, which is how a shrunk failure is reported.
 */
public record Program(List<Step> steps, float[] outputWeights) {

    /** One line of a program: a leaf or an operation. */
    public sealed interface Step permits Leaf, Op {
    }

    /**
     * How a leaf's values are stored, so that a program also reads its inputs through views:
     * {@code REVERSED} stores the axes in reverse order and permutes them back (a transposed,
     * non-contiguous view); {@code PADDED} stores one extra element before and after along axis 0
     * and slices them off (a view with an offset). The gradient must come back to the stored
     * tensor, and be zero in the padding.
     */
    public enum LeafLayout {
        CONTIGUOUS, REVERSED, PADDED
    }

    /** An F32 input that requires grad. */
    public record Leaf(int[] shape, float[] values, LeafLayout layout) implements Step {
    }

    /**
     * An operation on earlier values: {@code code} is Java with {@code {0}}, {@code {1}} for the
     * inputs' names; {@code smooth} is false where the function has kinks or steps (relu, max,
     * comparisons), which finite differences cannot check; {@code argmaxAxis} is the axis of an
     * {@code argmax} (whose I32 result is compared allowing ties), else -1. {@code margin}, for an
     * operation that decides (relu's sign, a comparison, which element is the max), computes from
     * the inputs how far each decision is from its threshold, or is null.
     */
    public record Op(String code, int[] inputs, Function<Tensor[], Tensor> apply, boolean smooth, int argmaxAxis,
                     Function<Tensor[], Tensor> margin) implements Step {

        static Op of(String code, int[] inputs, Function<Tensor[], Tensor> apply, boolean smooth) {
            return new Op(code, inputs, apply, smooth, -1, null);
        }

        /** This operation with the decision margin {@code margin}. */
        Op deciding(Function<Tensor[], Tensor> margin) {
            return new Op(code, inputs, apply, smooth, argmaxAxis, margin);
        }
    }

    /** What one run of the program gave on one device. */
    public record Outcome(Device device, List<int[]> shapes, List<Object> values, List<float[]> gradients,
                          RuntimeException error, int errorStep, String layoutProblem, double margin) {
    }

    /** The index of the output: the last F32 value. */
    public int output() {
        return outputIndex(steps.size());
    }

    /** The last step before {@code end} whose value is F32 (not an argmax), or -1. */
    int outputIndex(int end) {
        for (int i = end - 1; i >= 0; i--) {
            if (!(steps.get(i) instanceof Op op && op.argmaxAxis() >= 0)) {
                return i;
            }
        }
        return -1;
    }

    /** The leaves, in order. */
    public List<Leaf> leaves() {
        return steps.stream().filter(s -> s instanceof Leaf).map(s -> (Leaf) s).toList();
    }

    /** True when every operation is differentiable without kinks: finite differences can check it. */
    public boolean isSmooth() {
        return steps.stream().allMatch(s -> !(s instanceof Op op) || op.smooth());
    }

    /** The number of operations (leaves not counted). */
    public int operationCount() {
        return (int) steps.stream().filter(s -> s instanceof Op).count();
    }

    /**
     * Runs the program on {@code device}: leaves stored as their {@link LeafLayout} says when
     * {@code useLayouts}, else contiguous; then backward from the output. Every value and gradient
     * is read back to the host; nothing stays allocated on the device.
     */
    public Outcome run(Device device, boolean useLayouts) {
        List<int[]> shapes = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        List<float[]> gradients = new ArrayList<>();
        String layoutProblem = null;
        double margin = Double.POSITIVE_INFINITY;
        try (Scope scope = Scope.open()) {
            List<Tensor> tensors = new ArrayList<>();
            List<Tensor> stored = new ArrayList<>();
            List<Leaf> storedLeaves = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                Tensor t;
                try {
                    if (steps.get(i) instanceof Leaf leaf) {
                        LeafLayout layout = useLayouts ? leaf.layout() : LeafLayout.CONTIGUOUS;
                        Tensor storage = store(device, leaf, layout);
                        stored.add(storage);
                        storedLeaves.add(new Leaf(leaf.shape(), leaf.values(), layout));
                        t = view(storage, leaf.shape(), layout);
                    } else {
                        t = apply((Op) steps.get(i), tensors);
                    }
                    shapes.add(t.shape());
                    values.add(t.dtype() == DType.I32 ? t.toIntArray() : t.toFloatArray());
                } catch (RuntimeException e) {
                    return new Outcome(device, shapes, values, gradients, e, i, null, margin);
                }
                tensors.add(t);
                if (steps.get(i) instanceof Op op && op.margin() != null) {
                    margin = Math.min(margin, margin(op, tensors));
                }
            }
            int out = output();
            if (out < 0 || !tensors.get(out).isRequiresGrad()) {
                return new Outcome(device, shapes, values, gradients, null, -1, null, margin);
            }
            try {
                Tensor output = tensors.get(out);
                output.backward(tensor(device, outputWeights, output.shape()));
                for (int k = 0; k < stored.size(); k++) {
                    Leaf leaf = storedLeaves.get(k);
                    Tensor grad = stored.get(k).grad().orElse(null);
                    if (grad == null) {
                        gradients.add(new float[(int) numel(leaf.shape())]);
                        continue;
                    }
                    gradients.add(view(grad, leaf.shape(), leaf.layout()).toFloatArray());
                    String problem = paddingProblem(grad, leaf);
                    layoutProblem = layoutProblem != null ? layoutProblem : problem == null ? null
                            : "leaf " + k + ": " + problem;
                    stored.get(k).zeroGrad();
                }
            } catch (RuntimeException e) {
                return new Outcome(device, shapes, values, gradients, e, steps.size(), null, margin);
            }
        }
        return new Outcome(device, shapes, values, gradients, null, -1, layoutProblem, margin);
    }

    /** The smallest |margin| of an operation's decisions, computed without autograd; infinite if none. */
    private static double margin(Op op, List<Tensor> tensors) {
        try (var noGrad = dev.nabla.autograd.NoGrad.open()) {
            Tensor[] inputs = new Tensor[op.inputs().length];
            for (int j = 0; j < inputs.length; j++) {
                inputs[j] = tensors.get(op.inputs()[j]);
            }
            double smallest = Double.POSITIVE_INFINITY;
            for (float m : op.margin().apply(inputs).toFloatArray()) {
                smallest = Math.min(smallest, Math.abs(m));
            }
            return smallest;
        }
    }

    /**
     * The program's output as a function of its leaves, for {@link dev.nabla.autograd.GradCheck}:
     * {@code leaves} replace the leaves in order.
     */
    public Tensor evaluate(List<Tensor> leaves) {
        List<Tensor> tensors = new ArrayList<>();
        int next = 0;
        for (Step step : steps) {
            tensors.add(step instanceof Leaf ? leaves.get(next++) : apply((Op) step, tensors));
        }
        return tensors.get(output());
    }

    private static Tensor apply(Op op, List<Tensor> tensors) {
        Tensor[] inputs = new Tensor[op.inputs().length];
        for (int j = 0; j < inputs.length; j++) {
            inputs[j] = tensors.get(op.inputs()[j]);
        }
        return op.apply().apply(inputs);
    }

    /** The stored tensor of a leaf, a leaf that requires grad. */
    private static Tensor store(Device device, Leaf leaf, LeafLayout layout) {
        int[] shape = leaf.shape();
        int rank = shape.length;
        if (layout == LeafLayout.REVERSED && rank >= 2) {
            int[] reversed = new int[rank];
            for (int d = 0; d < rank; d++) {
                reversed[d] = shape[rank - 1 - d];
            }
            // element at logical index (i0..in) lives at reversed index (in..i0)
            float[] data = new float[leaf.values().length];
            int[] logical = new int[rank];
            for (int flat = 0; flat < data.length; flat++) {
                int rest = flat;
                for (int d = rank - 1; d >= 0; d--) {
                    logical[d] = rest % shape[d];
                    rest /= shape[d];
                }
                int target = 0;
                for (int d = 0; d < rank; d++) {
                    target = target * reversed[d] + logical[rank - 1 - d];
                }
                data[target] = leaf.values()[flat];
            }
            return tensor(device, data, reversed).requiresGrad();
        }
        if (layout == LeafLayout.PADDED && rank >= 1) {
            int[] padded = shape.clone();
            padded[0] += 2;
            int row = rowSize(shape);
            float[] data = new float[(int) numel(padded)];
            Arrays.fill(data, PADDING);
            System.arraycopy(leaf.values(), 0, data, row, leaf.values().length);
            return tensor(device, data, padded).requiresGrad();
        }
        return tensor(device, leaf.values(), shape).requiresGrad();
    }

    /** A value no generated leaf holds, so a kernel that reads the padding shows it. */
    static final float PADDING = 1234.5f;

    /** The leaf's logical view of its stored tensor (or of that tensor's gradient). */
    private static Tensor view(Tensor stored, int[] shape, LeafLayout layout) {
        int rank = shape.length;
        if (layout == LeafLayout.REVERSED && rank >= 2) {
            int[] order = new int[rank];
            for (int d = 0; d < rank; d++) {
                order[d] = rank - 1 - d;
            }
            return stored.permute(order);
        }
        if (layout == LeafLayout.PADDED && rank >= 1) {
            return stored.slice(0, 1, shape[0] + 1);
        }
        return stored;
    }

    private static String paddingProblem(Tensor storedGrad, Leaf leaf) {
        if (leaf.layout() != LeafLayout.PADDED || leaf.shape().length == 0) {
            return null;
        }
        float[] all = storedGrad.toFloatArray();
        int row = rowSize(leaf.shape());
        for (int i = 0; i < all.length; i++) {
            boolean padding = i < row || i >= all.length - row;
            if (padding && all[i] != 0f) {
                return "gradient " + all[i] + " in the padding of a sliced leaf at stored flat index " + i;
            }
        }
        return null;
    }

    /** {@code values} as an F32 tensor of {@code shape}; rank 0 stays rank 0. */
    static Tensor tensor(Device device, float[] values, int[] shape) {
        return shape.length == 0 ? Tensor.scalar(device, values[0]) : Tensor.of(device, values, shape);
    }

    /** The elements of one index along axis 0: the product of the other sizes. */
    private static int rowSize(int[] shape) {
        return (int) numel(Arrays.copyOfRange(shape, 1, shape.length));
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** The program as Java-like code, one statement per step. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            text.append("    ").append(line(i)).append('\n');
        }
        int out = output();
        if (out >= 0) {
            text.append("    t").append(out).append(".backward(")
                    .append(literal(outputWeights)).append(");\n");
        }
        return text.toString();
    }

    /** Step {@code i} as one Java statement. */
    String line(int i) {
        Step step = steps.get(i);
        if (step instanceof Leaf leaf) {
            String shape = Arrays.toString(leaf.shape()).replace("[", "").replace("]", "");
            return "Tensor t" + i + " = leaf(" + leaf.layout() + ", " + literal(leaf.values())
                    + (shape.isEmpty() ? "" : ", " + shape) + ");";
        }
        Op op = (Op) step;
        String code = op.code();
        for (int j = 0; j < op.inputs().length; j++) {
            code = code.replace("{" + j + "}", "t" + op.inputs()[j]);
        }
        return "Tensor t" + i + " = " + code + ";";
    }

    static String literal(float[] values) {
        StringBuilder text = new StringBuilder("new float[] {");
        int shown = Math.min(values.length, 24);
        for (int i = 0; i < shown; i++) {
            text.append(i == 0 ? "" : ", ").append(floatText(values[i]));
        }
        if (shown < values.length) {
            text.append(", ... (").append(values.length).append(" values)");
        }
        return text.append('}').toString();
    }

    static String literal(int[] values) {
        StringBuilder text = new StringBuilder("ints(");
        for (int i = 0; i < values.length; i++) {
            text.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return text.append(')').toString();
    }

    static String floatText(float f) {
        if (f == Math.rint(f) && Math.abs(f) < 1e6) {
            return (int) f + "f";
        }
        return String.format(Locale.ROOT, "%sf", Float.toString(f));
    }
}
