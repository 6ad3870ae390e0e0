package dev.nabla.metrics;

import java.util.Locale;

/**
 * Multi-label figures (each row may have any number of the {@code labels} positive), accumulated
 * batch by batch from the model's logits: a label is predicted positive when its probability
 * {@code σ(logit)} exceeds the threshold (0.5 by default, that is a logit above 0), and is
 * positive in the target when the target value is at least 0.5 (targets are 0/1; soft targets
 * count as their rounding).
 *
 * <ul>
 *   <li><b>label accuracy</b> per label and averaged over labels ({@code 1 − hamming_loss});
 *   <li><b>exact match</b>: rows whose every label is right ({@code accuracy_score}'s subset
 *       accuracy);
 *   <li><b>micro-F1</b> {@code 2·TP / (2·TP + FP + FN)} over all labels together, and
 *       <b>macro-F1</b>, the mean of each label's F1; an F1 with no positives predicted or true is
 *       0, scikit-learn's {@code zero_division} default.
 * </ul>
 */
public final class MultiLabelMetrics {

    private final int labels;
    private final float logitThreshold;
    private final double probabilityThreshold;
    private long rows;
    private long exactRows;
    private final long[] correct;
    private final long[] truePositives;
    private final long[] falsePositives;
    private final long[] falseNegatives;

    private MultiLabelMetrics(int labels, double probabilityThreshold) {
        if (labels <= 0) {
            throw new IllegalArgumentException("MultiLabelMetrics: need at least one label, got " + labels);
        }
        if (!(probabilityThreshold > 0 && probabilityThreshold < 1)) {
            throw new IllegalArgumentException("MultiLabelMetrics: the probability threshold must be in (0, 1), got "
                    + probabilityThreshold);
        }
        this.labels = labels;
        this.probabilityThreshold = probabilityThreshold;
        // σ(x) > p ⇔ x > log(p / (1 − p)): compare logits, no sigmoid per value
        this.logitThreshold = (float) Math.log(probabilityThreshold / (1 - probabilityThreshold));
        this.correct = new long[labels];
        this.truePositives = new long[labels];
        this.falsePositives = new long[labels];
        this.falseNegatives = new long[labels];
    }

    /** {@code labels} labels per row, threshold 0.5. */
    public static MultiLabelMetrics of(int labels) {
        return new MultiLabelMetrics(labels, 0.5);
    }

    /** {@code labels} labels per row, predicted positive above probability {@code threshold}. */
    public static MultiLabelMetrics of(int labels, double threshold) {
        return new MultiLabelMetrics(labels, threshold);
    }

    public int labels() {
        return labels;
    }

    public double threshold() {
        return probabilityThreshold;
    }

    /**
     * Counts one batch: {@code logits} and {@code targets} row-major {@code rows × labels}.
     *
     * @throws IllegalArgumentException for lengths that differ or are not whole rows, or a NaN logit
     */
    public void update(float[] logits, float[] targets) {
        if (logits.length != targets.length || logits.length % labels != 0) {
            throw new IllegalArgumentException("MultiLabelMetrics: " + logits.length + " logits and " + targets.length
                    + " targets are not the same whole rows of " + labels + " labels");
        }
        int n = logits.length / labels;
        for (int r = 0; r < n; r++) {
            boolean exact = true;
            for (int l = 0; l < labels; l++) {
                float logit = logits[r * labels + l];
                if (Float.isNaN(logit)) {
                    throw new IllegalArgumentException("MultiLabelMetrics: logit NaN at row " + r + ", label " + l
                            + " of this batch; the model's outputs are not finite");
                }
                boolean predicted = logit > logitThreshold;
                boolean actual = targets[r * labels + l] >= 0.5f;
                if (predicted == actual) {
                    correct[l]++;
                    if (actual) {
                        truePositives[l]++;
                    }
                } else {
                    exact = false;
                    if (predicted) {
                        falsePositives[l]++;
                    } else {
                        falseNegatives[l]++;
                    }
                }
            }
            if (exact) {
                exactRows++;
            }
        }
        rows += n;
    }

