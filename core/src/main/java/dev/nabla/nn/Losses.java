package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Loss functions with mean reduction, as {@code torch.nn.functional}'s defaults.
 */
public final class Losses {

    private Losses() {
    }

    /**
     * Softmax cross-entropy of logits {@code [batch, classes]} against I32 labels {@code [batch]}:
     * one fused, numerically stable primitive forward and backward on every backend.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return logits.crossEntropy(labels);
    }

    /** Mean squared error {@code mean((prediction − target)²)}; shapes must match. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        requireSameShape("mse", prediction, target);
        return prediction.sub(target).square().mean();
    }

    /**
     * Binary cross-entropy on logits, {@code mean(max(x, 0) − x·t + log1p(exp(−|x|)))}: the stable
     * form of {@code −t·log σ(x) − (1−t)·log(1−σ(x))}, finite for logits of any size.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets) {
        requireSameShape("bceWithLogits", logits, targets);
        // NOTE: maximum(x, 0), not relu(x): at x = 0 its gradient splits ½/½ like a tie, so the
        // total gradient there is σ(0) − t = ½ − t, as PyTorch's; relu would give 0 − t.
        Tensor positivePart = logits.maximum(logits.zerosLike());
        Tensor softplusOfNegAbs = logits.abs().neg().exp().log1p();
        return positivePart.sub(logits.mul(targets)).add(softplusOfNegAbs).mean();
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": prediction shape " + Arrays.toString(a.shape())
                    + " and target shape " + Arrays.toString(b.shape()) + " differ");
        }
    }
}
