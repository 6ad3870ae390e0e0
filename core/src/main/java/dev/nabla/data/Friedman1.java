package dev.nabla.data;

import dev.nabla.backend.Philox;
import java.util.Optional;

/**
 * Friedman's first regression problem (J. H. Friedman, "Multivariate adaptive regression
 * splines", Annals of Statistics 19(1), 1991; also scikit-learn's {@code make_friedman1}), the
 * {@code friedman1} data set: features {@code x₁ … x₁₀} uniform on [0, 1], of which only the
 * first five matter, and the target
 *
 * <pre>
 *   y = 10·sin(π·x₁·x₂) + 20·(x₃ − 0.5)² + 10·x₄ + 5·x₅ + ε,   ε ~ N(0, 1)
 * </pre>
 *
 * <p>Generated here rather than downloaded: {@value #TRAIN_ROWS} training and {@value #TEST_ROWS}
 * test rows from fixed Philox streams, so every run on every machine trains on the same numbers
 * (the uniforms are integer arithmetic; the normals and the sine use {@link StrictMath}, whose
 * results Java fixes bit for bit). The noise sets the ceiling: {@code Var(f(x)) ≈ 23.8}, so even
 * the true function scores R² ≈ 23.8 / 24.8 ≈ 0.96 on the test set; a model that learns the
 * sine interaction gets close to it, a linear model stops near 0.75.
 */
public final class Friedman1 {

    /** The name {@code --dataset} knows it by. */
    public static final String NAME = "friedman1";
    public static final int TRAIN_ROWS = 10_000;
    public static final int TEST_ROWS = 2_000;
    public static final int FEATURES = 10;
    public static final double NOISE = 1.0;
    private static final long SEED = 1991;

    private Friedman1() {
    }

    /** The standard training and test sets (10 features, noise σ = 1). */
    public static TrainingData trainingData() {
        String source = "generated: Friedman #1 (Friedman 1991; sklearn make_friedman1), noise 1.0, seed " + SEED;
        return TrainingData.of(NAME, source, generate(TRAIN_ROWS, FEATURES, NOISE, SEED, 0),
                Optional.of(generate(TEST_ROWS, FEATURES, NOISE, SEED, 1)));
    }

    /**
     * {@code rows} rows of {@code features ≥ 5} uniform features and the Friedman #1 target with
     * Gaussian noise of standard deviation {@code noise}, from stream {@code part} of {@code seed}
     * (the training and test sets are parts 0 and 1: disjoint streams, so no row repeats).
     */
    public static InMemoryDataset generate(int rows, int features, double noise, long seed, int part) {
        if (rows <= 0 || features < 5) {
            throw new IllegalArgumentException("Friedman #1 needs at least one row and 5 features, got " + rows
                    + " rows and " + features + " features");
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("Friedman #1: noise must be a finite standard deviation >= 0, got "
                    + noise);
        }
        float[] x = new float[Math.multiplyExact(rows, features)];
        float[] y = new float[rows];
        int[] words = new int[4];
        long featureStream = 2L * part;
        long noiseStream = 2L * part + 1;
        for (int i = 0; i < x.length; i++) {
            if (i % 4 == 0) {
                Philox.block(seed, featureStream, i >>> 2, words);
            }
            x[i] = Philox.uniform(words[i % 4]);
        }
        for (int r = 0; r < rows; r++) {
            Philox.block(seed, noiseStream, r, words);
            int f = r * features;
            y[r] = (float) (target(x[f], x[f + 1], x[f + 2], x[f + 3], x[f + 4]) + noise * normal(words[0], words[1]));
        }
        String source = String.format(java.util.Locale.ROOT, "Friedman #1 (%d rows, %d features, noise %s, seed %d,"
                + " part %d)", rows, features, noise, seed, part);
        return InMemoryDataset.ofValues(source, x, features, y, 1);
    }

    /** The noiseless target {@code 10 sin(π x₁ x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅}. */
    public static double target(double x1, double x2, double x3, double x4, double x5) {
        return 10 * StrictMath.sin(StrictMath.PI * x1 * x2) + 20 * (x3 - 0.5) * (x3 - 0.5) + 10 * x4 + 5 * x5;
    }

    /** One standard normal by Box–Muller from two words (u₁ in (0, 1], so the log is finite). */
    private static double normal(int word1, int word2) {
        double u1 = ((word1 >>> 8) + 1) / (double) (1 << 24);
        double u2 = (word2 >>> 8) / (double) (1 << 24);
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
    }
}
