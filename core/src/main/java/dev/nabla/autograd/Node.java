package dev.nabla.autograd;

import dev.nabla.Tensor;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import java.util.List;

/**
 * A recorded operation in the autograd graph: what produced a tensor and what its backward rule
 * needs. Every differentiable op is one record here, and {@link Backward} holds all their rules
 * in one exhaustive switch, so an op without a gradient rule does not compile.
 */
public sealed interface Node {

    /** The tensors this op read, in the order {@link Backward#gradients} returns their gradients. */
    List<Tensor> inputs();

    /** Name shown in errors and by anomaly mode. */
    default String opName() {
        return getClass().getSimpleName();
    }

    /** Elementwise op of one input; {@code param} is the exponent or scalar, {@code out} the result. */
    record Unary(UnaryOp op, float param, Tensor a, Tensor out) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }

        public String opName() {
            return op.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Broadcasting elementwise op of two inputs. */
    record Binary(BinaryOp op, Tensor a, Tensor b, Tensor out) implements Node {
        public List<Tensor> inputs() {
            return List.of(a, b);
        }

        public String opName() {
            return op.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code cond ? a : b}; the condition gets no gradient. */
    record Where(Tensor cond, Tensor a, Tensor b) implements Node {
        public List<Tensor> inputs() {
            return List.of(a, b);
        }
    }

    /** 2-D matrix product. */
    record Matmul(Tensor a, Tensor b) implements Node {
        public List<Tensor> inputs() {
            return List.of(a, b);
        }
    }

    /**
     * {@code x · wᵀ + bias} as {@code torch.nn.functional.linear}: x [n, in], w [out, in], bias
     * [out]; with {@code reluOut} (the op's own output, else null) followed by a ReLU fused into the
     * same GEMM, whose gradient is taken from that output (it is positive exactly where the
     * pre-activation is).
     */
    record Linear(Tensor x, Tensor weight, Tensor bias, Tensor reluOut) implements Node {
        public List<Tensor> inputs() {
            return List.of(x, weight, bias);
        }

        public String opName() {
            return reluOut == null ? "linear" : "linear+relu";
        }
    }

    /** Sum over {@code axes} (sorted, non-negative). */
    record Sum(Tensor a, int[] axes, boolean keepDims) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Max (or min) over {@code axes}; ties share the gradient equally, as {@code torch.amax}. */
    record Extremum(Tensor a, Tensor out, int[] axes, boolean keepDims) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Softmax or log-softmax along {@code axis}; {@code out} is the result. */
    record Softmax(Tensor a, int axis, boolean log, Tensor out) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Same elements, another shape (also {@code contiguous()}, whose shape is unchanged). */
    record Reshape(Tensor a) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Two axes swapped. */
    record Transpose(Tensor a, int axis0, int axis1) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Size-1 axes repeated by broadcasting. */
    record Expand(Tensor a) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** Elements {@code [start, end)} along {@code axis}. */
    record Slice(Tensor a, int axis, int start, int end) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /**
     * The gradient of a slice, recorded only by a differentiable backward ({@code createGraph}):
     * {@code g} written into zeros of {@code shape} at {@code [start, end)} along {@code axis}.
     * Its own gradient slices the incoming one again.
     */
    record SliceBackward(Tensor g, int[] shape, int axis, int start, int end) implements Node {
        public List<Tensor> inputs() {
            return List.of(g);
        }
    }

    /** Axes reordered: output axis i is input axis {@code order[i]}. */
    record Permute(Tensor a, int[] order) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }

        /** The order that undoes a permutation {@code order}. */
        public static int[] inverse(int[] order) {
            int[] inverse = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                inverse[order[i]] = i;
            }
            return inverse;
        }

        /** The axis order that moves {@code axis} last and keeps the others in order. */
        public static int[] axisLast(int rank, int axis) {
            int[] order = new int[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                if (i != axis) {
                    order[j++] = i;
                }
            }
            order[rank - 1] = axis;
            return order;
        }
    }

    /** The inputs joined along {@code axis}; input i has {@code sizes[i]} entries there. */
    record Cat(List<Tensor> parts, int axis, int[] sizes) implements Node {
        public List<Tensor> inputs() {
            return parts;
        }
    }

    /** Entries {@code index} of {@code a} along {@code axis} (index values checked at the forward). */
    record IndexSelect(Tensor a, int axis, int[] index) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /**
     * The gradient of an index_select, recorded only by a differentiable backward: {@code g}'s
     * entries added into zeros of {@code shape} at {@code index} along {@code axis}. Its own
     * gradient selects the incoming one at the same index again.
     */
    record IndexAdd(Tensor g, int[] shape, int axis, int[] index) implements Node {
        public List<Tensor> inputs() {
            return List.of(g);
        }
    }

    /**
     * {@code torch.Tensor.scatter_add(axis, index, src)}, out of place: {@code self} with each
     * {@code src} entry inside the index's shape added at its index along {@code axis}.
     * {@code rowIndex} is the index (values checked at the forward) with {@code axis} moved last,
     * flattened: row r of {@code [rows, indexShape[axis]]} lists where the entries of row r go.
     */
    record ScatterAdd(Tensor self, Tensor src, int axis, int[] indexShape, int[] rowIndex) implements Node {
        public List<Tensor> inputs() {
            return List.of(self, src);
        }
    }

    /** A copy to another device. */
    record ToDevice(Tensor a) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** {@code a.to(dtype)} between floating types; the gradient is cast back to {@code a}'s dtype. */
    record Cast(Tensor a) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /** {@code out[i] = a[i, index[i]]}. */
    record Gather(Tensor a, Tensor index) implements Node {
        public List<Tensor> inputs() {
            return List.of(a);
        }
    }

    /**
     * Fused softmax cross-entropy with mean reduction over rows; {@code rowStats} {@code [rows, 2]}
     * (max, log Σ exp(x − max)) saved from forward.
     */
    record CrossEntropy(Tensor logits, Tensor labels, Tensor rowStats) implements Node {
        public List<Tensor> inputs() {
            return List.of(logits);
        }
    }
}
