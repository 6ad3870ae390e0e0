package dev.nabla;

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
     * {@code f32Op} applied to {@code operands} widened to F32, its result cast to {@code result}.
     * An operand already F32 is passed as it is.
     */
    static Tensor widened(DType result, Function<Tensor[], Tensor> f32Op, Tensor... operands) {
        Tensor[] wide = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            wide[i] = operands[i].to(DType.F32);
        }
        Tensor out32 = f32Op.apply(wide);
        Tensor out = out32.to(result);
        if (!out.isRequiresGrad()) {
            for (int i = 0; i < operands.length; i++) {
                freeTemporary(wide[i], operands[i], out);
            }
            freeTemporary(out32, null, out);
        }
        return out;
    }

    private static void freeTemporary(Tensor temporary, Tensor original, Tensor result) {
        // Storage is reference-counted: closing a tensor whose storage the result views is safe.
        if (temporary != original && temporary != result) {
            temporary.close();
        }
    }
}
