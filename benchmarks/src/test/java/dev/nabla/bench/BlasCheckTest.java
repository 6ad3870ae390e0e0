package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BlasCheckTest {

    @Test
    void theExpectedProductIsExactWhateverTheSummationOrder() {
        int m = BlasCheck.M;
        int n = BlasCheck.N;
        int k = BlasCheck.K;
        float[] a = BlasCheck.a(m, k);
        float[] b = BlasCheck.b(k, n);
        float[] expected = BlasCheck.expected(m, n, k);
        float[] forward = new float[m * n];
        float[] backward = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float f = 0;
                float r = 0;
                for (int p = 0; p < k; p++) {
                    f += a[i * k + p] * b[p * n + j];
                    r += a[i * k + (k - 1 - p)] * b[(k - 1 - p) * n + j];
                }
                forward[i * n + j] = f;
                backward[i * n + j] = r;
            }
        }
        assertArrayEquals(expected, forward);
        assertArrayEquals(expected, backward);
        assertTrue(java.util.stream.IntStream.range(0, expected.length).filter(i -> expected[i] != 0).count() > expected.length / 2,
                "not a trivial product");
    }

    @Test
    void aMismatchIsNamed() {
        float[] expected = {1, 2, 3, 4};
        assertEquals(Optional.empty(), BlasCheck.mismatch(expected.clone(), expected, 2));
        assertEquals(Optional.of("1 of 4 entries wrong (first C[1][0] = 3.5, expected 3.0; largest error 0.5)"),
                BlasCheck.mismatch(new float[] {1, 2, 3.5f, 4}, expected, 2));
        assertTrue(BlasCheck.mismatch(new float[] {1}, expected, 2).orElseThrow().contains("returned 1 values"));
    }

    /** Python builds the same operands (common.check_operands): NumPy's product is then exactly ours. */
    @Test
    void numpyComputesTheSameCheckGemm() throws Exception {
        PythonEnv.Discovery found = PythonEnv.discover();
        Optional<PythonEnv.Interpreter> python = found.chosen().filter(p -> p.numpy().isPresent());
        Assumptions.assumeTrue(python.isPresent(), "no python3 with numpy: " + found.missing());
        Path scripts = PythonEnv.unpackScripts();
        try (PythonContender numpy = PythonContender.start("numpy", python.get().command(), scripts, "numpy_bench.py", 1)) {
            float[] got = numpy.gemmCheck(BlasCheck.M, BlasCheck.N, BlasCheck.K);
            assertEquals(Optional.empty(), BlasCheck.mismatch(got, BlasCheck.expected(BlasCheck.M, BlasCheck.N, BlasCheck.K),
                    BlasCheck.N));
        }
    }
}
