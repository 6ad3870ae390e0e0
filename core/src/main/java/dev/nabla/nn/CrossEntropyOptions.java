package dev.nabla.nn;

import java.util.Arrays;
import java.util.Optional;

/**
 * The options of {@link Losses#crossEntropy(dev.nabla.Tensor, dev.nabla.Tensor, CrossEntropyOptions)},
 * as {@code torch.nn.functional.cross_entropy}'s {@code label_smoothing} and {@code weight}.
 * Immutable; start from {@link #defaults()}:
 *
 * <pre>{@code
 * CrossEntropyOptions.defaults().withLabelSmoothing(0.1f).withClassWeights(new float[] {1f, 4f})
 * }</pre>
 *
 * @param labelSmoothing ε in {@code [0, 1]}: the target becomes {@code (1 − ε)·onehot + ε/C}
 * @param classWeights   one non-negative weight per class, or empty for equal weights
 */
public record CrossEntropyOptions(float labelSmoothing, Optional<float[]> classWeights) {

    public CrossEntropyOptions {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        classWeights = classWeights.map(float[]::clone);
        classWeights.ifPresent(CrossEntropyOptions::checkWeights);
    }

    /** No smoothing, equal class weights: plain cross-entropy. */
    public static CrossEntropyOptions defaults() {
        return new CrossEntropyOptions(0f, Optional.empty());
    }

    public CrossEntropyOptions withLabelSmoothing(float epsilon) {
        return new CrossEntropyOptions(epsilon, classWeights);
    }

    /** One weight per class (a copy is kept); PyTorch's {@code weight} argument. */
    public CrossEntropyOptions withClassWeights(float[] weights) {
        return new CrossEntropyOptions(labelSmoothing, Optional.of(weights));
    }

    /**
     * "Balanced" weights from the class counts of a training set, as scikit-learn's
     * {@code compute_class_weight("balanced")}: {@code n / (C · count[c])}, so every class
     * contributes the same total weight. A class without rows gets weight 0: it cannot occur as a
     * label, and an infinite weight would only turn its smoothing term into NaN.
     */
    public static float[] balancedWeights(long[] classCounts) {
        long total = 0;
        for (int c = 0; c < classCounts.length; c++) {
            if (classCounts[c] < 0) {
                throw new IllegalArgumentException("balancedWeights: class " + c + " has a negative count "
                        + classCounts[c]);
            }
            total += classCounts[c];
        }
        if (total == 0) {
            throw new IllegalArgumentException("balancedWeights: no rows to count (counts "
                    + Arrays.toString(classCounts) + ")");
        }
        float[] weights = new float[classCounts.length];
        for (int c = 0; c < weights.length; c++) {
            weights[c] = classCounts[c] == 0 ? 0f : (float) ((double) total / ((double) classCounts.length * classCounts[c]));
        }
        return weights;
    }

    /** The class weights, a copy (the record keeps its own). */
    @Override
    public Optional<float[]> classWeights() {
        return classWeights.map(float[]::clone);
    }

    /** Whether this is plain cross-entropy, which the fused kernel computes alone. */
    boolean isPlain() {
        return labelSmoothing == 0f && classWeights.isEmpty();
    }

    private static void checkWeights(float[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("crossEntropy: class weights are empty; give one per class");
        }
        boolean anyPositive = false;
        for (int c = 0; c < weights.length; c++) {
            if (!(weights[c] >= 0f) || !Float.isFinite(weights[c])) {
                throw new IllegalArgumentException("crossEntropy: class weight " + c + " is " + weights[c]
                        + "; weights must be finite and non-negative (" + Arrays.toString(weights) + ")");
            }
            anyPositive |= weights[c] > 0f;
        }
        if (!anyPositive) {
            throw new IllegalArgumentException("crossEntropy: every class weight is 0 " + Arrays.toString(weights)
                    + "; the weighted mean would divide by zero");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrossEntropyOptions other && labelSmoothing == other.labelSmoothing
                && classWeights.isPresent() == other.classWeights.isPresent()
                && (classWeights.isEmpty() || Arrays.equals(classWeights.get(), other.classWeights.get()));
    }

    @Override
    public int hashCode() {
        return 31 * Float.hashCode(labelSmoothing) + classWeights.map(Arrays::hashCode).orElse(0);
    }

    @Override
    public String toString() {
        return "CrossEntropyOptions[labelSmoothing=" + labelSmoothing + ", classWeights="
                + classWeights.map(Arrays::toString).orElse("none") + "]";
    }
}
