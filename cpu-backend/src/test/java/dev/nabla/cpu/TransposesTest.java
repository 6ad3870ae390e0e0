package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every in-register transpose against its scalar definition, read from a strided source at an
 * offset and written into a strided destination whose other elements must stay untouched. (Under
 * AVX2 and SSE the GEMMs that use them run in {@link IsaForkTest}.)
 */
class TransposesTest {

    /** Distinct values, so a lane taken from the wrong place cannot go unnoticed. */
    private static float[] source(int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = i + 0.25f;
        }
        return values;
    }

    @Test
    void squareTransposes() {
        for (int n : new int[] {8, 16}) {
            if (n > CpuFeatures.SPECIES.length()) {
                continue; // a wider species is not compiled to vector code; the backend never calls it
            }
            int ld = n + 3;
            int from = 5;
            int dstLd = n + 2;
            int to = 7;
            float[] src = source(from + n * ld);
            float[] expected = new float[to + n * dstLd];
            Arrays.fill(expected, -1f);
            float[] actual = expected.clone();
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    expected[to + c * dstLd + r] = src[from + r * ld + c];
                }
            }
            if (n == 8) {
                Transposes.transpose8(src, from, ld, actual, to, dstLd);
            } else {
                Transposes.transpose16(src, from, ld, actual, to, dstLd);
            }
            assertArrayEquals(expected, actual, n + "×" + n + " transpose");
        }
    }

    @Test
    void fourRowPanelOfA() {
        assumeTrue(Transposes.HAS8, "this JVM's vectors hold " + CpuFeatures.SPECIES.length()
                + " floats: 4-row panels are packed by scalar copies, not pack4x8");
        int ld = 21;
        int from = 3;
        int to = 2;
        float[] src = source(from + 4 * ld);
        float[] expected = new float[to + 32 + 4];
        Arrays.fill(expected, -1f);
        float[] actual = expected.clone();
        for (int i = 0; i < 4; i++) {
            for (int c = 0; c < 8; c++) {
                expected[to + 4 * c + i] = src[from + i * ld + c];
            }
        }
        Transposes.pack4x8(src, from, ld, actual, to);
        assertArrayEquals(expected, actual, "4×8 block of a 4-row A panel");
    }

    @Test
    void eightRowPanelOfA() {
        assumeTrue(CpuFeatures.SPECIES.length() == 16, "this JVM's vectors hold " + CpuFeatures.SPECIES.length()
                + " floats: only 16-float vectors pack 8-row panels with transpose8x16");
        int ld = 19;
        int from = 1;
        int to = 4;
        float[] src = source(from + 8 * ld);
        float[] expected = new float[to + 128 + 4];
        Arrays.fill(expected, -1f);
        float[] actual = expected.clone();
        for (int i = 0; i < 8; i++) {
            for (int c = 0; c < 16; c++) {
                expected[to + 8 * c + i] = src[from + i * ld + c];
            }
        }
        Transposes.transpose8x16(src, from, ld, actual, to);
        assertArrayEquals(expected, actual, "8×16 block of an 8-row A panel");
    }
}
