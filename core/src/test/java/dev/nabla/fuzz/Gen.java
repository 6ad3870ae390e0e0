package dev.nabla.fuzz;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.backend.Activation;
import dev.nabla.backend.BinaryOp;
import dev.nabla.fuzz.Program.Leaf;
import dev.nabla.fuzz.Program.LeafLayout;
import dev.nabla.fuzz.Program.Op;
import dev.nabla.fuzz.Program.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Generators drawing from {@link Choices}: shapes, values, broadcasting partners, layouts and whole
 * {@link Program}s. Every draw reads 0 as the simplest answer, so the {@link Shrinker} simplifies a
 * case by lowering its choices.
 *
 * <p>A program is built one operation at a time while it runs on the reference backend (without
 * autograd): each operation is chosen for the shapes the values actually have, and an operation the
 * reference refuses ends the program, so that the error itself is compared. A few operations are
 * made invalid on purpose (a wrong inner dimension, an axis out of range, an index past the end).
 */
public final class Gen {

    /** Operations per program, at most. */
    static final int MAX_OPERATIONS = 6;
    /** Percent of operations made invalid on purpose, so that errors are compared too. */
    static final int INVALID_PERCENT = 4;

    /**
     * Axis sizes by choice, in increasing order so that a lower choice is a smaller size: 1 is the
     * simplest; 0 is last, one in 16, because an empty tensor is a special case, not a simple one.
     */
    private static final int[] SIZES = {1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 0};
    /**
     * Sometimes one axis of a shape is long, so that vector loops with their tails (8 or 16 lanes),
     * GEMM blocking and work-group boundaries run too; at most one per shape keeps leaves small.
     */
    private static final int[] LONG_SIZES = {17, 33, 40};
    /** Ranks by choice, in increasing order: 1 is the simplest; rank 0 (a scalar) is last. */
    private static final int[] RANKS = {1, 1, 2, 2, 2, 3, 3, 3, 4, 0};

    private final Choices c;
    private final Device reference = Device.reference();
    private final List<Step> steps = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();

    private Gen(Choices c) {
        this.c = c;
    }

    // ---- Small generators ----------------------------------------------------------------------

    /** An axis size in 0..5; 1 is the simplest. */
    public static int size(Choices c) {
        return SIZES[c.draw(SIZES.length)];
    }

