package dev.nabla.data;

import java.util.Arrays;

/**
 * Standardization {@code x' = (x − mean) / std} with statistics computed on the training set only,
 * then applied unchanged to the test set (fitting on test data would leak it into training).
 *
 * <p>Two scopes: {@link Scope#PER_FEATURE}, as scikit-learn's StandardScaler, for tabular data
 * whose columns have unrelated units; {@link Scope#GLOBAL}, one mean and std over every value, as
 * {@code transforms.Normalize((0.2860,), (0.3530,))} does for Fashion-MNIST, for images, where a
 * per-pixel std would blow up border pixels that are almost always black.
 *
 * <p>The std floor: a feature whose std is below {@code minStd} (constant in the training set) is
 * only centred, divided by 1 rather than by a tiny number, as scikit-learn does, so a value seen
 * only at test time stays finite and of ordinary size. Statistics are accumulated in double
 * precision (the population std, {@code ddof = 0}), then stored as floats.
 *
 * <p>{@link #fit(Dataset, Scope)} reads a {@link Dataset} once, block by block, so the training
 * set need not fit in the heap; {@link #applyInPlace} is what the {@link DataLoader} applies to
 * each batch.
 */
public final class Standardizer {

    /** Which values share a mean and std. */
    public enum Scope {
        PER_FEATURE, GLOBAL
    }

    /** Default std floor: below it a feature counts as constant. */
    public static final double DEFAULT_MIN_STD = 1e-6;

    private final Scope scope;
    private final int features;
    private final float[] mean;
    private final float[] std;
    private final float[] inverseStd;

