package dev.nabla.bench;

import java.util.Arrays;

/**
 * Summary of repeated timings (seconds per call): median, quartiles, extremes. The spread shown to
 * users is the interquartile range relative to the median, which one slow outlier (a GC, another
 * process taking the core) does not move.
 *
 * @param count  number of samples
 * @param median the median
 * @param q1     first quartile (linear interpolation between order statistics)
 * @param q3     third quartile
 * @param min    fastest sample
 * @param max    slowest sample
 */
public record Stats(int count, double median, double q1, double q3, double min, double max) {

    /**
     * Statistics of {@code samples}.
     *
     * @throws IllegalArgumentException if there are no samples or one is NaN
     */
    public static Stats of(double... samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("Stats: no samples");
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        if (Double.isNaN(sorted[sorted.length - 1])) {
            throw new IllegalArgumentException("Stats: NaN sample");
        }
        return new Stats(sorted.length, quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75),
                sorted[0], sorted[sorted.length - 1]);
    }

    /** The {@code p}-quantile of sorted values, interpolating linearly (NumPy's default). */
    static double quantile(double[] sorted, double p) {
        double position = p * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.length - 1);
        double fraction = position - lower;
        return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
    }

    /** Interquartile range over the median: 0.04 means the middle half of the samples lies within 4 %. */
    public double spread() {
        return median > 0 ? (q3 - q1) / median : 0;
    }

    /**
     * True when the samples agree within {@code tolerance} of their median (max and min both);
     * used to decide that warm-up has settled.
     */
    public boolean settledWithin(double tolerance) {
        return median > 0 && (max - min) / median <= tolerance;
    }
}