    /** A shape of rank 0..4. */
    public static int[] shape(Choices c) {
        int[] shape = new int[RANKS[c.draw(RANKS.length)]];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = size(c);
        }
        if (shape.length > 0 && c.chance(12)) {
            shape[c.draw(shape.length)] = LONG_SIZES[c.draw(LONG_SIZES.length)];
        }
        return shape;
    }

    /**
     * A finite value in [-3, 3] on a grid of 1/8: 0 is the simplest, then ±1/8, ±1/4, ... Grid
     * values make sums and products exact in float32, so the backends' summation orders agree
     * on everything but the transcendental functions.
     */
    public static float value(Choices c) {
        int v = c.draw(49);
        int magnitude = (v + 1) / 2;
        return (v % 2 == 0 ? magnitude : -magnitude) / 8f;
    }

    /** A weight in [0, 2] on a grid of 1/4; 1 is the simplest. */
    static float weight(Choices c) {
        int v = c.draw(9);
        int magnitude = (v + 1) / 2;
        return 1f + (v % 2 == 0 ? magnitude : -magnitude) / 4f;
    }

    /**
     * A shape that broadcasts with {@code shape}: leading axes dropped, some axes set to 1, now and
     * then one more leading axis. The simplest is {@code shape} itself.
     */
    public static int[] broadcastPartner(Choices c, int[] shape) {
        int drop = c.chance(30) ? c.draw(shape.length + 1) : 0;
        int[] partner = Arrays.copyOfRange(shape, drop, shape.length);
        for (int d = 0; d < partner.length; d++) {
            if (c.chance(25)) {
                partner[d] = 1;
            }
        }
        if (partner.length < 4 && c.chance(10)) {
            int[] wider = new int[partner.length + 1];
            wider[0] = size(c);
            System.arraycopy(partner, 0, wider, 1, partner.length);
            partner = wider;
        }
        return partner;
    }

    /** A permutation of {@code 0..n-1}; the identity is the simplest. */
    public static int[] permutation(Choices c, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 0; i < n - 1; i++) {
            int j = i + c.draw(n - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /** An axis of a rank-{@code rank} tensor, sometimes written negatively; out of range if {@code invalid}. */
    static int axis(Choices c, int rank, boolean invalid) {
        if (invalid || rank == 0) {
            return rank + c.draw(2);
        }
        int a = c.draw(rank);
        return c.chance(20) ? a - rank : a;
    }

    // ---- Programs ------------------------------------------------------------------------------

    /** A program drawn from {@code c}. */
    public static Program program(Choices c) {
        return new Gen(c).build();
    }

    /**
     * The structure first (shapes, layouts, operations, each operation a span), then the leaves'
     * values and the output weights at the end: so a shrink that makes a leaf smaller only shortens
     * the tail of the sequence, instead of shifting its values into the operations' choices.
     */
    private Program build() {
        try (Scope scope = Scope.open(); NoGrad noGrad = NoGrad.open()) {
            leaf(shape(c));
            int operations = 0;
            boolean more;
            do {
                int span = c.begin();
                Op op = operation();
                operations++;
                steps.add(op);
                try {
                    values.add(apply(op));
                } catch (RuntimeException e) {
                    c.end(span);
                    break;   // the program ends with the refused operation; the error is compared
                }
                more = operations < MAX_OPERATIONS && c.draw(4) != 0;
                c.end(span);
            } while (more);
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i) instanceof Leaf leaf) {
                    int span = c.begin();
                    float[] data = new float[leaf.values().length];
                    for (int j = 0; j < data.length; j++) {
                        data[j] = value(c);
                    }
                    c.end(span);
                    steps.set(i, new Leaf(leaf.shape(), data, leaf.layout()));
                }
            }
            int out = new Program(steps, new float[0]).output();
            int count = out < 0 || out >= values.size() ? 0 : (int) values.get(out).numel();
            float[] weights = new float[count];
            for (int i = 0; i < count; i++) {
                weights[i] = weight(c);
            }
            return new Program(List.copyOf(steps), weights);
        }
    }

    private Tensor apply(Op op) {
        Tensor[] inputs = new Tensor[op.inputs().length];
        for (int j = 0; j < inputs.length; j++) {
            inputs[j] = values.get(op.inputs()[j]);
        }
        return op.apply().apply(inputs);
    }

    /**
     * Adds a leaf of {@code shape} with a drawn layout; returns its index. Its values are zeros
     * until the end of {@link #build()} draws them: only shapes decide what the reference refuses.
     */
    private int leaf(int[] shape) {
        float[] data = new float[(int) Program.numel(shape)];
        LeafLayout layout = LeafLayout.values()[c.draw(LeafLayout.values().length)];
        steps.add(new Leaf(shape, data, layout));
        values.add(Program.tensor(reference, data, shape));
        return steps.size() - 1;
    }

    /** An F32 value, the latest being the simplest. */
    private int pick() {
        List<Integer> floats = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).dtype() == DType.F32) {
                floats.add(i);
            }
        }
        return floats.get(floats.size() - 1 - c.draw(floats.size()));
    }

    private enum Kind {
        UNARY(5), BINARY(4), BINARY_VALUES(1), REDUCE(2), EXTREMUM(1), SOFTMAX(1), MATMUL(3), SELF_MATMUL(1), LINEAR(1),
        VIEW(4), JOIN(1), INDEX(2), WHERE(1), ARGMAX(1);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    private static final int TOTAL_WEIGHT = Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum();

    private Op operation() {
        int w = c.draw(TOTAL_WEIGHT);
        Kind kind = Kind.UNARY;
        for (Kind k : Kind.values()) {
            if (w < k.weight) {
                kind = k;
                break;
            }
            w -= k.weight;
        }
        int a = pick();
        int[] s = values.get(a).shape();
        boolean invalid = c.chance(INVALID_PERCENT);
        return switch (kind) {
            case UNARY -> unary(a);
            case BINARY -> binary(a, leaf(invalid ? incompatible(s) : broadcastPartner(c, s)));
            case BINARY_VALUES -> binary(a, pick());
            case REDUCE -> reduce(a, s, invalid);
            case EXTREMUM -> extremum(a, s, invalid);
            case SOFTMAX -> softmax(a, s, invalid);
            case MATMUL -> matmul(a, s, invalid);
            case SELF_MATMUL -> selfMatmul(a, s);
            case LINEAR -> linear(a, s, invalid);
            case VIEW -> view(a, s, invalid);
            case JOIN -> join(a, s, invalid);
            case INDEX -> index(a, s, invalid);
            case WHERE -> op("Tensor.where({0}.gt(0f), {0}, {1})", new int[] {a, leaf(broadcastPartner(c, s))},
                    t -> Tensor.where(t[0].gt(0f), t[0], t[1]), false).deciding(t -> t[0]);
            case ARGMAX -> argmax(a, s, invalid);
        };
    }

    private static Op op(String code, int[] inputs, Function<Tensor[], Tensor> apply, boolean smooth) {
        return Op.of(code, inputs, apply, smooth);
    }

    private static Op op(String code, int input, Function<Tensor, Tensor> apply, boolean smooth) {
        return Op.of(code, new int[] {input}, t -> apply.apply(t[0]), smooth);
    }

    /** A shape that does not broadcast with {@code s} (where one exists): one axis of another size. */
    private int[] incompatible(int[] s) {
        int[] other = s.length == 0 ? new int[] {2} : s.clone();
        if (s.length > 0) {
            int d = c.draw(s.length);
            other[d] = s[d] == 1 ? 2 : s[d] + 1;
        }
        return other;
    }

    // NOTE: log, sqrt, reciprocal and division are applied to x² + constant, so that every input
    // is in their domain and the functions stay smooth for finite differences.
    private Op unary(int a) {
        return switch (c.draw(18)) {
            case 0 -> op("{0}.neg()", a, Tensor::neg, true);
            case 1 -> op("{0}.relu()", a, Tensor::relu, false).deciding(t -> t[0]);
            case 2 -> op("{0}.tanh()", a, Tensor::tanh, true);
            case 3 -> op("{0}.sigmoid()", a, Tensor::sigmoid, true);
            case 4 -> op("{0}.exp()", a, Tensor::exp, true);
            case 5 -> op("{0}.gelu()", a, Tensor::gelu, true);
            case 6 -> op("{0}.abs()", a, Tensor::abs, false).deciding(t -> t[0]);
            case 7 -> op("{0}.square()", a, Tensor::square, true);
            case 8 -> op("{0}.square().add(1f).log()", a, t -> t.square().add(1f).log(), true);
            case 9 -> op("{0}.square().add(0.25f).sqrt()", a, t -> t.square().add(0.25f).sqrt(), true);
            case 10 -> op("{0}.square().add(0.5f).reciprocal()", a, t -> t.square().add(0.5f).reciprocal(), true);
            case 11 -> op("{0}.square().log1p()", a, t -> t.square().log1p(), true);
            case 12 -> op("{0}.expm1()", a, Tensor::expm1, true);
            case 13 -> op("{0}.pow(3f)", a, t -> t.pow(3f), true);
            case 14 -> op("{0}.square().add(1f).pow(1.5f)", a, t -> t.square().add(1f).pow(1.5f), true);
            case 15 -> op("{0}.mul(-1.5f)", a, t -> t.mul(-1.5f), true);
            case 16 -> op("{0}.sub(0.75f)", a, t -> t.sub(0.75f), true);
            default -> op("{0}.div(4f)", a, t -> t.div(4f), true);
        };
    }

    private Op binary(int a, int b) {
        boolean swap = c.chance(30);
        int[] in = swap ? new int[] {b, a} : new int[] {a, b};
        return switch (c.draw(8)) {
            case 0 -> op("{0}.add({1})", in, t -> t[0].add(t[1]), true);
            case 1 -> op("{0}.sub({1})", in, t -> t[0].sub(t[1]), true);
            case 2 -> op("{0}.mul({1})", in, t -> t[0].mul(t[1]), true);
            case 3 -> op("{0}.div({1}.square().add(1f))", in, t -> t[0].div(t[1].square().add(1f)), true);
            case 4 -> op("{0}.maximum({1})", in, t -> t[0].maximum(t[1]), false).deciding(Gen::difference);
            case 5 -> op("{0}.minimum({1})", in, t -> t[0].minimum(t[1]), false).deciding(Gen::difference);
            case 6 -> op("{0}.mul({1}.gt({0}))", in, t -> t[0].mul(t[1].gt(t[0])), false).deciding(Gen::difference);
            default -> op("{0}.square().add(1f).binaryOp(BinaryOp.POW, {1})", in,
                    t -> t[0].square().add(1f).binaryOp(BinaryOp.POW, t[1]), true);
        };
    }

    /**
     * Some of {@code rank} axes, drawn as one bit mask (and one choice for writing them negatively):
     * a fixed number of choices whatever the rank, so that shrinking a rank does not shift the rest.
     */
    private int[] axesSubset(int rank, boolean invalid) {
        List<Integer> axes = new ArrayList<>();
        int mask = c.draw(1 << rank);
        boolean negative = c.chance(20);
        for (int d = 0; d < rank; d++) {
            if ((mask & (1 << d)) != 0) {
                axes.add(negative ? d - rank : d);
            }
        }
        if (invalid) {
            axes.add(rank + c.draw(2));
        }
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    private Op reduce(int a, int[] s, boolean invalid) {
        boolean mean = c.chance(40);
        String name = mean ? "mean" : "sum";
        if (c.chance(20) && !invalid) {
            return op("{0}." + name + "()", a, mean ? Tensor::mean : Tensor::sum, true);
        }
        int[] axes = axesSubset(s.length, invalid);
        boolean keep = c.chance(50);
        String code = "{0}." + name + "(new int[] " + Arrays.toString(axes).replace('[', '{').replace(']', '}')
                + ", " + keep + ")";
        return op(code, a, t -> mean ? t.mean(axes, keep) : t.sum(axes, keep), true);
    }

    private Op extremum(int a, int[] s, boolean invalid) {
        boolean min = c.chance(50);
        String name = min ? "min" : "max";
        if (s.length == 0 || c.chance(25)) {
            return op("{0}." + name + "()", a, min ? Tensor::min : Tensor::max, false)
                    .deciding(t -> runnerUpGap(t[0], min ? t[0].min() : t[0].max()));
        }
        int axis = axis(c, s.length, invalid);
        boolean keep = c.chance(50);
        return op("{0}." + name + "(" + axis + ", " + keep + ")", a,
                t -> min ? t.min(axis, keep) : t.max(axis, keep), false)
                .deciding(t -> runnerUpGap(t[0], min ? t[0].min(axis, true) : t[0].max(axis, true)));
    }

    /** The margin of a comparison of two operands: their difference. */
    private static Tensor difference(Tensor[] t) {
        return t[0].sub(t[1]);
    }

    /**
     * The margin of a max or min: how far each element that is not an extremum is from it (an exact
     * tie is not a decision: tied elements share the gradient on every backend).
     */
    private static Tensor runnerUpGap(Tensor x, Tensor extremum) {
        Tensor gap = extremum.sub(x).abs();
        return Tensor.where(gap.gt(0f), gap, Tensor.scalar(x.device(), Float.POSITIVE_INFINITY));
    }

    private Op softmax(int a, int[] s, boolean invalid) {
        if (s.length == 0 && !invalid) {
            return op("{0}.unsqueeze(0).logSoftmax(0)", a, t -> t.unsqueeze(0).logSoftmax(0), true);
        }
        int axis = axis(c, s.length, invalid);
        return c.chance(50)
                ? op("{0}.logSoftmax(" + axis + ")", a, t -> t.logSoftmax(axis), true)
                : op("{0}.softmax(" + axis + ")", a, t -> t.softmax(axis), true);
    }

    /** {@code a @ b} with a new leaf b that fits a's shape (or, if {@code invalid}, does not). */
    private Op matmul(int a, int[] s, boolean invalid) {
        int wrong = invalid ? 1 : 0;
        if (s.length == 0) {
            // a scalar has no axis to multiply over (refused); as a [1] vector it has
            int b = leaf(new int[] {1, size(c)});
            return invalid ? op("{0}.matmul({1})", new int[] {a, b}, t -> t[0].matmul(t[1]), true)
                    : op("{0}.reshape(1).matmul({1})", new int[] {a, b}, t -> t[0].reshape(1).matmul(t[1]), true);
        }
        int k = s[s.length - 1];
        boolean left = s.length >= 2 && c.chance(30);
        int[] partner;
        if (left) {
            // b @ a: b is [n, m] (or [m]) where a is [..., m, k]
            int m = s[s.length - 2] + wrong;
            partner = c.chance(25) ? new int[] {m} : new int[] {size(c), m};
            int b = leaf(partner);
            return op("{0}.matmul({1})", new int[] {b, a}, t -> t[0].matmul(t[1]), true);
        }
        int n = size(c);
        int inner = k + wrong;
        partner = switch (c.draw(4)) {
            case 0 -> new int[] {inner, n};
            case 1 -> new int[] {inner};
            default -> {
                // batched: [batch..., k, n] with batch axes that broadcast against a's
                int[] batch = s.length > 2 ? broadcastPartner(c, Arrays.copyOf(s, s.length - 2)) : new int[] {size(c)};
                int[] b = Arrays.copyOf(batch, batch.length + 2);
                b[batch.length] = inner;
                b[batch.length + 1] = n;
                yield b.length > 4 ? new int[] {inner, n} : b;
            }
        };
        return op("{0}.matmul({1})", new int[] {a, leaf(partner)}, t -> t[0].matmul(t[1]), true);
    }

    /** {@code a @ aᵀ} or {@code aᵀ @ a}: both operands are views of one storage, one transposed. */
    private Op selfMatmul(int a, int[] s) {
        if (s.length < 2) {
            return op("{0}.reshape(-1).matmul({0}.reshape(-1))", new int[] {a},
                    t -> t[0].reshape(-1).matmul(t[0].reshape(-1)), true);
        }
        return c.chance(50)
                ? op("{0}.matmul({0}.transpose(-1, -2))", new int[] {a},
                        t -> t[0].matmul(t[0].transpose(-1, -2)), true)
                : op("{0}.transpose(-1, -2).matmul({0})", new int[] {a},
                        t -> t[0].transpose(-1, -2).matmul(t[0]), true);
    }

    /** {@code linear(x, w, b)} (as {@code nn.Linear}), the ReLU fused into the GEMM now and then. */
    private Op linear(int a, int[] s, boolean invalid) {
        if (s.length != 2 && !invalid) {
            return matmul(a, s, false);
        }
        int in = (s.length == 0 ? 1 : s[s.length - 1]) + (invalid ? 1 : 0);
        int out = size(c);
        int w = leaf(new int[] {out, in});
        int b = leaf(new int[] {out});
        boolean relu = c.chance(50);
        return relu
                ? op("Tensor.linear({0}, {1}, {2}, Activation.RELU)", new int[] {a, w, b},
                        t -> Tensor.linear(t[0], t[1], t[2], Activation.RELU), false)
                        .deciding(t -> Tensor.linear(t[0], t[1], t[2]))
                : op("Tensor.linear({0}, {1}, {2})", new int[] {a, w, b}, t -> Tensor.linear(t[0], t[1], t[2]), true);
    }

    private Op view(int a, int[] s, boolean invalid) {
        int rank = s.length;
        switch (c.draw(10)) {
            case 0: {
                int x = axis(c, rank, invalid);
                int y = axis(c, rank, false);
                return op("{0}.transpose(" + x + ", " + y + ")", a, t -> t.transpose(x, y), true);
            }
            case 1: {
                int[] order = permutation(c, rank);
                if (invalid && rank > 0) {
                    order[0] = order[rank - 1];
                }
                return op("{0}.permute(" + list(order) + ")", a, t -> t.permute(order), true);
            }
            case 2: {
                int axis = c.draw(rank + 1 + (invalid ? 2 : 0));
                return op("{0}.unsqueeze(" + axis + ")", a, t -> t.unsqueeze(axis), true);
            }
            case 3: {
                if (c.chance(30)) {
                    return op("{0}.squeeze()", a, Tensor::squeeze, true);
                }
                int axis = axis(c, rank, invalid);
                return op("{0}.squeeze(" + axis + ")", a, t -> t.squeeze(axis), true);
            }
            case 4: {
                if (rank == 0) {
                    return op("{0}.slice(0, 0, 1)", a, t -> t.slice(0, 0, 1), true);
                }
                int axis = c.draw(rank);
                int start = c.draw(s[axis] + 1);
                int end = start + c.draw(s[axis] - start + 1) + (invalid ? 1 : 0);
                return op("{0}.slice(" + axis + ", " + start + ", " + end + ")", a, t -> t.slice(axis, start, end),
                        true);
            }
            case 5:
                return reshape(a, s, invalid);
            case 6: {
                int[] target = s.clone();
                for (int d = 0; d < rank; d++) {
                    if (s[d] == 1 || invalid) {
                        target[d] = size(c);
                    }
                }
                return op("{0}.expand(" + list(target) + ")", a, t -> t.expand(target), true);
            }
            case 7:
                if (rank == 2) {
                    return op("{0}.t()", a, Tensor::t, true);
                }
                return op("{0}.transpose(0, -1).contiguous()", a, t -> t.transpose(0, -1).contiguous(), true);
            case 8:
                return op("{0}.contiguous()", a, Tensor::contiguous, true);
            default:
                // not "smooth": detach() hides a path from autograd on purpose, finite differences see it
                return op("{0}.detach().add({0})", a, t -> t.detach().add(t), false);
        }
    }

    private Op reshape(int a, int[] s, boolean invalid) {
        int[] target;
        switch (c.draw(4)) {
            case 0 -> target = new int[] {-1};
            case 1 -> {
                // the sizes in reverse order: the same count, other axes
                target = new int[s.length];
                for (int d = 0; d < s.length; d++) {
                    target[d] = s[s.length - 1 - d];
                }
            }
            case 2 -> {
                // two neighbouring axes merged, or a 1 inserted
                if (s.length >= 2) {
                    int d = c.draw(s.length - 1);
                    target = new int[s.length - 1];
                    for (int i = 0, j = 0; i < s.length; i++) {
                        if (i == d + 1) {
                            target[j - 1] *= s[i];
                        } else {
                            target[j++] = s[i];
                        }
                    }
                } else {
                    target = new int[] {1, s.length == 0 ? 1 : s[0]};
                }
            }
            default -> {
                target = s.clone();
                if (s.length > 0) {
                    target[c.draw(s.length)] = -1;
                }
            }
        }
        if (invalid) {
            target = Arrays.copyOf(target, target.length + 1);
            target[target.length - 1] = 2 + c.draw(2);
        }
        int[] shape = target;
        return op("{0}.reshape(" + list(shape) + ")", a, t -> t.reshape(shape), true);
    }

    private Op join(int a, int[] s, boolean invalid) {
        boolean stack = c.chance(40);
        if (stack) {
            int axis = c.draw(s.length + 1 + (invalid ? 1 : 0));
            int b = leaf(invalid ? incompatible(s) : s);
            return op("Tensor.stack(List.of({0}, {1}), " + axis + ")", new int[] {a, b},
                    t -> Tensor.stack(List.of(t[0], t[1]), axis), true);
        }
        int axis = axis(c, s.length, invalid);
        if (c.chance(20)) {
            return op("Tensor.cat(List.of({0}, {0}), " + axis + ")", new int[] {a},
                    t -> Tensor.cat(List.of(t[0], t[0]), axis), true);
        }
        int[] other = s.clone();
        if (axis >= 0 && axis < s.length) {
            other[axis] = size(c);
        } else if (axis < 0 && axis >= -s.length) {
            other[axis + s.length] = size(c);
        }
        int b = leaf(other);
        return op("Tensor.cat(List.of({0}, {1}), " + axis + ")", new int[] {a, b},
                t -> Tensor.cat(List.of(t[0], t[1]), axis), true);
    }

    private Op index(int a, int[] s, boolean invalid) {
        int rank = s.length;
        switch (rank == 2 ? c.draw(3) : 0) {
            case 1: {
                // gather(1, index): one column per row
                int[] index = ints(s[0], s[1], invalid);
                boolean column = c.chance(30);
                int[] indexShape = column ? new int[] {s[0], 1} : new int[] {s[0]};
                return op("{0}.gather(1, " + Program.literal(index) + (column ? ".reshape(" + s[0] + ", 1)" : "")
                        + ")", a, t -> t.gather(1, Tensor.of(t.device(), index, indexShape)), true);
            }
            case 2: {
                int[] labels = ints(s[0], s[1], invalid);
                return op("{0}.crossEntropy(" + Program.literal(labels) + ")", a,
                        t -> t.crossEntropy(Tensor.of(t.device(), labels, labels.length)), true);
            }
            default: {
                int axis = axis(c, rank, false);
                int size = rank == 0 ? 1 : s[axis < 0 ? axis + rank : axis];
                int[] index = ints(size == 0 && !invalid ? 0 : c.draw(4), size, invalid);
                return op("{0}.indexSelect(" + axis + ", " + Program.literal(index) + ")", a,
                        t -> t.indexSelect(axis, Tensor.of(t.device(), index, index.length)), true);
            }
        }
    }

    /** {@code count} indices in {@code [0, bound)}; if {@code invalid} (or there is no valid one), one is {@code bound}. */
    private int[] ints(int count, int bound, boolean invalid) {
        int[] index = new int[count];
        for (int i = 0; i < count; i++) {
            index[i] = bound == 0 ? 0 : c.draw(bound);
        }
        if (invalid && count > 0) {
            index[c.draw(count)] = bound;
        }
        return index;
    }

    private Op argmax(int a, int[] s, boolean invalid) {
        if (s.length == 0 && !invalid) {
            return unary(a);
        }
        int axis = axis(c, s.length, invalid);
        boolean keep = c.chance(50);
        return new Op("{0}.argmax(" + axis + ", " + keep + ")", new int[] {a}, t -> t[0].argmax(axis, keep), false,
                axis, null);
    }

    private static String list(int[] values) {
        return Arrays.toString(values).replace("[", "").replace("]", "");
    }
}
