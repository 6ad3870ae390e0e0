package dev.nabla.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Features and targets from two NumPy {@code .npy} files, as {@code np.save} writes them: the
 * features mapped into memory, not read (so a file larger than the heap, or than RAM, trains),
 * the targets read into the heap (one per row: small beside the features) and checked.
 *
 * <ul>
 *   <li><b>Features</b>: shape {@code (rows, ...)}, each row flattened in C order (so
 *       {@code (60000, 28, 28)} has 784 features and {@code (n,)} one); dtype float32, float16,
 *       float64, (u)int8/16/32/64 or bool, converted to float as {@code astype(np.float32)} would
 *       (uint8 pixels stay 0..255: standardisation takes care of the scale).
 *   <li><b>Targets</b>: an integer or bool array of shape {@code (rows,)} or {@code (rows, 1)}
 *       holds class indices (NumPy's default int64 as well as int32 or uint8), and the classes
 *       are {@code 0 .. max}; a float array of shape {@code (rows,)} or {@code (rows, k)} holds
 *       real values (regression), which must be finite.
 *   <li>Only C order: a Fortran-order array (a transposed array saved as is) is refused with the
 *       line that fixes it, as are unsupported dtypes, truncated files and row counts that differ.
 * </ul>
 */
public final class NpyDataset implements Dataset {

    private final NpyArray features;
    private final Path targetsFile;
    private final int size;
    private final int featureCount;
    private final int[] labels;
    private final float[] values;
    private final int targetWidth;
    private final int classes;

    private NpyDataset(NpyArray features, Path targetsFile, int size, int featureCount, int[] labels, float[] values,
                       int targetWidth, int classes) {
        this.features = features;
        this.targetsFile = targetsFile;
        this.size = size;
        this.featureCount = featureCount;
        this.labels = labels;
        this.values = values;
        this.targetWidth = targetWidth;
        this.classes = classes;
    }

    /**
     * Maps {@code featuresFile} and reads {@code targetsFile}; every problem is a
     * {@link DataFormatException} naming the file.
     */
    public static NpyDataset open(Path featuresFile, Path targetsFile) throws IOException {
        return open(featuresFile, targetsFile, null);
    }

    /**
     * As {@link #open(Path, Path)}, with the targets read as the task needs them rather than as
     * their dtype suggests: {@link TargetKind#VALUES} takes integer and bool targets as real values
     * too (a multi-label 0/1 matrix, which NumPy saves as int64, or integer counts for regression);
     * {@link TargetKind#CLASS_INDEX} refuses float targets, naming the file and the fix.
     *
     * @param targets the kind the task trains on, or null to go by the targets' dtype
     */
    public static NpyDataset open(Path featuresFile, Path targetsFile, TargetKind targets) throws IOException {
        NpyArray x = NpyArray.open(featuresFile);
        try (NpyArray y = NpyArray.open(targetsFile)) {
            return open(x, y, targets);
        } catch (IOException | RuntimeException e) {
            x.close();
            throw e;
        }
    }

    private static NpyDataset open(NpyArray x, NpyArray y, TargetKind wanted) throws DataFormatException {
        NpyHeader xh = x.header();
        NpyHeader yh = y.header();
        long[] shape = xh.shape();
        requireCOrder(x.file(), xh);
        requireCOrder(y.file(), yh);
        if (shape.length == 0) {
            throw new DataFormatException(x.file(), "holds a single value (shape ()); features need one row per"
                    + " sample: shape (rows, features)");
        }
        long rows = shape[0];
        if (rows > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(x.file(), String.format(Locale.ROOT, "has %,d rows; Nabla indexes at most"
                    + " %,d rows per data set", rows, Integer.MAX_VALUE - 8));
        }
        long perRow = 1;
        for (int i = 1; i < shape.length; i++) {
            perRow *= shape[i]; // cannot overflow: the header checked the product of all dimensions
        }
        if (perRow == 0 && rows > 0) {
            throw new DataFormatException(x.file(), "shape " + xh.shapeText() + ": the rows have no features");
        }
        if (perRow > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(x.file(), String.format(Locale.ROOT, "shape %s: %,d features per row are"
                    + " more than one batch row can hold", xh.shapeText(), perRow));
        }
        long[] targetShape = yh.shape();
        if (targetShape.length == 0 || targetShape.length > 2) {
            throw new DataFormatException(y.file(), "targets need shape (rows,) or (rows, k), not " + yh.shapeText());
        }
        if (targetShape[0] != rows) {
            throw new DataFormatException(y.file(), String.format(Locale.ROOT, "has %,d rows (shape %s) but the"
                    + " features %s have %,d (shape %s); each feature row needs one target row", targetShape[0],
                    yh.shapeText(), x.file(), rows, xh.shapeText()));
        }
        int n = (int) rows;
        long width = targetShape.length == 2 ? targetShape[1] : 1;
        boolean floatTargets = yh.dtype().type().isFloat();
        if (floatTargets && wanted == TargetKind.CLASS_INDEX) {
            throw new DataFormatException(y.file(), "holds " + yh.dtype() + " targets of shape " + yh.shapeText()
                    + ", but classification needs integer class indices, one per row: save them with"
                    + " np.save(path, y.astype(np.int64)), or train a regression or multi-label task");
        }
        if (floatTargets || wanted == TargetKind.VALUES) {
            if (width == 0 || width * n > Integer.MAX_VALUE - 8) {
                throw new DataFormatException(y.file(), "real-valued targets of shape " + yh.shapeText()
                        + " are not one to " + (Integer.MAX_VALUE - 8) / Math.max(1, n) + " values per row");
            }
            float[] values = new float[(int) (width * n)];
            // integer and bool targets convert exactly as astype(np.float32) would
            y.readFloats(0, values.length, values, 0);
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new DataFormatException(y.file(), String.format(Locale.ROOT, "row %d%s is %s; regression"
                            + " targets must be finite (drop or fill the row)", i / width,
                            width > 1 ? " column " + i % width : "", values[i]));
                }
            }
            return new NpyDataset(x, y.file(), n, (int) perRow, null, values, (int) width, 0);
        }
        if (width != 1) {
            throw new DataFormatException(y.file(), "integer targets are class indices, one per row: shape (rows,)"
                    + " or (rows, 1), not " + yh.shapeText() + " (for several values per row save them as float)");
        }
        int[] labels = new int[n];
        long max = -1;
        for (int i = 0; i < n; i++) {
            long label = y.readInteger(i);
            if (label < 0 || label >= CsvReader.MAX_CLASSES) {
                throw new DataFormatException(y.file(), String.format(Locale.ROOT, "row %d holds the class index %s;"
                        + " class indices must be 0..%d", i, yh.dtype().type() == NpyHeader.Type.UINT64
                        ? Long.toUnsignedString(label) : Long.toString(label), CsvReader.MAX_CLASSES - 1));
            }
            labels[i] = (int) label;
            max = Math.max(max, label);
        }
        return new NpyDataset(x, y.file(), n, (int) perRow, labels, null, 1, (int) (max + 1));
    }

    /** Refuses Fortran order, unless the array has at most one dimension longer than 1 (then both orders agree). */
    private static void requireCOrder(Path file, NpyHeader header) throws DataFormatException {
        if (!header.fortranOrder()) {
            return;
        }
        int longDims = 0;
        for (long d : header.shape()) {
            longDims += d > 1 ? 1 : 0;
        }
        if (longDims > 1) {
            throw new DataFormatException(file, "the " + header.shapeText() + " array is in Fortran (column-major)"
                    + " order; Nabla reads C order, one row after another. Save it with"
                    + " np.save(path, np.ascontiguousarray(arr))");
        }
    }

    /** The features file's header (dtype, shape). */
    public NpyHeader featuresHeader() {
        return features.header();
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
        return features.file() + ", " + targetsFile;
    }

    /** The features file. */
    public Path featuresFile() {
        return features.file();
    }

    /** The targets file. */
    public Path targetsFile() {
        return targetsFile;
    }

    private void checkRows(int first, int count) {
        if (first < 0 || count < 0 || (long) first + count > size) {
            throw new IndexOutOfBoundsException("rows " + first + ".." + ((long) first + count - 1) + " of " + size
                    + " (" + features.file() + ")");
        }
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        checkRows(row, 1);
        features.readFloats((long) row * featureCount, featureCount, dst, offset);
    }

    @Override
    public void readRows(int first, int count, float[] dst, int offset) {
        checkRows(first, count);
        features.readFloats((long) first * featureCount, Math.multiplyExact(count, featureCount), dst, offset);
    }

    @Override
    public int label(int row) {
        if (labels == null) {
            throw new IllegalStateException(targetsFile + " holds real-valued targets, not class indices");
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

    /** Unmaps the features file. */
    @Override
    public void close() {
        features.close();
    }

    @Override
    public String toString() {
        return "NpyDataset(" + features.file() + " " + features.header().dtype() + " " + features.header().shapeText()
                + ", " + targetsFile + ")";
    }
}
