package dev.nabla;

import dev.nabla.amp.Autocast;
import dev.nabla.backend.UnaryOp;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * How {@link Tensor}'s arithmetic reaches 16-bit tensors: the inputs are widened to F32 with
 * {@link Tensor#to(DType)}, the F32 op runs (the backends' kernels are F32), and the result is
 * narrowed to the promoted dtype. The casts are differentiable, so autograd sees a cast, the F32 op
 * and a cast, and the gradient of a 16-bit input is computed in F32 and rounded once, on the way
 * back through the cast. Reductions accumulate in F32 this way too, as PyTorch's do.
 *
 * <p>When nothing recorded the temporaries (no input requires grad, or grad mode is off) they are
 * freed at once rather than left to their scope or the cleaner.
 */
final class Precision {

    private Precision() {
    }

    /** True when any operand is BF16 or F16. */
    static boolean anyHalf(Tensor... operands) {
        for (Tensor t : operands) {
            if (t != null && t.dtype().isHalf()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The result dtype of an op on autocast's F32 list (reductions, softmax, cross-entropy, exp/log)
     * for an input of {@code dtype}: F32 inside an enabled {@link Autocast} region, else the input's.
     */
    static DType fullPrecisionList(DType dtype) {
        return Autocast.fullPrecisionResult(dtype);
    }

    /** Element-wise ops on autocast's F32 list, as torch's: exponentials, logarithms, reciprocal, pow. */
    private static final Set<UnaryOp> FULL_PRECISION_UNARY =
            EnumSet.of(UnaryOp.EXP, UnaryOp.LOG, UnaryOp.LOG1P, UnaryOp.EXPM1, UnaryOp.RECIPROCAL, UnaryOp.POW);

    /** The result dtype of unary {@code op} on a 16-bit input of {@code dtype}, autocast's F32 list included. */
    static DType unaryResult(UnaryOp op, DType dtype) {
        return FULL_PRECISION_UNARY.contains(op) ? fullPrecisionList(dtype) : dtype;
    }

    /**
     * {@code f32Op} applied to {@code operands} widened to F32, its result cast to {@code result}.
     * An operand already F32 is passed as it is.
     */
    static Tensor widened(DType result, Function<Tensor[], Tensor> f32Op, Tensor... operands) {
        Tensor[] wide = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            wide[i] = operands[i].to(DType.F32);
        }
        Tensor out32;
        // The F32 op inside is not autocast again: its operands were chosen here.
        try (var noAutocast = Autocast.disabled()) {
            out32 = f32Op.apply(wide);
        }
        Tensor out = out32.to(result);
        if (!out.isRequiresGrad()) {
            for (int i = 0; i < operands.length; i++) {
                freeTemporary(wide[i], operands[i], out);
            }
            freeTemporary(out32, null, out);
        }
        return out;
    }

    /** Elements per row block of a large element-wise op on 16-bit tensors outside the graph (1 Mi). */
    static final int ELEMENTWISE_BLOCK = 1 << 20;

    /**
     * {@link #widened} for an element-wise {@code f32Op} (unary, binary, where: element i of the
     * result depends on element i of each operand only). Outside the graph, with operands of one
     * shape larger than {@link #ELEMENTWISE_BLOCK} elements, it runs on blocks of rows, each widened,
     * computed and rounded into its rows of the result: a backward pass's ReLU gradient of a
     * 512×4096 BF16 activation held three F32 copies (25 MB) beside the result before
     * (docs/benchmarks.md, "Mixed precision" (c)). Same values: each element meets the same F32
     * op and the same rounding.
     */
    static Tensor widenedElementwise(DType result, Function<Tensor[], Tensor> f32Op, Tensor... operands) {
        if (!blockable(operands)) {
            return widened(result, f32Op, operands);
        }
        Tensor first = operands[0];
        int rows = first.size(0);
        long rowElements = first.numel() / rows;
        int blockRows = (int) Math.max(1, ELEMENTWISE_BLOCK / Math.max(1, rowElements));
        Tensor out = Tensor.empty(first.device(), result, first.shape());
        for (int r0 = 0; r0 < rows; r0 += blockRows) {
            int r1 = Math.min(rows, r0 + blockRows);
            Tensor[] parts = new Tensor[operands.length];
            for (int i = 0; i < operands.length; i++) {
                parts[i] = operands[i].slice(0, r0, r1);
            }
            try (Tensor piece = widened(result, f32Op, parts); Tensor target = out.slice(0, r0, r1)) {
                target.copyFrom(piece);
            }
            for (Tensor part : parts) {
                part.close();
            }
        }
        return out;
    }

    /** Whether no graph is recorded and the operands are large tensors of one shape, split along axis 0. */
    private static boolean blockable(Tensor... operands) {
        boolean recording = false;
        for (Tensor t : operands) {
            recording |= t.isRequiresGrad();
        }
        if (recording && dev.nabla.autograd.GradMode.isEnabled()) {
            return false;
        }
        Tensor first = operands[0];
        if (first.rank() == 0 || first.size(0) < 2 || first.numel() <= ELEMENTWISE_BLOCK) {
            return false;
        }
        for (Tensor t : operands) {
            if (!java.util.Arrays.equals(t.shape(), first.shape())) {
                return false;
            }
        }
        return true;
    }

    private static void freeTemporary(Tensor temporary, Tensor original, Tensor result) {
        // Storage is reference-counted: closing a tensor whose storage the result views is safe.
        if (temporary != original && temporary != result) {
            temporary.close();
        }
    }
}
