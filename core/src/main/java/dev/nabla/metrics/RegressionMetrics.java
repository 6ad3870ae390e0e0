package dev.nabla.metrics;

import dev.nabla.data.Standardizer;
import java.util.Arrays;
import java.util.Optional;

/**
 * RMSE, MAE and R² of real-valued predictions, accumulated batch by batch, as scikit-learn's
 * {@code root_mean_squared_error}, {@code mean_absolute_error} and {@code r2_score} with their
 * default {@code multioutput="uniform_average"}: each is computed per target column, then the
 * columns are averaged (for one column that is the plain definition).
 *
 * <ul>
 *   <li>{@code RMSE_c = √(Σ (y − ŷ)² / n)}, {@code MAE_c = Σ |y − ŷ| / n};
 *   <li>{@code R²_c = 1 − Σ (y − ŷ)² / Σ (y − ȳ)²}, with scikit-learn's rule for a constant
 *       column (zero denominator): 1 if the predictions are exact, else 0.
 * </ul>
 *
 * <p>NOTE: {@code Σ (y − ȳ)²} needs the mean of all rows, which a streaming pass does not know in
 * advance; {@code Σy² − nȳ²} would cancel catastrophically for targets far from zero (house
 * prices), so the targets' mean and squared deviations are kept by Welford's update, and batches
 * (or ranks) are combined with Chan et al.'s pairwise formula. Sums are doubles.
 *
 * <p>With a target {@link Standardizer} (the model trained on standardised targets), each batch
 * is un-standardised before it is counted, so every figure is in the targets' own units.
 */
public final class RegressionMetrics {

    private final int columns;
    private final Standardizer targetScale;
    private long count;
    private final double[] squaredError;
    private final double[] absoluteError;
    private final double[] targetMean;
    private final double[] targetM2;

    private RegressionMetrics(int columns, Standardizer targetScale) {
        if (columns <= 0) {
            throw new IllegalArgumentException("RegressionMetrics: need at least one target column, got " + columns);
        }
        if (targetScale != null && targetScale.features() != columns) {
            throw new IllegalArgumentException("RegressionMetrics: the target standardizer has "
                    + targetScale.features() + " columns, the targets " + columns);
        }
        this.columns = columns;
        this.targetScale = targetScale;
        this.squaredError = new double[columns];
        this.absoluteError = new double[columns];
        this.targetMean = new double[columns];
        this.targetM2 = new double[columns];
    }

    /** An accumulator for {@code columns} target values per row, counted as given. */
    public static RegressionMetrics of(int columns) {
        return new RegressionMetrics(columns, null);
    }

    /**
     * An accumulator whose batches hold standardised predictions and targets: each is turned back
     * into the original units with {@code targetScale} before it is counted.
     */
    public static RegressionMetrics inOriginalUnits(Standardizer targetScale) {
        return new RegressionMetrics(targetScale.features(), targetScale);
    }

    /** Target columns per row. */
    public int columns() {
        return columns;
    }

    /** The target standardizer undone before counting, if any. */
    public Optional<Standardizer> targetScale() {
        return Optional.ofNullable(targetScale);
    }

