package dev.nabla.data;

/**
 * Rows held in Java arrays: features row-major {@code size × featureCount}, and either one class
 * index per row or {@code targetWidth} values per row. The arrays are shared, not copied, and
 * must not change while a loader reads them.
 *
 * <p>A Java array holds at most 2³¹ − 1 elements, so a set this large must stay in its file
 * ({@link NpyDataset}).
 */
public final class InMemoryDataset implements Dataset {

    private final String source;
    private final float[] features;
    private final int featureCount;
    private final int[] labels;
    private final float[] values;
    private final int targetWidth;
    private final int classes;
    private final int size;

    private InMemoryDataset(String source, float[] features, int featureCount, int[] labels, float[] values,
                            int targetWidth, int classes) {
        if (featureCount <= 0) {
            throw new IllegalArgumentException("InMemoryDataset: feature count must be positive, got " + featureCount);
        }
        if (features.length % featureCount != 0) {
            throw new IllegalArgumentException("InMemoryDataset: " + features.length + " feature values are not rows of "
                    + featureCount);
        }
        this.size = features.length / featureCount;
        int targets = labels != null ? labels.length : values.length / targetWidth;
        if (targets != size || (values != null && values.length % targetWidth != 0)) {
            throw new IllegalArgumentException("InMemoryDataset: " + size + " rows of " + featureCount
                    + " features but " + (labels != null ? labels.length + " labels"
                    : values.length + " target values (width " + targetWidth + ")"));
        }
        this.source = source;
        this.features = features;
        this.featureCount = featureCount;
        this.labels = labels;
        this.values = values;
        this.targetWidth = targetWidth;
        this.classes = classes;
    }

    /**
     * A classification set; {@code classes} must exceed every label.
     *
     * @throws IllegalArgumentException naming the first label outside {@code 0 .. classes-1}
     */
    public static InMemoryDataset ofClasses(String source, float[] features, int featureCount, int[] labels,
                                            int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("InMemoryDataset: classes must be positive, got " + classes);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("InMemoryDataset (" + source + "): label " + i + " is " + labels[i]
                        + ", outside the classes 0.." + (classes - 1));
            }
        }
        return new InMemoryDataset(source, features, featureCount, labels, null, 1, classes);
    }

    /**
     * A set with {@code targetWidth} real targets per row (regression).
     *
     * @throws IllegalArgumentException naming the first target that is NaN or infinite
     */
    public static InMemoryDataset ofValues(String source, float[] features, int featureCount, float[] values,
                                           int targetWidth) {
        if (targetWidth <= 0) {
            throw new IllegalArgumentException("InMemoryDataset: target width must be positive, got " + targetWidth);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("InMemoryDataset (" + source + "): the target of row "
                        + i / targetWidth + " is " + values[i] + "; regression targets must be finite");
            }
        }
        return new InMemoryDataset(source, features, featureCount, null, values, targetWidth, 0);
    }

    /**
     * Every row of {@code data} read into the heap (what {@code np.load} without {@code mmap_mode}
     * does): for comparisons with a mapped file, and for sets read many times from slow storage.
     */
    public static InMemoryDataset copyOf(Dataset data) {
        long elements = (long) data.size() * data.featureCount();
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("InMemoryDataset.copyOf: " + data.source() + " has " + elements
                    + " feature values, more than a Java array holds (2^31 - 1); keep it in its file");
        }
        float[] features = new float[(int) elements];
        data.readRows(0, data.size(), features, 0);
        String source = data.source() + " (in memory)";
        if (data.targetKind() == TargetKind.CLASS_INDEX) {
            int[] labels = new int[data.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = data.label(i);
            }
            return new InMemoryDataset(source, features, data.featureCount(), labels, null, 1, data.classes());
        }
        float[] values = new float[data.size() * data.targetWidth()];
        for (int i = 0; i < data.size(); i++) {
            data.readTargets(i, values, i * data.targetWidth());
        }
        return new InMemoryDataset(source, features, data.featureCount(), null, values, data.targetWidth(), 0);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int featureCount() {
        return featureCount;
    }

    @Override
    public TargetKind targetKind() {
        return labels != null ? TargetKind.CLASS_INDEX : TargetKind.VALUES;
    }

    @Override
    public int targetWidth() {
        return targetWidth;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        System.arraycopy(features, Math.multiplyExact(row, featureCount), dst, offset, featureCount);
    }

    @Override
    public void readRows(int first, int count, float[] dst, int offset) {
        System.arraycopy(features, Math.multiplyExact(first, featureCount), dst, offset,
                Math.multiplyExact(count, featureCount));
    }

    @Override
    public int label(int row) {
        if (labels == null) {
            throw new IllegalStateException(source + " holds real-valued targets, not class indices");
        }
        return labels[row];
    }

    @Override
    public void readTargets(int row, float[] dst, int offset) {
        if (labels != null) {
            dst[offset] = labels[row];
        } else {
            System.arraycopy(values, row * targetWidth, dst, offset, targetWidth);
        }
    }

    @Override
    public String toString() {
        return "InMemoryDataset(" + source + ", " + size + " rows × " + featureCount + ", " + (labels != null
                ? classes + " classes" : targetWidth + " target values") + ")";
    }
}