    private Standardizer(Scope scope, int features, float[] mean, float[] std) {
        this.scope = scope;
        this.features = features;
        this.mean = mean;
        this.std = std;
        this.inverseStd = new float[std.length];
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0) || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("std must be positive and finite, mean finite: mean " + mean[i]
                        + ", std " + std[i] + " at " + i);
            }
            inverseStd[i] = 1f / std[i];
        }
    }

    /** Fits on {@code x} (row-major {@code n × features}) with the default floor. */
    public static Standardizer fit(float[] x, int features, Scope scope) {
        return fit(x, features, scope, DEFAULT_MIN_STD);
    }

    public static Standardizer fit(float[] x, int features, Scope scope, double minStd) {
        if (features <= 0 || x.length % features != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + features + " features");
        }
        int n = x.length / features;
        if (n == 0) {
            throw new IllegalArgumentException("cannot fit a standardizer on zero samples");
        }
        int k = scope == Scope.GLOBAL ? 1 : features;
        double[] sum = new double[k];
        for (int i = 0; i < x.length; i++) {
            sum[scope == Scope.GLOBAL ? 0 : i % features] += x[i];
        }
        double count = scope == Scope.GLOBAL ? x.length : n;
        double[] mu = new double[k];
        for (int j = 0; j < k; j++) {
            mu[j] = sum[j] / count;
        }
        // Two passes: the textbook E[x²] − E[x]² loses everything to cancellation when the mean is
        // large compared with the spread.
        double[] sq = new double[k];
        for (int i = 0; i < x.length; i++) {
            int j = scope == Scope.GLOBAL ? 0 : i % features;
            double d = x[i] - mu[j];
            sq[j] += d * d;
        }
        float[] mean = new float[k];
        float[] std = new float[k];
        for (int j = 0; j < k; j++) {
            double s = Math.sqrt(sq[j] / count);
            mean[j] = (float) mu[j];
            std[j] = s < minStd ? 1f : (float) s;
        }
        return new Standardizer(scope, features, mean, std);
    }

    /**
     * Fits on every row of {@code data} in one streaming pass, with the default floor: the rows are
     * read a block at a time (a few hundred kilobytes), so a set larger than the heap, mapped from
     * its file, is never held whole.
     *
     * <p>NOTE: one pass and still stable: each block's mean and sum of squared deviations are
     * computed from the block itself (two passes over a block that sits in cache), then merged
     * with the running totals by Chan, Golub and LeVeque's pairwise update
     * ({@code M2 = M2a + M2b + δ²·na·nb/n}), which avoids the cancellation of {@code E[x²] − E[x]²}.
     *
     * @throws DataFormatException naming the row and feature of the first NaN or infinite value
     *         (it would turn every statistic, and then the whole run, into NaN)
     */
    public static Standardizer fit(Dataset data, Scope scope) throws DataFormatException {
        return fit(data, scope, DEFAULT_MIN_STD);
    }

    public static Standardizer fit(Dataset data, Scope scope, double minStd) throws DataFormatException {
        int features = data.featureCount();
        int rows = data.size();
        if (rows == 0) {
            throw new IllegalArgumentException("cannot fit a standardizer on zero samples (" + data.source() + ")");
        }
        int k = scope == Scope.GLOBAL ? 1 : features;
        double[] mean = new double[k];
        double[] m2 = new double[k];
        double count = 0; // values per statistic so far
        int blockRows = Math.max(1, Math.min(rows, BLOCK_VALUES / features));
        float[] block = new float[Math.multiplyExact(blockRows, features)];
        double[] blockSum = new double[k];
        double[] blockM2 = new double[k];
        for (int first = 0; first < rows; first += blockRows) {
            int n = Math.min(blockRows, rows - first);
            int values = n * features;
            data.readRows(first, n, block, 0);
            java.util.Arrays.fill(blockSum, 0);
            java.util.Arrays.fill(blockM2, 0);
            for (int row = 0; row < values; row += features) {
                if (scope == Scope.GLOBAL) {
                    double sum = 0;
                    for (int j = 0; j < features; j++) {
                        sum += block[row + j];
                    }
                    blockSum[0] += sum;
                } else {
                    for (int j = 0; j < features; j++) {
                        blockSum[j] += block[row + j];
                    }
                }
            }
            // A NaN or infinity anywhere makes its sum non-finite: look for it only then.
            for (double sum : blockSum) {
                if (!Double.isFinite(sum)) {
                    throw nonFinite(data, block, values, first);
                }
            }
            double blockCount = scope == Scope.GLOBAL ? values : n;
            for (int row = 0; row < values; row += features) {
                if (scope == Scope.GLOBAL) {
                    double blockMean = blockSum[0] / blockCount;
                    double sq = 0;
                    for (int j = 0; j < features; j++) {
                        double d = block[row + j] - blockMean;
                        sq += d * d;
                    }
                    blockM2[0] += sq;
                } else {
                    for (int j = 0; j < features; j++) {
                        double d = block[row + j] - blockSum[j] / blockCount;
                        blockM2[j] += d * d;
                    }
                }
            }
            double total = count + blockCount;
            for (int j = 0; j < k; j++) {
                double blockMean = blockSum[j] / blockCount;
                double delta = blockMean - mean[j];
                mean[j] += delta * (blockCount / total);
                m2[j] += blockM2[j] + delta * delta * (count * blockCount / total);
            }
            count = total;
        }
        float[] mu = new float[k];
        float[] std = new float[k];
        for (int j = 0; j < k; j++) {
            double s = Math.sqrt(m2[j] / count);
            mu[j] = (float) mean[j];
            std[j] = s < minStd ? 1f : (float) s;
        }
        return new Standardizer(scope, features, mu, std);
    }

    private static DataFormatException nonFinite(Dataset data, float[] block, int values, int firstRow) {
        int features = data.featureCount();
        for (int i = 0; i < values; i++) {
            if (!Float.isFinite(block[i])) {
                return new DataFormatException(data.source(), "row " + (firstRow + i / features) + ", feature "
                        + i % features + " is " + block[i] + "; features must be finite (drop or fill such rows)");
            }
        }
        // Finite values whose sum overflows a double: not possible for floats (at most 2^31 of them).
        return new DataFormatException(data.source(), "the features near row " + firstRow + " sum to infinity");
    }

    /**
     * Fits one mean and std per target column of a real-valued data set ({@link
     * Dataset.TargetKind#VALUES}), for regression: a model trains on standardised targets (so the
     * loss and the learning rate do not depend on the targets' units), and {@link #invertInPlace}
     * turns its predictions back into the original units for metrics and {@code nabla eval}. A
     * constant target column is only centred (std 1), as for features.
     *
     * @throws IllegalArgumentException for class-index targets or an empty set
     */
    public static Standardizer fitTargets(Dataset data) {
        if (data.targetKind() != Dataset.TargetKind.VALUES) {
            throw new IllegalArgumentException("fitTargets: " + data.source() + " has class-index targets; only"
                    + " real-valued (regression) targets are standardised");
        }
        int width = data.targetWidth();
        if (data.size() == 0) {
            throw new IllegalArgumentException("cannot fit a standardizer on zero samples (" + data.source() + ")");
        }
        // the targets are a few values per row, held in the heap by every data set: read them whole
        float[] targets = new float[Math.multiplyExact(data.size(), width)];
        for (int row = 0; row < data.size(); row++) {
            data.readTargets(row, targets, row * width);
        }
        return fit(targets, width, Scope.PER_FEATURE);
    }

    /** Values per block of the streaming fit: 256 KB of floats, well inside a core's L2 cache. */
    private static final int BLOCK_VALUES = 1 << 16;

    /**
     * Rebuilds a standardizer from saved statistics (a checkpoint): one value each for GLOBAL, one
     * per feature otherwise.
     */
    public static Standardizer of(float[] mean, float[] std, int features) {
        if (mean.length != std.length || (mean.length != 1 && mean.length != features)) {
            throw new IllegalArgumentException("need 1 or " + features + " means and stds, got " + mean.length + " and "
                    + std.length);
        }
        Scope scope = mean.length == 1 && features != 1 ? Scope.GLOBAL : Scope.PER_FEATURE;
        return new Standardizer(scope, features, mean.clone(), std.clone());
    }

    /** Fits on the training set and returns a split with both sets standardized (new arrays). */
    public static Split standardize(Split split, Scope scope) {
        Standardizer s = fit(split.trainFeatures(), split.features(), scope);
        return new Split(split.name(), split.source(), split.features(), split.classes(), s.apply(split.trainFeatures()),
                split.trainLabels(), s.apply(split.testFeatures()), split.testLabels(),
                split.classNames());
    }

    public Scope scope() {
        return scope;
    }

    public int features() {
        return features;
    }

    /** The means: one for GLOBAL, one per feature otherwise. */
    public float[] mean() {
        return mean.clone();
    }

    /** The stds actually divided by, after the floor. */
    public float[] std() {
        return std.clone();
    }

    /** Returns a standardized copy of {@code x}. */
    public float[] apply(float[] x) {
        float[] out = x.clone();
        applyInPlace(out);
        return out;
    }

    /** Standardizes {@code x} (row-major {@code n × features}) in place. */
    public void applyInPlace(float[] x) {
        if (x.length % features != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + features + " features");
        }
        if (scope == Scope.GLOBAL) {
            float m = mean[0];
            float inv = inverseStd[0];
            for (int i = 0; i < x.length; i++) {
                x[i] = (x[i] - m) * inv;
            }
            return;
        }
        for (int row = 0; row < x.length; row += features) {
            for (int j = 0; j < features; j++) {
                x[row + j] = (x[row + j] - mean[j]) * inverseStd[j];
            }
        }
    }

    /**
     * Undoes {@link #applyInPlace}: {@code x · std + mean}, in place (predictions of a model trained
     * on standardised targets, back in the targets' units).
     */
    public void invertInPlace(float[] x) {
        if (x.length % features != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + features + " features");
        }
        for (int i = 0; i < x.length; i++) {
            int j = scope == Scope.GLOBAL ? 0 : i % features;
            x[i] = x[i] * std[j] + mean[j];
        }
    }

    @Override
    public String toString() {
        return scope == Scope.GLOBAL
                ? "Standardizer(global mean " + mean[0] + ", std " + std[0] + ")"
                : "Standardizer(per feature, " + features + " features, mean " + Arrays.toString(Arrays.copyOf(mean,
                        Math.min(4, features))) + (features > 4 ? "…" : "") + ")";
    }
}