    /**
     * Counts one batch: {@code predictions} and {@code targets} row-major {@code rows × columns}
     * (as {@code Tensor.toFloatArray()} of {@code [rows, columns]} or {@code [rows]} gives them).
     * The arrays are not modified.
     *
     * @throws IllegalArgumentException for lengths that differ or are not whole rows, or a NaN or
     *         infinite prediction (a diverged model: reported rather than averaged into NaN)
     */
    public void update(float[] predictions, float[] targets) {
        if (predictions.length != targets.length || predictions.length % columns != 0) {
            throw new IllegalArgumentException("RegressionMetrics: " + predictions.length + " predictions and "
                    + targets.length + " targets are not the same whole rows of " + columns + " columns");
        }
        float[] p = predictions;
        float[] y = targets;
        if (targetScale != null) {
            p = predictions.clone();
            y = targets.clone();
            targetScale.invertInPlace(p);
            targetScale.invertInPlace(y);
        }
        int rows = p.length / columns;
        if (rows == 0) {
            return;
        }
        for (int c = 0; c < columns; c++) {
            // this batch's column on its own (two passes over values in cache), then merged
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                float value = p[r * columns + c];
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException("RegressionMetrics: prediction " + value + " at row " + r
                            + ", column " + c + " of this batch; the model's outputs are not finite");
                }
                sum += y[r * columns + c];
            }
            double batchMean = sum / rows;
            double batchM2 = 0;
            double squared = 0;
            double absolute = 0;
            for (int r = 0; r < rows; r++) {
                double target = y[r * columns + c];
                double error = target - p[r * columns + c];
                double deviation = target - batchMean;
                batchM2 += deviation * deviation;
                squared += error * error;
                absolute += Math.abs(error);
            }
            squaredError[c] += squared;
            absoluteError[c] += absolute;
            mergeMoments(c, count, rows, batchMean, batchM2);
        }
        count += rows;
    }

    /** Adds another accumulator's totals (another rank's rows), as if its batches had been counted here. */
    public void merge(RegressionMetrics other) {
        if (other.columns != columns) {
            throw new IllegalArgumentException("RegressionMetrics: cannot merge " + other.columns + " columns into "
                    + columns);
        }
        if (other.count == 0) {
            return;
        }
        for (int c = 0; c < columns; c++) {
            squaredError[c] += other.squaredError[c];
            absoluteError[c] += other.absoluteError[c];
            mergeMoments(c, count, other.count, other.targetMean[c], other.targetM2[c]);
        }
        count += other.count;
    }

    /** Chan, Golub and LeVeque: the mean and M2 of column c's n rows so far and m more. */
    private void mergeMoments(int c, long n, long m, double mean, double m2) {
        double total = (double) n + m;
        double delta = mean - targetMean[c];
        targetMean[c] += delta * (m / total);
        targetM2[c] += m2 + delta * delta * ((double) n * m / total);
    }

    /** Rows counted so far. */
    public long count() {
        return count;
    }

    /**
     * The totals as numbers, {@code [rows, squared error[c], absolute error[c], target mean[c],
     * target M2[c]]} (in the units counted): what another process needs to {@link #merge} them
     * ({@link #fromTotals}).
     */
    public double[] totals() {
        double[] totals = new double[1 + 4 * columns];
        totals[0] = count;
        System.arraycopy(squaredError, 0, totals, 1, columns);
        System.arraycopy(absoluteError, 0, totals, 1 + columns, columns);
        System.arraycopy(targetMean, 0, totals, 1 + 2 * columns, columns);
        System.arraycopy(targetM2, 0, totals, 1 + 3 * columns, columns);
        return totals;
    }

    /** An accumulator holding the totals {@link #totals()} wrote, in units already counted (no standardizer). */
    public static RegressionMetrics fromTotals(int columns, double[] totals) {
        RegressionMetrics m = new RegressionMetrics(columns, null);
        if (totals.length != 1 + 4 * columns) {
            throw new IllegalArgumentException("RegressionMetrics.fromTotals: " + totals.length + " numbers for "
                    + columns + " columns, expected " + (1 + 4 * columns));
        }
        m.count = (long) totals[0];
        System.arraycopy(totals, 1, m.squaredError, 0, columns);
        System.arraycopy(totals, 1 + columns, m.absoluteError, 0, columns);
        System.arraycopy(totals, 1 + 2 * columns, m.targetMean, 0, columns);
        System.arraycopy(totals, 1 + 3 * columns, m.targetM2, 0, columns);
        return m;
    }

    /** Root mean squared error, averaged over target columns. */
    public double rmse() {
        return average(c -> Math.sqrt(squaredError[c] / count));
    }

    /** Mean absolute error, averaged over target columns. */
    public double mae() {
        return average(c -> absoluteError[c] / count);
    }

    /** Coefficient of determination R², averaged over target columns (1 is perfect; 0 predicts the mean). */
    public double r2() {
        return average(this::r2);
    }

    /** R² of target column {@code c}. */
    public double r2(int c) {
        requireRows();
        if (targetM2[c] == 0) {
            return squaredError[c] == 0 ? 1.0 : 0.0;
        }
        return 1.0 - squaredError[c] / targetM2[c];
    }

    /** All three figures at once. */
    public Result result() {
        return new Result(count, rmse(), mae(), r2());
    }

    /** The figures of a finished pass, in the targets' units. */
    public record Result(long count, double rmse, double mae, double r2) {
    }

    private double average(java.util.function.IntToDoubleFunction perColumn) {
        requireRows();
        double sum = 0;
        for (int c = 0; c < columns; c++) {
            sum += perColumn.applyAsDouble(c);
        }
        return sum / columns;
    }

    private void requireRows() {
        if (count == 0) {
            throw new IllegalStateException("RegressionMetrics: no rows counted yet");
        }
    }

    @Override
    public String toString() {
        return count == 0 ? "RegressionMetrics(no rows)"
                : String.format(java.util.Locale.ROOT, "RegressionMetrics(%d rows, rmse %.6g, mae %.6g, r2 %.6f%s)",
                        count, rmse(), mae(), r2(), columns > 1 ? ", per column r2 " + Arrays.toString(
                                java.util.stream.IntStream.range(0, columns).mapToDouble(this::r2).toArray()) : "");
    }
}
