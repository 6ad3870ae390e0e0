package dev.nabla.data;

/**
 * A training or test set with random access to its rows, as {@code torch.utils.data.Dataset}: a
 * size, the features of row {@code i} as floats, and its target (a class index, or values for
 * regression). Implementations: {@link InMemoryDataset} (Java arrays), {@link IdxDataset}
 * (MNIST-format images kept as bytes), {@link CsvData} and {@link NpyDataset} (NumPy files mapped
 * into memory, so a file larger than the heap or than RAM works).
 *
 * <p>Rows are numbered {@code 0 .. size()-1} (at most 2³¹ − 1 of them; the elements of all rows
 * together may be many more). Reads must be safe from several threads at once: a
 * {@link DataLoader}'s workers fill different batches concurrently. A dataset that holds a native
 * resource (a mapped file) frees it in {@link #close()}; the others need no closing.
 */
public interface Dataset extends AutoCloseable {

    /** What a row's target is. */
    enum TargetKind {
        /** One class index {@code 0 .. classes()-1} per row (an I32 batch of labels). */
        CLASS_INDEX,
        /** {@link #targetWidth()} real values per row (an F32 batch), e.g. regression targets. */
        VALUES
    }

    /** Number of rows. */
    int size();

    /** Features per row (a row of a multi-dimensional array is flattened in C order). */
    int featureCount();

    TargetKind targetKind();

    /** Target values per row: 1 for a class index. */
    default int targetWidth() {
        return 1;
    }

    /** Number of classes of {@link TargetKind#CLASS_INDEX} targets; 0 for {@link TargetKind#VALUES}. */
    int classes();

    /** Where the rows come from, for messages and {@code metrics.json}: file names, or "memory". */
    String source();

    /** Copies the features of {@code row} into {@code dst[offset .. offset + featureCount())}. */
    void readFeatures(int row, float[] dst, int offset);

    /**
     * Copies the features of rows {@code first .. first + count - 1}, in order, into {@code dst}
     * from {@code offset}; what a streaming pass over the whole set uses (one bulk read where the
     * storage allows).
     */
    default void readRows(int first, int count, float[] dst, int offset) {
        int features = featureCount();
        for (int i = 0; i < count; i++) {
            readFeatures(first + i, dst, offset + i * features);
        }
    }

    /** The class index of {@code row}; only for {@link TargetKind#CLASS_INDEX} targets. */
    int label(int row);

    /**
     * Rows per class, {@code classes()} counts (for "balanced" class weights and for reports); one
     * pass over the labels, which every data set holds in the heap.
     *
     * @throws IllegalStateException for real-valued targets
     */
    default long[] classCounts() {
        if (targetKind() != TargetKind.CLASS_INDEX) {
            throw new IllegalStateException("classCounts: " + source() + " has real-valued targets, not classes");
        }
        long[] counts = new long[classes()];
        for (int row = 0; row < size(); row++) {
            counts[label(row)]++;
        }
        return counts;
    }

    /**
     * Copies the target of {@code row} into {@code dst[offset .. offset + targetWidth())}: the
     * values, or the class index as a float.
     */
    default void readTargets(int row, float[] dst, int offset) {
        dst[offset] = label(row);
    }

    /**
     * Fills one batch: the features of rows {@code rows[from .. from + count)} into
     * {@code features} (row-major, {@code count × featureCount()}), and their targets into
     * {@code labels} (class indices) or {@code values} ({@code count × targetWidth()}), whichever
     * this dataset's {@link #targetKind()} uses; the other may be null.
     */
    default void fill(int[] rows, int from, int count, float[] features, int[] labels, float[] values) {
        int width = featureCount();
        boolean classes = targetKind() == TargetKind.CLASS_INDEX;
        for (int i = 0; i < count; i++) {
            int row = rows[from + i];
            readFeatures(row, features, i * width);
            if (classes) {
                labels[i] = label(row);
            } else {
                readTargets(row, values, i * targetWidth());
            }
        }
    }

    /**
     * The label → index mapping of a classification set: entry {@code i} names class {@code i}
     * (Fashion-MNIST's {@code T-shirt/top}, a CSV file's class names); {@code "0".."C-1"} when the
     * labels are class indices already, empty for real-valued targets. A run saves it, so that a
     * resumed run and {@code nabla eval} read the outputs as training meant them.
     */
    default java.util.List<String> labelNames() {
        return targetKind() == TargetKind.CLASS_INDEX ? Split.indexNames(classes()) : java.util.List.of();
    }

    /** This set with its classes named {@code names} (one per class), as a view. */
    default Dataset withLabelNames(java.util.List<String> names) {
        return LabelView.named(this, names);
    }

    /**
     * This set relabelled to a saved mapping ({@code savedNames}, index → name): class {@code i}
     * means what it meant when the mapping was saved, even if the data now holds fewer classes or
     * names that sort differently. This set itself if the mappings are equal.
     *
     * @throws IllegalArgumentException naming the classes of this set that the saved mapping lacks
     */
    default Dataset relabelledTo(java.util.List<String> savedNames) {
        return LabelView.relabelled(this, savedNames);
    }

    /** The first {@code n} rows (all of them if there are fewer), as a view: nothing is copied. */
    default Dataset head(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("head: n must be non-negative, got " + n);
        }
        return n >= size() ? this : new RowRange(this, 0, n);
    }

    /**
     * Rows {@code first .. first + count - 1}, as a view: nothing is copied (a data-parallel rank's
     * share of a test set).
     */
    default Dataset rows(int first, int count) {
        return first == 0 && count == size() ? this : new RowRange(this, first, count);
    }

    /** Frees what the dataset holds outside the heap (a mapped file); reads fail afterwards. */
    @Override
    default void close() {
    }
}
