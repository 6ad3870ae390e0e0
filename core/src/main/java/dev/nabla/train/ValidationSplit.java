package dev.nabla.train;

import dev.nabla.data.Dataset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A seeded holdout of a training set ({@code --val-split}): a random {@code fraction} of its rows
 * becomes the validation set, the rest trains. The choice depends only on (rows, fraction, seed),
 * so a resumed run and {@code nabla eval} find the same rows. Both parts are views (nothing is
 * copied), each in the original row order.
 *
 * @param train      the rows that train
 * @param validation the rows held out
 */
record ValidationSplit(Dataset train, Dataset validation) {

    /** Mixed into the run's seed so that the holdout does not correlate with the first epoch's shuffle. */
    private static final long SALT = 0x5A1D_A7E5_0F_C0FFEEL;

    /**
     * @param fraction in (0, 1); {@code round(fraction × rows)} rows are held out, at least one,
     *                 and at least one must remain to train
     * @throws IllegalArgumentException if either part would be empty
     */
    static ValidationSplit of(Dataset data, double fraction, long seed) {
        int n = data.size();
        int held = (int) Math.max(1, Math.round(fraction * n));
        if (held >= n) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--val-split %s of %d training rows"
                    + " leaves %d to train; lower the fraction or use more rows", fraction, n, n - held));
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed ^ SALT);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int[] validation = Arrays.copyOfRange(order, 0, held);
        int[] train = Arrays.copyOfRange(order, held, n);
        // Ascending: reads of a mapped file go forward, and the views list rows as the file does.
        Arrays.sort(validation);
        Arrays.sort(train);
        return new ValidationSplit(new Rows(data, train, "train"), new Rows(data, validation, "validation"));
    }

    /** Some rows of a data set, by index: a view. */
    static final class Rows implements Dataset {
        private final Dataset data;
        private final int[] rows;
        private final String part;

        Rows(Dataset data, int[] rows, String part) {
            this.data = data;
            this.rows = rows;
            this.part = part;
        }

        /** The rows of the underlying set that this view holds, in order. */
        int[] rows() {
            return rows.clone();
        }

        @Override
        public int size() {
            return rows.length;
        }

        @Override
        public int featureCount() {
            return data.featureCount();
        }

        @Override
        public TargetKind targetKind() {
            return data.targetKind();
        }

        @Override
        public int targetWidth() {
            return data.targetWidth();
        }

        @Override
        public int classes() {
            return data.classes();
        }

        @Override
        public String source() {
            return data.source() + " (" + part + " part of --val-split, " + rows.length + " rows)";
        }

        @Override
        public void readFeatures(int row, float[] dst, int offset) {
            data.readFeatures(rows[row], dst, offset);
        }

        @Override
        public int label(int row) {
            return data.label(rows[row]);
        }

        @Override
        public void readTargets(int row, float[] dst, int offset) {
            data.readTargets(rows[row], dst, offset);
        }

        @Override
        public List<String> labelNames() {
            return data.labelNames();
        }

        /** The underlying set belongs to the caller, who closes it. */
        @Override
        public void close() {
        }
    }
}
