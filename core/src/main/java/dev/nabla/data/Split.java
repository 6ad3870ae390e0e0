package dev.nabla.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A classification dataset split into training and test sets, as plain arrays ready to copy to a
 * device: features row-major {@code n × features}, labels {@code 0 .. classes-1}.
 *
 * <p>{@code classNames} is the label → index mapping: entry {@code i} names class {@code i}, the
 * model's output {@code i} (Fashion-MNIST's {@code T-shirt/top}..., a CSV file's class names, or
 * {@code "0".."C-1"} when the labels were class indices already). A run saves it, so that a
 * resumed run and {@code nabla eval} read the outputs the way training meant them.
 *
 * <p>Arrays are shared, not copied. {@code source} says where the data came from, for logs and
 * for {@code metrics.json}.
 */
public record Split(String name, String source, int features, int classes, float[] trainFeatures, int[] trainLabels,
        float[] testFeatures, int[] testLabels, List<String> classNames) {

    public Split {
        if (features <= 0 || classes <= 0) {
            throw new IllegalArgumentException("features and classes must be positive: " + features + ", " + classes);
        }
        classNames = List.copyOf(classNames);
        if (classNames.size() != classes) {
            throw new IllegalArgumentException(classes + " classes but " + classNames.size() + " class names: "
                    + classNames);
        }
        if (new java.util.HashSet<>(classNames).size() != classes) {
            throw new IllegalArgumentException("class names must be distinct: " + classNames);
        }
        check("train", trainFeatures, trainLabels, features, classes);
        check("test", testFeatures, testLabels, features, classes);
    }

    /** A split whose labels are class indices already: class {@code i} is named {@code "i"}. */
    public Split(String name, String source, int features, int classes, float[] trainFeatures, int[] trainLabels,
            float[] testFeatures, int[] testLabels) {
        this(name, source, features, classes, trainFeatures, trainLabels, testFeatures, testLabels,
                indexNames(classes));
    }

    /** {@code "0", "1", ..., "classes-1"}: the mapping of labels that are class indices. */
    public static List<String> indexNames(int classes) {
        List<String> names = new ArrayList<>(Math.max(0, classes));
        for (int i = 0; i < classes; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /**
     * This split relabelled to a saved mapping ({@code savedNames}, index → name), so that class
     * {@code i} means what it meant when the mapping was saved even if the data now holds fewer
     * classes or names that sort differently. Returns this split if the mappings are equal.
     *
     * @throws IllegalArgumentException naming the classes of the data that the saved mapping lacks
     */
    public Split withClassNames(List<String> savedNames) {
        if (savedNames.equals(classNames)) {
            return this;
        }
        Map<String, Integer> savedIndex = new HashMap<>();
        for (int i = 0; i < savedNames.size(); i++) {
            savedIndex.put(savedNames.get(i), i);
        }
        int[] remap = new int[classes];
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            Integer to = savedIndex.get(classNames.get(i));
            remap[i] = to == null ? -1 : to;
            if (to == null) {
                unknown.add(classNames.get(i));
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(source + " has class" + (unknown.size() == 1 ? " " : "es ")
                    + unknown + " that the run was not trained on (its classes, by output index: " + savedNames
                    + ")");
        }
        return new Split(name, source, features, savedNames.size(), trainFeatures, relabel(trainLabels, remap),
                testFeatures, relabel(testLabels, remap), savedNames);
    }

    private static int[] relabel(int[] labels, int[] remap) {
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = remap[labels[i]];
        }
        return out;
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
                Arrays.copyOf(trainLabels, n), testFeatures, testLabels, classNames);
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
