package dev.nabla.data;

import java.util.Arrays;

/**
 * A classification dataset split into training and test sets, as plain arrays ready to copy to a
 * device: features row-major {@code n × features}, labels {@code 0 .. classes-1}.
 *
 * <p>Arrays are shared, not copied. {@code source} says where the data came from, for logs and
 * for {@code metrics.json}.
 */
public record Split(String name, String source, int features, int classes, float[] trainFeatures, int[] trainLabels,
        float[] testFeatures, int[] testLabels) {

    public Split {
        if (features <= 0 || classes <= 0) {
            throw new IllegalArgumentException("features and classes must be positive: " + features + ", " + classes);
        }
        check("train", trainFeatures, trainLabels, features, classes);
        check("test", testFeatures, testLabels, features, classes);
    }

    private static void check(String which, float[] x, int[] y, int features, int classes) {
        if ((long) y.length * features != x.length) {
            throw new IllegalArgumentException(which + " features hold " + x.length + " values, expected " + y.length
                    + " samples × " + features);
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= classes) {
                throw new IllegalArgumentException(which + " label " + i + " is " + y[i] + ", outside 0.." + (classes - 1));
            }
        }
    }

    public int trainSize() {
        return trainLabels.length;
    }

    public int testSize() {
        return testLabels.length;
    }

    /**
     * The first {@code n} training samples (the CLI's {@code --limit}); the test set is unchanged so
     * accuracies stay comparable. Returns this split if it is already that small.
     */
    public Split limitTrain(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must be non-negative: " + n);
        }
        if (n >= trainSize()) {
            return this;
        }
        return new Split(name, source, features, classes, Arrays.copyOf(trainFeatures, n * features),
                Arrays.copyOf(trainLabels, n), testFeatures, testLabels);
    }

    /** Per-class sample counts of the training set, for a quick sanity print. */
    public int[] trainClassCounts() {
        int[] counts = new int[classes];
        for (int y : trainLabels) {
            counts[y]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return name + " from " + source + ": " + trainSize() + " train / " + testSize() + " test, " + features
                + " features, " + classes + " classes";
    }
}
