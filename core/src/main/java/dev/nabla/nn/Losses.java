package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Loss functions with mean reduction, as {@code torch.nn.functional}'s defaults. Each is written
 * from {@link Tensor} ops, so every backend runs it and autograd differentiates it; plain
 * cross-entropy is one fused kernel.
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

    /**
     * Cross-entropy with label smoothing ε and class weights w, exactly as
     * {@code torch.nn.functional.cross_entropy(logits, labels, weight=w, label_smoothing=ε)}:
     *
     * <pre>
     *   loss = [ (1 − ε) · Σᵢ w[yᵢ]·(−log p[i, yᵢ])  +  (ε / C) · Σᵢ Σ_c w[c]·(−log p[i, c]) ] / Σᵢ w[yᵢ]
     * </pre>
     *
     * With equal weights the denominator is the batch size, and the smoothing term is ε times the
     * mean over rows of the mean over classes of {@code −log p}. NOTE: PyTorch divides the
     * smoothing term by {@code Σᵢ w[yᵢ]} too (not by a sum of every class weight), so a batch whose
     * labels all have small weights weighs its smoothing term up; matched here on purpose.
     * {@code log p} comes from a max-shifted log-softmax, finite for logits of any size.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, CrossEntropyOptions options) {
        String op = "crossEntropy";
        if (options.isPlain()) {
            return logits.crossEntropy(labels);
        }
        int classes = checkClassification(op, logits, labels);
        float epsilon = options.labelSmoothing();
        if (options.classWeights().isEmpty()) {
            Tensor nll = logits.crossEntropy(labels);
            // mean over rows of −mean over classes of log p = −mean of every log p
            Tensor smooth = logits.logSoftmax(1).mean().neg();
            return nll.mul(1f - epsilon).add(smooth.mul(epsilon));
        }
        float[] weights = options.classWeights().get();
        if (weights.length != classes) {
            throw new IllegalArgumentException(op + ": " + weights.length + " class weights for logits "
                    + Arrays.toString(logits.shape()) + " with " + classes + " classes; give one weight per class");
        }
        Tensor w = Tensor.of(logits.device(), weights, classes);
        Tensor logP = logits.logSoftmax(1);
        // row i's label weight at column yᵢ, zeros elsewhere: Σ of it is Σᵢ w[yᵢ]
        Tensor labelWeights = Tensor.oneHot(labels, classes).mul(w);
        Tensor total = labelWeights.sum();
        if (total.item() == 0f) {
            throw new IllegalArgumentException(op + ": every label of this batch has class weight 0 (weights "
                    + Arrays.toString(weights) + "); the weighted mean would divide by zero");
        }
        Tensor weighted = logP.mul(labelWeights).sum().mul(1f - epsilon);
        if (epsilon > 0f) {
            weighted = weighted.add(logP.mul(w).sum().mul(epsilon / classes));
        }
        return weighted.neg().div(total);
    }

    /** Mean squared error {@code mean((prediction − target)²)}, as {@code F.mse_loss}; shapes must match. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        requireSameShape("mse", prediction, target);
        return prediction.sub(target).square().mean();
    }

    /** {@link #huber(Tensor, Tensor, float)} with δ = 1, {@code torch.nn.HuberLoss()}'s default. */
    public static Tensor huber(Tensor prediction, Tensor target) {
        return huber(prediction, target, 1f);
    }

    /**
     * Huber loss, as {@code torch.nn.functional.huber_loss(prediction, target, delta=δ)}: the mean
     * of {@code ½·d²} where {@code |d| < δ} and {@code δ·(|d| − ½δ)} elsewhere, {@code d = prediction
     * − target}. Quadratic near zero, linear (so robust to outliers) beyond δ.
     */
    public static Tensor huber(Tensor prediction, Tensor target, float delta) {
        requireSameShape("huber", prediction, target);
        if (!(delta > 0f) || !Float.isFinite(delta)) {
            throw new IllegalArgumentException("huber: delta must be positive and finite, got " + delta);
        }
        Tensor distance = prediction.sub(target).abs();
        // q = min(|d|, δ): ½q² + δ(|d| − q) is ½d² inside and δ(|d| − ½δ) outside. At |d| = δ the
        // tie splits min's gradient ½/½, which still sums to δ·sign(d), PyTorch's value there.
        Tensor inside = distance.minimum(Tensor.full(prediction.device(), delta, 1));
        return inside.square().mul(0.5f).add(distance.sub(inside).mul(delta)).mean();
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

    /**
     * Binary cross-entropy on logits with a weight on the positive term of each label, as
     * {@code F.binary_cross_entropy_with_logits(x, t, pos_weight=p)}: the mean of
     * {@code −p·t·log σ(x) − (1−t)·log(1−σ(x)) = (1−t)·x + (1 + (p−1)·t)·softplus(−x)}, with
     * {@code p} broadcast along the last axis (one weight per label; p > 1 favours recall).
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets, float[] posWeight) {
        String op = "bceWithLogits";
        requireSameShape(op, logits, targets);
        int labels = logits.rank() == 0 ? 1 : logits.size(-1);
        if (posWeight.length != labels) {
            throw new IllegalArgumentException(op + ": " + posWeight.length + " positive weights for logits "
                    + Arrays.toString(logits.shape()) + " with " + labels + " labels in the last axis");
        }
        for (int i = 0; i < posWeight.length; i++) {
            if (!(posWeight[i] >= 0f) || !Float.isFinite(posWeight[i])) {
                throw new IllegalArgumentException(op + ": positive weight " + i + " is " + posWeight[i]
                        + "; weights must be finite and non-negative");
            }
        }
        Tensor p = Tensor.of(logits.device(), posWeight, posWeight.length);
        // softplus(−x) = max(−x, 0) + log1p(exp(−|x|)); maximum's tie at 0 gives −½ = −σ(0), as above
        Tensor negative = logits.neg();
        Tensor softplusOfNeg = negative.maximum(logits.zerosLike()).add(logits.abs().neg().exp().log1p());
        Tensor positiveWeight = p.sub(1f).mul(targets).add(1f);
        return targets.neg().add(1f).mul(logits).add(positiveWeight.mul(softplusOfNeg)).mean();
    }

    /** F32 logits {@code [rows ≥ 1, classes]} and I32 labels {@code [rows]} in {@code 0..classes−1}; the classes. */
    private static int checkClassification(String op, Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || logits.dtype() != DType.F32 || logits.size(0) == 0) {
            throw new IllegalArgumentException(op + ": logits must be F32 [batch ≥ 1, classes], got " + logits.dtype()
                    + " " + Arrays.toString(logits.shape()) + " on " + logits.device());
        }
        int rows = logits.size(0);
        int classes = logits.size(1);
        if (labels.dtype() != DType.I32 || labels.rank() != 1 || labels.size(0) != rows
                || labels.device() != logits.device()) {
            throw new IllegalArgumentException(op + ": labels must be I32 [" + rows + "] on " + logits.device()
                    + " for logits " + Arrays.toString(logits.shape()) + ", got " + labels.dtype() + " "
                    + Arrays.toString(labels.shape()) + " on " + labels.device());
        }
        int[] values = labels.toIntArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= classes) {
                throw new IndexOutOfBoundsException(op + ": label " + values[i] + " at row " + i + " is out of range"
                        + " for " + classes + " classes (valid: 0.." + (classes - 1) + ")");
            }
        }
        return classes;
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": prediction shape " + Arrays.toString(a.shape())
                    + " and target shape " + Arrays.toString(b.shape()) + " differ");
        }
    }
}
