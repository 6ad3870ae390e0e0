package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Standardizer#fit(Dataset, Standardizer.Scope)}: one streaming pass, block by block. */
class StandardizerStreamingTest {

    /** n rows of f features: feature j is offset + j + spread · noise, so the mean dwarfs the spread. */
    private static float[] data(int n, int f, float offset, float spread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = offset + i % f + spread * (float) random.nextGaussian();
        }
        return x;
    }

    private static void assertClose(float[] expected, float[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * Math.abs(expected[i]), what + " " + i);
        }
    }

    @Test
    void agreesWithTheTwoPassFitOverManyBlocks() throws DataFormatException {
        // 784 features: a block is 83 rows, so 5000 rows are 61 blocks and a short one.
        for (int f : new int[] {784, 3}) {
            float[] x = data(5000, f, 1e4f, 0.5f, f);
            InMemoryDataset d = InMemoryDataset.ofClasses("x", x, f, new int[5000], 1);
            for (Standardizer.Scope scope : Standardizer.Scope.values()) {
                Standardizer twoPass = Standardizer.fit(x, f, scope);
                Standardizer streamed = Standardizer.fit(d, scope);
                assertClose(twoPass.mean(), streamed.mean(), 1e-7, f + " features " + scope + " mean");
                // NOTE: a std of 0.5 under a mean of 1e4: E[x²] − E[x]² in double would still be
                // close, in float it would be garbage; the block merge must match the two-pass value.
                assertClose(twoPass.std(), streamed.std(), 1e-5, f + " features " + scope + " std");
            }
        }
    }

    @Test
    void aSingleShortBlockAndAConstantFeature() throws DataFormatException {
        float[] x = {1, 5, 3, 5, 5, 5};
        Standardizer s = Standardizer.fit(InMemoryDataset.ofClasses("x", x, 2, new int[3], 1),
                Standardizer.Scope.PER_FEATURE);
        assertArrayEquals(new float[] {3, 5}, s.mean());
        assertEquals((float) Math.sqrt(8.0 / 3), s.std()[0], 1e-6);
        assertEquals(1f, s.std()[1], "a constant feature is only centred");
    }

    @Test
    void aNonFiniteFeatureIsNamedByRowAndColumn() {
        float[] x = data(400, 5, 0, 1, 1);
        x[5 * 321 + 2] = Float.NaN;
        InMemoryDataset d = InMemoryDataset.ofClasses("features.npy", x, 5, new int[400], 1);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Standardizer.fit(d, Standardizer.Scope.GLOBAL));
        assertEquals("features.npy: row 321, feature 2 is NaN; features must be finite (drop or fill such rows)",
                e.getMessage());
        assertNull(e.file());
        x[5 * 321 + 2] = 0;
        x[7] = Float.NEGATIVE_INFINITY;
        e = assertThrows(DataFormatException.class, () -> Standardizer.fit(d, Standardizer.Scope.PER_FEATURE));
        assertTrue(e.getMessage().contains("row 1, feature 2 is -Infinity"), e.getMessage());
    }
}
