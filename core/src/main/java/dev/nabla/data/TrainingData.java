package dev.nabla.data;

import java.util.Optional;

/**
 * What a training run reads: a training set and, optionally, a test set with the same features
 * and targets. Checked when built, before any training: the two sets must agree on feature
 * count and target kind, and every test label must be one of the training set's classes (a model
 * has no output for a class it never saw).
 *
 * <p>Closing it closes both sets (unmapping {@code .npy} files).
 */
public final class TrainingData implements AutoCloseable {

    private final String name;
    private final String source;
    private final Dataset train;
    private final Optional<Dataset> test;

    private TrainingData(String name, String source, Dataset train, Optional<Dataset> test) {
        this.name = name;
        this.source = source;
        this.train = train;
        this.test = test;
    }

    /**
     * @param name   short name for logs ({@code Fashion-MNIST}, {@code npy})
     * @param source where the data came from (a folder, files)
     * @throws IllegalArgumentException if the sets disagree, naming both
     */
    public static TrainingData of(String name, String source, Dataset train, Optional<Dataset> test) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("the training set (" + train.source() + ") has no rows");
        }
        test.ifPresent(t -> check(train, t));
        return new TrainingData(name, source, train, test);
    }

    /** A {@link Split}'s arrays as two in-memory sets (shared, not copied). */
    public static TrainingData of(Split split) {
        String where = split.source();
        return of(split.name(), where, InMemoryDataset.ofClasses(where + " (train)", split.trainFeatures(),
                split.features(), split.trainLabels(), split.classes()), Optional.of(InMemoryDataset.ofClasses(
                where + " (test)", split.testFeatures(), split.features(), split.testLabels(), split.classes())));
    }

    private static void check(Dataset train, Dataset test) {
        if (test.featureCount() != train.featureCount()) {
            throw new IllegalArgumentException("the test set (" + test.source() + ") has " + test.featureCount()
                    + " features per row, the training set (" + train.source() + ") " + train.featureCount());
        }
        if (test.targetKind() != train.targetKind() || test.targetWidth() != train.targetWidth()) {
            throw new IllegalArgumentException("the test set (" + test.source() + ") has " + describeTargets(test)
                    + ", the training set (" + train.source() + ") " + describeTargets(train));
        }
        if (train.targetKind() == Dataset.TargetKind.CLASS_INDEX) {
            int classes = train.classes();
            for (int i = 0; i < test.size(); i++) {
                int label = test.label(i);
                if (label >= classes) {
                    throw new IllegalArgumentException("the test set (" + test.source() + "): row " + i
                            + " has the class index " + label + ", outside the training set's " + train.classes()
                            + " classes 0.." + (train.classes() - 1) + " (" + train.source() + ")");
                }
            }
        }
    }

    private static String describeTargets(Dataset d) {
        return d.targetKind() == Dataset.TargetKind.CLASS_INDEX ? "class-index targets"
                : d.targetWidth() + " real-valued target" + (d.targetWidth() == 1 ? "" : "s") + " per row";
    }

    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    public Dataset train() {
        return train;
    }

    /** The test set; empty when none was given (training then reports no test metrics). */
    public Optional<Dataset> test() {
        return test;
    }

    public int features() {
        return train.featureCount();
    }

    /** The training set's classes (0 for real-valued targets). */
    public int classes() {
        return train.classes();
    }

    /** The same data with only the first {@code n} training rows (the CLI's {@code --limit}); 0 keeps all. */
    public TrainingData limitTrain(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must be non-negative: " + n);
        }
        return n == 0 || n >= train.size() ? this : new TrainingData(name, source, train.head(n), test);
    }

    /** Closes both sets. */
    @Override
    public void close() {
        try {
            train.close();
        } finally {
            test.ifPresent(Dataset::close);
        }
    }

    @Override
    public String toString() {
        return name + " from " + source + ": " + train.size() + " train / " + test.map(t -> t.size() + " test")
                .orElse("no test set") + ", " + features() + " features, " + (classes() > 0 ? classes() + " classes"
                : describeTargets(train));
    }
}
