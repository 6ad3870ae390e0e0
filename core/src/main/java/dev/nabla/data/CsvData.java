package dev.nabla.data;

import java.util.List;

/**
 * A CSV file read by {@link CsvReader}: features row-major {@code rows × featureCount}, one label per
 * row. {@code classNames} is empty when the labels were integers, otherwise it maps class index to
 * the name found in the file.
 */
public record CsvData(String source, List<String> featureNames, String labelName, float[] features, int[] labels,
        int featureCount, List<String> classNames) implements Dataset {

    public CsvData {
        featureNames = List.copyOf(featureNames);
        classNames = List.copyOf(classNames);
        if ((long) labels.length * featureCount != features.length) {
            throw new IllegalArgumentException("features hold " + features.length + " values, expected " + labels.length
                    + " × " + featureCount);
        }
    }

    public int rows() {
        return labels.length;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public TargetKind targetKind() {
        return TargetKind.CLASS_INDEX;
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        System.arraycopy(features, row * featureCount, dst, offset, featureCount);
    }

    @Override
    public java.util.List<String> labelNames() {
        return classNames.isEmpty() ? Split.indexNames(classes()) : classNames;
    }

    @Override
    public int label(int row) {
        return labels[row];
    }

    /** Number of classes: the class names, or the largest label plus one. */
    @Override
    public int classes() {
        if (!classNames.isEmpty()) {
            return classNames.size();
        }
        int max = -1;
        for (int y : labels) {
            max = Math.max(max, y);
        }
        return max + 1;
    }

    /**
     * Holds out {@code testFraction} of the rows as a test set, chosen by a shuffle seeded with
     * {@code seed}: the same seed gives the same split on every run and every JVM (the shuffle uses
     * SplitMix64, whose output is fixed by its definition, not by a JDK version).
     */
    public Split split(double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1): " + testFraction);
        }
        int n = rows();
        int test = (int) Math.round(n * testFraction);
        if (test == 0 || test == n) {
            throw new IllegalArgumentException(source + ": " + n + " rows are too few to hold out " + testFraction
                    + " as a test set");
        }
        int[] order = shuffledOrder(n, seed);
        int train = n - test;
        int f = featureCount;
        float[] trainX = new float[train * f];
        int[] trainY = new int[train];
        float[] testX = new float[test * f];
        int[] testY = new int[test];
        for (int k = 0; k < n; k++) {
            int src = order[k];
            if (k < train) {
                System.arraycopy(features, src * f, trainX, k * f, f);
                trainY[k] = labels[src];
            } else {
                System.arraycopy(features, src * f, testX, (k - train) * f, f);
                testY[k - train] = labels[src];
            }
        }
        return new Split("csv", source, f, classes(), trainX, trainY, testX, testY,
                classNames.isEmpty() ? Split.indexNames(classes()) : classNames);
    }

    /**
     * {@code 0 .. n-1} shuffled by Fisher–Yates driven by SplitMix64 from {@code seed}: the same
     * order on every run and JVM. Shared by every hold-out split, so a regression CSV splits its
     * rows as a classification one of the same length would.
     */
    static int[] shuffledOrder(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long state = seed;
        for (int i = n - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            int j = (int) Math.floorMod(z, (long) (i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
