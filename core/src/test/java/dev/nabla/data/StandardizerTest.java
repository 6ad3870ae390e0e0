package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StandardizerTest {

    // 3 samples × 2 features; feature 0: 1,2,3 (mean 2, std sqrt(2/3)); feature 1 constant 5.
    private static final float[] X = {1, 5, 2, 5, 3, 5};

    @Test
    void perFeatureUsesPopulationStdAndFloorsConstantFeatures() {
        Standardizer s = Standardizer.fit(X, 2, Standardizer.Scope.PER_FEATURE);
        assertArrayEquals(new float[] {2f, 5f}, s.mean());
        assertEquals((float) Math.sqrt(2.0 / 3), s.std()[0], 1e-7);
        assertEquals(1f, s.std()[1], "constant feature: divided by 1, not by ~0");
        float[] out = s.apply(X);
        float k = (float) Math.sqrt(1.5);
        assertArrayEquals(new float[] {-k, 0, 0, 0, k, 0}, out, 1e-6f);
        assertArrayEquals(new float[] {1, 5, 2, 5, 3, 5}, X, "apply copies");
        float[] test = {2, 7};
        s.applyInPlace(test);
        assertArrayEquals(new float[] {0, 2}, test, 1e-6f);
    }

    @Test
    void globalUsesOneMeanAndStdOverAllValues() {
        Standardizer s = Standardizer.fit(X, 2, Standardizer.Scope.GLOBAL);
        double mean = (1 + 2 + 3 + 15) / 6.0;
        double var = 0;
        for (float v : X) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / 6);
        assertArrayEquals(new float[] {(float) mean}, s.mean());
        assertArrayEquals(new float[] {(float) std}, s.std(), 1e-6f);
        float[] out = s.apply(X);
        for (int i = 0; i < X.length; i++) {
            assertEquals((X[i] - mean) / std, out[i], 1e-5);
        }
    }

    @Test
    void statisticsAreAccurateForLargeOffsets() {
        // Mean 1e4, spread ±1: a single-pass float computation gets this badly wrong.
        float[] x = new float[100_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = 10_000f + (i % 2 == 0 ? 1f : -1f);
        }
        Standardizer s = Standardizer.fit(x, 1, Standardizer.Scope.GLOBAL);
        assertEquals(10_000f, s.mean()[0]);
        assertEquals(1f, s.std()[0], 1e-6f);
    }

    @Test
    void restoredFromSavedStatisticsGivesSameResult() {
        Standardizer s = Standardizer.fit(X, 2, Standardizer.Scope.PER_FEATURE);
        Standardizer r = Standardizer.of(s.mean(), s.std(), 2);
        assertArrayEquals(s.apply(X), r.apply(X));
        Standardizer g = Standardizer.of(new float[] {0.286f}, new float[] {0.353f}, 784);
        assertEquals(Standardizer.Scope.GLOBAL, g.scope());
        assertThrows(IllegalArgumentException.class, () -> Standardizer.of(new float[] {0}, new float[] {0}, 3));
        assertThrows(IllegalArgumentException.class, () -> Standardizer.of(new float[3], new float[3], 2));
    }

    @Test
    void standardizeSplitFitsOnTrainOnly() {
        Split split = new Split("t", "mem", 1, 2, new float[] {0, 2}, new int[] {0, 1}, new float[] {4}, new int[] {1});
        Split out = Standardizer.standardize(split, Standardizer.Scope.PER_FEATURE);
        assertArrayEquals(new float[] {-1, 1}, out.trainFeatures());
        assertArrayEquals(new float[] {3}, out.testFeatures(), "test uses train mean 1 and std 1");
        assertArrayEquals(new float[] {0, 2}, split.trainFeatures(), "input untouched");
    }

    @Test
    void rejectsShapeMismatch() {
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fit(new float[5], 2, Standardizer.Scope.GLOBAL));
        Standardizer s = Standardizer.fit(X, 2, Standardizer.Scope.PER_FEATURE);
        assertThrows(IllegalArgumentException.class, () -> s.applyInPlace(new float[3]));
    }
}
