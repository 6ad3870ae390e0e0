package dev.nabla.cpu;

import static dev.nabla.cpu.Fixtures.assertClose;
import static dev.nabla.cpu.Fixtures.randomStorage;

import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both SGEMM paths (packed and row-by-row) against the reference triple loop: every transpose
 * case, edge tiles of every size class, padded leading dimensions and offsets, alpha/beta, the
 * epilogue, and blocks larger than one KC/MC/NC block.
 */
class GemmTest {

    private static final int[] SIZES = {1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 64, 65, 70};

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(11);

    /** Operands of one comparison; C starts as {@code initialC} for both backends. */
    private record Case(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                        int padA, int padB, int padC, int offsetA, int offsetB, int offsetC,
                        boolean withBias, Activation activation, boolean nanC) {
    }

    @Test
    void everySizeAndTransposeCombination() {
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int m : SIZES) {
                    for (int n : SIZES) {
                        for (int k : SIZES) {
                            check(new Case(transA, transB, m, n, k, 1f, 0f, 0, 0, 0, 0, 0, 0,
                                    false, Activation.NONE, true));
                        }
                    }
                }
            }
        }
    }

    /**
     * Every size from 1 to 70 in each dimension in turn (the others held at sizes that leave edge
     * tiles: 37 and 45, or 70), every transposition, once on contiguous operands and once on
     * strided views (padded leading dimensions, offsets), with alpha, beta, bias and ReLU.
     */
    @Test
    void everySizeUpTo70InEachDimension() {
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int d = 1; d <= 70; d++) {
                    int[][] shapes = {{d, 37, 45}, {29, d, 45}, {29, 37, d}, {d, 70, 70}, {70, d, 70}, {70, 70, d}};
                    for (int[] s : shapes) {
                        check(new Case(transA, transB, s[0], s[1], s[2], 1f, 0f, 0, 0, 0, 0, 0, 0,
                                false, Activation.NONE, true));
                    }
                    check(new Case(transA, transB, d, 33, 70, 0.5f, 1.5f, 3, 17, 5, 7, 1, 4,
                            true, Activation.RELU, false));
                    check(new Case(transA, transB, 33, d, 70, 1f, 0f, 16, 1, 2, 0, 5, 1,
                            true, Activation.NONE, true));
                    check(new Case(transA, transB, 40, 35, d, -1f, 0.5f, 1, 32, 0, 3, 0, 2,
                            false, Activation.RELU, false));
                }
            }
        }
    }

    /** A block of C too large for the caches: tiles are walked row by row ({@link Gemm#ROW_MAJOR_TILES}). */
    @Test
    void hugeOutputWalkedByTileRows() {
        int side = (int) Math.sqrt((double) Gemm.ROW_MAJOR_TILES * CpuThreads.threads()) + 40;
        check(new Case(false, true, side, side + 5, 19, 1f, 0.5f, 0, 1, 3, 0, 0, 0, true, Activation.RELU, false));
    }

    @Test
    void leadingDimensionsOffsetsAlphaAndBeta() {
        int[] sizes = {1, 3, 17, 33, 70};
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int m : sizes) {
                    for (int n : sizes) {
                        for (int k : sizes) {
                            check(new Case(transA, transB, m, n, k, 1.5f, 0.5f, 3, 5, 7, 2, 9, 4,
                                    false, Activation.NONE, false));
                            check(new Case(transA, transB, m, n, k, -0.75f, 0f, 1, 0, 2, 1, 0, 3,
                                    true, Activation.RELU, true));
                        }
                    }
                }
            }
        }
    }

    @Test
    void biasAndEveryActivation() {
        for (Activation activation : Activation.values()) {
            for (int[] s : new int[][] {{7, 33, 5}, {64, 64, 64}, {70, 65, 300}, {9, 1100, 40}}) {
                check(new Case(false, false, s[0], s[1], s[2], 1f, 0f, 0, 0, 0, 0, 0, 0, true, activation, true));
                check(new Case(true, true, s[0], s[1], s[2], 0.5f, 1f, 2, 3, 1, 5, 6, 7, true, activation, false));
            }
        }
    }

    @Test
    void emptyDepthLeavesBetaBiasAndActivation() {
        check(new Case(false, false, 5, 17, 0, 1f, 0.5f, 0, 0, 0, 0, 0, 0, true, Activation.SIGMOID, false));
        check(new Case(false, true, 5, 17, 0, 1f, 0f, 0, 0, 0, 0, 0, 0, false, Activation.NONE, true));
    }

    @Test
    void largeMultiBlockProblems() {
        check(new Case(false, false, 300, 500, 257, 1f, 0f, 0, 0, 0, 0, 0, 0, false, Activation.NONE, true));
        check(new Case(true, false, 300, 500, 257, 1f, 1f, 0, 0, 0, 0, 0, 0, true, Activation.GELU, false));
        check(new Case(false, true, 257, 1030, 520, 2f, 0f, 3, 1, 2, 1, 2, 3, true, Activation.RELU, true));
        check(new Case(true, true, 130, 300, 600, 1f, 0.25f, 0, 0, 0, 0, 0, 0, false, Activation.TANH, false));
        check(new Case(false, false, 3, 2000, 100, 1f, 0f, 0, 0, 0, 0, 0, 0, true, Activation.NONE, true));
        check(new Case(false, true, 500, 40, 33, 1f, 0f, 0, 0, 0, 0, 0, 0, true, Activation.SIGMOID, true));
    }

    @Test
    void gemmInsideAPoolThreadRunsSerially() {
        // A kernel called from a pool thread must not wait on the pool it occupies.
        float[][] results = new float[2][];
        CpuThreads.parallelFor(2, chunk -> {
            Storage a = Fixtures.floats(Fixtures.uniform(new SplittableRandom(chunk), 200 * 300, 1));
            Storage b = Fixtures.floats(Fixtures.uniform(new SplittableRandom(chunk + 10), 300 * 250, 1));
            HeapStorage expected = Fixtures.zeros(200 * 250);
            HeapStorage actual = Fixtures.zeros(200 * 250);
            reference.gemm(GemmSpec.of(false, false, 200, 250, 300, a, b, expected));
            cpu.gemm(GemmSpec.of(false, false, 200, 250, 300, a, b, actual));
            assertClose("nested gemm " + chunk, expected, actual, 1e-3, 1e-5);
            results[chunk] = actual.floats();
        });
        org.junit.jupiter.api.Assertions.assertNotNull(results[1]);
    }

    private void check(Case t) {
        int rowsA = t.transA() ? t.k() : t.m();
        int colsA = t.transA() ? t.m() : t.k();
        int rowsB = t.transB() ? t.n() : t.k();
        int colsB = t.transB() ? t.k() : t.n();
        int lda = colsA + t.padA();
        int ldb = colsB + t.padB();
        int ldc = t.n() + t.padC();
        Storage a = randomStorage(random, t.offsetA() + rowsA * lda + 1, 1);
        Storage b = randomStorage(random, t.offsetB() + rowsB * ldb + 1, 1);
        HeapStorage initialC = randomStorage(random, t.offsetC() + t.m() * ldc + 3, 1);
        float[] initial = initialC.floats();
        if (t.nanC()) {
            // beta == 0: C is not read, so NaN in it must not leak; padding must not be written.
            for (int i = 0; i < t.m(); i++) {
                for (int j = 0; j < t.n(); j++) {
                    initial[t.offsetC() + i * ldc + j] = Float.NaN;
                }
            }
        }
        Optional<Storage> bias = t.withBias() ? Optional.of(randomStorage(random, t.n(), 1)) : Optional.empty();
        HeapStorage expected = Fixtures.floats(initial.clone());
        reference.gemm(spec(t, a, lda, b, ldb, expected, ldc, bias));
        // NOTE: float accumulation of k products of size ≤ 1 against the reference's double sum.
        double absolute = 2e-6 * (t.k() + 1) * (Math.abs(t.alpha()) + Math.abs(t.beta()) + 1);
        HeapStorage actual = Fixtures.floats(initial.clone());
        cpu.gemm(spec(t, a, lda, b, ldb, actual, ldc, bias));
        assertClose(t.toString(), expected, actual, absolute, 1e-5);
        // Every strategy on every shape, whichever one the size selects.
        // DOTS applies to transposed B only; otherwise it takes the row path.
        for (Gemm.Path path : new Gemm.Path[] {Gemm.Path.PACKED, Gemm.Path.ROWS, Gemm.Path.DOTS}) {
            HeapStorage forced = Fixtures.floats(initial.clone());
            Gemm.gemm(spec(t, a, lda, b, ldb, forced, ldc, bias), path);
            assertClose(path + " " + t, expected, forced, absolute, 1e-5);
        }
        // op(A) packed by in-register transposes and by gathers: the same panels, bit for bit.
        HeapStorage transposed = Fixtures.floats(initial.clone());
        Gemm.gemm(spec(t, a, lda, b, ldb, transposed, ldc, bias), Gemm.Path.PACKED);
        HeapStorage gathered = Fixtures.floats(initial.clone());
        Gemm.useTransposePackA = false;
        try {
            Gemm.gemm(spec(t, a, lda, b, ldb, gathered, ldc, bias), Gemm.Path.PACKED);
        } finally {
            Gemm.useTransposePackA = true;
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(gathered.floats(), transposed.floats(), "packA " + t);
    }

    private static GemmSpec spec(Case t, Storage a, int lda, Storage b, int ldb, Storage c, int ldc,
                                 Optional<Storage> bias) {
        return new GemmSpec(t.transA(), t.transB(), t.m(), t.n(), t.k(), t.alpha(),
                a, t.offsetA(), lda, b, t.offsetB(), ldb, t.beta(), c, t.offsetC(), ldc, bias, t.activation());
    }
}
