package dev.nabla.data;

/**
 * Rows {@code first .. first + size - 1} of another dataset, as a view ({@link Dataset#head}).
 * It keeps the whole set's class count, so a shortened training set still has every output the
 * test set needs.
 */
final class RowRange implements Dataset {

    private final Dataset whole;
    private final int first;
    private final int size;

    RowRange(Dataset whole, int first, int size) {
        if (first < 0 || size < 0 || (long) first + size > whole.size()) {
            throw new IllegalArgumentException("rows " + first + ".." + ((long) first + size - 1) + " are not inside the "
                    + whole.size() + " rows of " + whole.source());
        }
        this.whole = whole;
        this.first = first;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int featureCount() {
        return whole.featureCount();
    }

    @Override
    public TargetKind targetKind() {
        return whole.targetKind();
    }

    @Override
    public int targetWidth() {
        return whole.targetWidth();
    }

    @Override
    public int classes() {
        return whole.classes();
    }

    @Override
    public String source() {
        return whole.source() + " rows " + first + ".." + (first + size - 1);
    }

    private int check(int row) {
        if (row < 0 || row >= size) {
            throw new IndexOutOfBoundsException("row " + row + " of " + size + " (" + source() + ")");
        }
        return first + row;
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        whole.readFeatures(check(row), dst, offset);
    }

    @Override
    public void readRows(int start, int count, float[] dst, int offset) {
        if (count > 0) {
            check(start);
            check(start + count - 1);
        }
        whole.readRows(first + start, count, dst, offset);
    }

    @Override
    public int label(int row) {
        return whole.label(check(row));
    }

    @Override
    public void readTargets(int row, float[] dst, int offset) {
        whole.readTargets(check(row), dst, offset);
    }
}