    /** Adds another accumulator's counts (another rank's rows). */
    public void merge(MultiLabelMetrics other) {
        if (other.labels != labels || other.probabilityThreshold != probabilityThreshold) {
            throw new IllegalArgumentException("MultiLabelMetrics: cannot merge " + other.labels + " labels at "
                    + other.probabilityThreshold + " into " + labels + " labels at " + probabilityThreshold);
        }
        rows += other.rows;
        exactRows += other.exactRows;
        for (int l = 0; l < labels; l++) {
            correct[l] += other.correct[l];
            truePositives[l] += other.truePositives[l];
            falsePositives[l] += other.falsePositives[l];
            falseNegatives[l] += other.falseNegatives[l];
        }
    }

    public long count() {
        return rows;
    }

    /**
     * The counts as numbers, {@code [rows, exact rows, correct[labels], TP[labels], FP[labels],
     * FN[labels]]}: what another process needs to {@link #merge} them ({@link #fromTotals}), sent
     * as doubles (exact below 2⁵³ rows).
     */
    public double[] totals() {
        double[] totals = new double[2 + 4 * labels];
        totals[0] = rows;
        totals[1] = exactRows;
        for (int l = 0; l < labels; l++) {
            totals[2 + l] = correct[l];
            totals[2 + labels + l] = truePositives[l];
            totals[2 + 2 * labels + l] = falsePositives[l];
            totals[2 + 3 * labels + l] = falseNegatives[l];
        }
        return totals;
    }

    /** An accumulator holding the counts {@link #totals()} wrote, for {@code labels} labels at {@code threshold}. */
    public static MultiLabelMetrics fromTotals(int labels, double threshold, double[] totals) {
        MultiLabelMetrics m = new MultiLabelMetrics(labels, threshold);
        if (totals.length != 2 + 4 * labels) {
            throw new IllegalArgumentException("MultiLabelMetrics.fromTotals: " + totals.length + " numbers for "
                    + labels + " labels, expected " + (2 + 4 * labels));
        }
        m.rows = (long) totals[0];
        m.exactRows = (long) totals[1];
        for (int l = 0; l < labels; l++) {
            m.correct[l] = (long) totals[2 + l];
            m.truePositives[l] = (long) totals[2 + labels + l];
            m.falsePositives[l] = (long) totals[2 + 2 * labels + l];
            m.falseNegatives[l] = (long) totals[2 + 3 * labels + l];
        }
        return m;
    }

    /** The fraction of rows whose label {@code l} is right. */
    public double labelAccuracy(int l) {
        requireRows();
        return (double) correct[l] / rows;
    }

    /** Label accuracy averaged over labels: the fraction of all (row, label) decisions that are right. */
    public double labelAccuracy() {
        requireRows();
        long sum = 0;
        for (long c : correct) {
            sum += c;
        }
        return (double) sum / ((double) rows * labels);
    }

    /** The fraction of rows with every label right. */
    public double exactMatch() {
        requireRows();
        return (double) exactRows / rows;
    }

    /** F1 of all labels' decisions pooled. */
    public double microF1() {
        requireRows();
        long tp = 0;
        long errors = 0;
        for (int l = 0; l < labels; l++) {
            tp += truePositives[l];
            errors += falsePositives[l] + falseNegatives[l];
        }
        return f1(tp, errors);
    }

    /** The mean over labels of each label's F1. */
    public double macroF1() {
        requireRows();
        double sum = 0;
        for (int l = 0; l < labels; l++) {
            sum += f1(truePositives[l], falsePositives[l] + falseNegatives[l]);
        }
        return sum / labels;
    }

    private static double f1(long truePositives, long errors) {
        long denominator = 2 * truePositives + errors;
        return denominator == 0 ? 0.0 : 2.0 * truePositives / denominator;
    }

    private void requireRows() {
        if (rows == 0) {
            throw new IllegalStateException("MultiLabelMetrics: no rows counted yet");
        }
    }

    /** All the pooled figures at once. */
    public Result result() {
        return new Result(rows, labelAccuracy(), exactMatch(), microF1(), macroF1());
    }

    /** The figures of a finished pass. */
    public record Result(long count, double labelAccuracy, double exactMatch, double microF1, double macroF1) {
    }

    @Override
    public String toString() {
        return rows == 0 ? "MultiLabelMetrics(no rows)" : String.format(Locale.ROOT, "MultiLabelMetrics(%d rows,"
                + " label accuracy %.4f, exact match %.4f, micro-F1 %.4f, macro-F1 %.4f)", rows, labelAccuracy(),
                exactMatch(), microF1(), macroF1());
    }
}
