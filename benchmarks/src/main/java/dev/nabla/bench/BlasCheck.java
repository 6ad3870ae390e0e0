package dev.nabla.bench;

import java.util.Optional;

/**
 * The one GEMM {@code nabla bench --compare} checks before it trusts a contender whose BLAS runs
 * without {@code OPENBLAS_CORETYPE}/{@code OPENBLAS_L2_SIZE}: a machine may set those pins
 * because OpenBLAS misdetects its CPU or because the CPU's own kernels misbehave there, and a
 * table built on a wrong GEMM would be worse than a slow one. The operands are small multiples
 * of 1/8 and 1/4, so every product and partial sum is exact in float32: any correct SGEMM gives
 * exactly {@link #expected}, whatever order it sums in. {@code common.py}'s
 * {@code check_operands} builds the same matrices.
 */
public final class BlasCheck {

    /** The checked shape: not a multiple of common block sizes, and k long enough to use the packed kernels. */
    public static final int M = 97;
    public static final int N = 83;
    public static final int K = 256;

    private BlasCheck() {
    }

    /** Row-major A, m×k. */
    public static float[] a(int m, int k) {
        float[] a = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                a[i * k + p] = ((i * 7 + p * 3) % 17 - 8) / 8f;
            }
        }
        return a;
    }

    /** Row-major B, k×n. */
    public static float[] b(int k, int n) {
        float[] b = new float[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                b[p * n + j] = ((p * 5 + j * 11) % 13 - 6) / 4f;
            }
        }
        return b;
    }

    /** A·B, exact (in units of 1/32, summed as longs). */
    public static float[] expected(int m, int n, int k) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long units = 0;
                for (int p = 0; p < k; p++) {
                    units += (long) ((i * 7 + p * 3) % 17 - 8) * ((p * 5 + j * 11) % 13 - 6);
                }
                c[i * n + j] = units / 32f;
            }
        }
        return c;
    }

    /** Empty when {@code got} is {@code expected}, else where and by how much they differ. */
    public static Optional<String> mismatch(float[] got, float[] expected, int n) {
        if (got.length != expected.length) {
            return Optional.of("returned " + got.length + " values, expected " + expected.length);
        }
        int wrong = 0;
        int first = -1;
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            if (Float.compare(got[i], expected[i]) != 0) {
                wrong++;
                first = first < 0 ? i : first;
                worst = Math.max(worst, Math.abs((double) got[i] - expected[i]));
            }
        }
        if (wrong == 0) {
            return Optional.empty();
        }
        return Optional.of(wrong + " of " + got.length + " entries wrong (first C[" + first / n + "][" + first % n
                + "] = " + got[first] + ", expected " + expected[first] + "; largest error " + worst + ")");
    }
}
