package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.kernels.host.DeviceStorage;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The row-major → column-major mapping of {@link Gemm} (operands swapped, m and n swapped, each
 * operand keeping its own transposition flag), checked against a host column-major SGEMM that
 * stands in for cuBLAS: every transposition, offsets of A and B, and leading dimensions wider than
 * the matrix; C is contiguous, written but never read (alpha 1, beta 0).
 */
class GemmMappingTest {

    /** A column-major reference SGEMM over host arrays, addressed the way cuBLAS addresses device memory. */
    static final class HostCublas implements Cublas {
        final Map<Long, float[]> memory = new HashMap<>();

        DeviceStorage<DeviceBlock> storage(float[] data) {
            long address = (memory.size() + 1L) << 32;
            memory.put(address, data);
            return new DeviceStorage<>(DType.F32, data.length, new DeviceBlock(null, address), 4L * data.length);
        }

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                          float beta, DeviceBlock c, long offsetC, int ldc) {
            float[] av = memory.get(a.address(0));
            float[] bv = memory.get(b.address(0));
            float[] cv = memory.get(c.address(0));
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    float sum = 0;
                    for (int p = 0; p < k; p++) {
                        // Column-major: element (row, col) of a matrix with leading dimension ld is at row + col*ld.
                        float x = transA ? av[(int) offsetA + p + i * lda] : av[(int) offsetA + i + p * lda];
                        float y = transB ? bv[(int) offsetB + j + p * ldb] : bv[(int) offsetB + p + j * ldb];
                        sum += x * y;
                    }
                    int index = (int) offsetC + i + j * ldc;
                    cv[index] = alpha * sum + (beta == 0 ? 0 : beta * cv[index]);
                }
            }
        }

        @Override
        public String description() {
            return "host";
        }
    }

    @Test
    void rowMajorGemmMatchesTheDefinitionForEveryTransposition() {
        int m = 3;
        int n = 4;
        int k = 5;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                HostCublas cublas = new HostCublas();
                // Leading dimensions two wider than needed and offsets of 1 and 2: nothing may assume packing.
                int lda = (transA ? m : k) + 2;
                int ldb = (transB ? k : n) + 2;
                float[] a = pattern(1 + (transA ? k : m) * lda, 0.5f);
                float[] b = pattern(2 + (transB ? n : k) * ldb, -0.25f);
                // C is m×n from offset 0 and never read: NaN must not leak; the two floats past it stay.
                float[] c = pattern(m * n + 2, 1f);
                java.util.Arrays.fill(c, 0, m * n, Float.NaN);
                float[] expected = c.clone();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float sum = 0;
                        for (int p = 0; p < k; p++) {
                            // GemmSpec: A[i][p] = a[offsetA + i*lda + p], or a[offsetA + p*lda + i] with transA.
                            float x = transA ? a[1 + p * lda + i] : a[1 + i * lda + p];
                            float y = transB ? b[2 + j * ldb + p] : b[2 + p * ldb + j];
                            sum += x * y;
                        }
                        expected[i * n + j] = sum;
                    }
                }
                GemmSpec spec = new GemmSpec(transA, transB, m, n, k,
                        cublas.storage(a), 1, lda, cublas.storage(b), 2, ldb,
                        cublas.storage(c), Optional.empty(), Activation.NONE);
                Gemm.gemm(null, Optional.of(cublas), spec); // no epilogue, so no kernel is launched
                for (int i = 0; i < c.length; i++) {
                    assertEquals(expected[i], c[i], 1e-5f, "transA=" + transA + " transB=" + transB + " element " + i);
                }
            }
        }
    }

    private static float[] pattern(int length, float scale) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = scale * ((i * 7 % 11) - 5);
        }
        return values;
    }

    @Test
    void aCublasFailureNamesTheShapeAndTheLastKernel() {
        HostCublas host = new HostCublas();
        Cublas failing = new Cublas() {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBlock a,
                              long offsetA, int lda, DeviceBlock b, long offsetB, int ldb, float beta, DeviceBlock c,
                              long offsetC, int ldc) {
                Cublas.check("cublasSgemm_v2", 13);
            }

            @Override
            public String description() {
                return "failing";
            }
        };
        // No driver call: the launcher is only asked for the last kernel's name.
        CudaKernels kernels = new CudaKernels(null, new jcuda.driver.CUmodule(), new jcuda.driver.CUstream(), "cuda:0 (test)");
        GemmSpec spec = new GemmSpec(true, false, 2, 3, 4, host.storage(new float[8]), 0, 2,
                host.storage(new float[12]), 0, 3, host.storage(new float[6]), Optional.empty(), Activation.NONE);
        var e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> Gemm.gemm(kernels, Optional.of(failing), spec));
        assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_EXECUTION_FAILED (13); 2x3x4 Aᵀ; the last kernel launched "
                + "before it was (none yet)", e.getMessage());
        assertEquals(13, e.code());
    }

    @Test
    void aCublasAllocationFailureReleasesTheCacheAndRetriesOnce() {
        HostCublas host = new HostCublas();
        int[] calls = new int[1];
        Cublas flaky = new Cublas() {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBlock a,
                              long offsetA, int lda, DeviceBlock b, long offsetB, int ldb, float beta, DeviceBlock c,
                              long offsetC, int ldc) {
                if (calls[0]++ == 0) {
                    Cublas.check("cublasSgemm_v2", 3); // CUBLAS_STATUS_ALLOC_FAILED: its workspace
                }
            }

            @Override
            public String description() {
                return "flaky";
            }
        };
        GemmSpec spec = new GemmSpec(false, false, 2, 3, 4, host.storage(new float[8]), 0, 4,
                host.storage(new float[12]), 0, 3, host.storage(new float[6]), Optional.empty(), Activation.NONE);
        int[] releases = new int[1];
        Gemm.gemm(null, Optional.of(flaky), spec, () -> releases[0]++);
        assertEquals(2, calls[0]);
        assertEquals(1, releases[0]);

        calls[0] = -5; // fails every time from here: one retry, then the error
        Cublas failing = new Cublas() {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBlock a,
                              long offsetA, int lda, DeviceBlock b, long offsetB, int ldb, float beta, DeviceBlock c,
                              long offsetC, int ldc) {
                calls[0]++;
                Cublas.check("cublasSgemm_v2", 3);
            }

            @Override
            public String description() {
                return "failing";
            }
        };
        calls[0] = 0;
        var e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> Gemm.gemm(null, Optional.of(failing), spec, () -> releases[0]++));
        assertEquals(3, e.code());
        assertEquals(2, calls[0]);
        assertEquals(2, releases[0]);
    }
}
