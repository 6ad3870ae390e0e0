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
 * case, edge tiles of every size class, padded leading dimensions and offsets of A and B, the
 * epilogue, and blocks larger than one KC/MC/NC block.
 */
class GemmTest {

    private static final int[] SIZES = {1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 64, 65, 70};

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private SplittableRandom random = new SplittableRandom(11);

    /** Operands of one comparison; C is contiguous m×n and starts as NaN for both backends. */
    private record Case(boolean transA, boolean transB, int m, int n, int k,
                        int padA, int padB, int offsetA, int offsetB,
                        boolean withBias, Activation activation) {
    }

    @Test
    void everySizeAndTransposeCombination() {
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int m : SIZES) {
                    for (int n : SIZES) {
                        for (int k : SIZES) {
                            check(new Case(transA, transB, m, n, k, 0, 0, 0, 0, false, Activation.NONE));
                        }
                    }
                }
            }
        }
    }

    /**
     * Every size from 1 to 70 in each dimension in turn (the others held at sizes that leave edge
     * tiles: 37 and 45, or 70), every transposition, once on contiguous operands and once on
     * strided views (padded leading dimensions, offsets), with bias and ReLU.
     */
    @Test
    void everySizeUpTo70InEachDimension() {
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int d = 1; d <= 70; d++) {
                    int[][] shapes = {{d, 37, 45}, {29, d, 45}, {29, 37, d}, {d, 70, 70}, {70, d, 70}, {70, 70, d}};
                    for (int[] s : shapes) {
                        check(new Case(transA, transB, s[0], s[1], s[2], 0, 0, 0, 0, false, Activation.NONE));
                    }
                    check(new Case(transA, transB, d, 33, 70, 3, 17, 7, 1, true, Activation.RELU));
                    check(new Case(transA, transB, 33, d, 70, 16, 1, 0, 5, true, Activation.NONE));
                    check(new Case(transA, transB, 40, 35, d, 1, 32, 3, 0, false, Activation.RELU));
                }
            }
        }
    }

    /** A block of C too large for the caches: tiles are walked row by row ({@link Gemm#ROW_MAJOR_TILES}). */
    @Test
    void hugeOutputWalkedByTileRows() {
        int side = (int) Math.sqrt((double) Gemm.ROW_MAJOR_TILES * CpuThreads.threads()) + 40;
        check(new Case(false, true, side, side + 5, 19, 0, 1, 0, 0, true, Activation.RELU));
    }

    @Test
    void leadingDimensionsAndOffsets() {
        int[] sizes = {1, 3, 17, 33, 70};
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int m : sizes) {
                    for (int n : sizes) {
                        for (int k : sizes) {
                            check(new Case(transA, transB, m, n, k, 3, 5, 2, 9, false, Activation.NONE));
                            check(new Case(transA, transB, m, n, k, 1, 0, 1, 0, true, Activation.RELU));
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
                check(new Case(false, false, s[0], s[1], s[2], 0, 0, 0, 0, true, activation));
                check(new Case(true, true, s[0], s[1], s[2], 2, 3, 5, 6, true, activation));
            }
        }
    }

    @Test
    void emptyDepthLeavesBiasAndActivation() {
        check(new Case(false, false, 5, 17, 0, 0, 0, 0, 0, true, Activation.RELU));
        check(new Case(false, true, 5, 17, 0, 0, 0, 0, 0, false, Activation.NONE));
    }

    @Test
    void largeMultiBlockProblems() {
        check(new Case(false, false, 300, 500, 257, 0, 0, 0, 0, false, Activation.NONE));
        check(new Case(true, false, 300, 500, 257, 0, 0, 0, 0, true, Activation.RELU));
        check(new Case(false, true, 257, 1030, 520, 3, 1, 1, 2, true, Activation.RELU));
        check(new Case(true, true, 130, 300, 600, 0, 0, 0, 0, false, Activation.RELU));
        check(new Case(false, false, 3, 2000, 100, 0, 0, 0, 0, true, Activation.NONE));
        check(new Case(false, true, 500, 40, 33, 0, 0, 0, 0, true, Activation.RELU));
    }

    /**
     * Every micro-kernel shape, on this JVM's vectors: the same blocking gives the same order of
     * additions for each C element, so the results must agree to the bit (and with the reference).
     */
    @Test
    void everyKernelShapeGivesTheSameBits() {
        int[][] shapes = {{9, 70, 300}, {70, 33, 600}, {100, 129, 1030}};
        for (int[] s : shapes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    Case t = new Case(transA, transB, s[0], s[1], s[2], 1, 2, 3, 1, true, Activation.RELU);
                    float[] first = null;
                    for (KernelShape shape : KernelShape.values()) {
                        Gemm.shape = shape;
                        random = new SplittableRandom(s[2]); // the same operands for every shape
                        try {
                            float[] result = check(t);
                            if (first == null) {
                                first = result;
                            } else {
                                org.junit.jupiter.api.Assertions.assertArrayEquals(first, result, shape + " " + t);
                            }
                        } finally {
                            Gemm.shape = Gemm.SHAPE;
                        }
                    }
                }
            }
        }
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

    /** Compares every path with the reference on {@code t}; returns the packed path's result. */
    private float[] check(Case t) {
        int rowsA = t.transA() ? t.k() : t.m();
        int colsA = t.transA() ? t.m() : t.k();
        int rowsB = t.transB() ? t.n() : t.k();
        int colsB = t.transB() ? t.k() : t.n();
        int lda = colsA + t.padA();
        int ldb = colsB + t.padB();
        Storage a = randomStorage(random, t.offsetA() + rowsA * lda + 1, 1);
        Storage b = randomStorage(random, t.offsetB() + rowsB * ldb + 1, 1);
        HeapStorage initialC = randomStorage(random, t.m() * t.n() + 3, 1);
        float[] initial = initialC.floats();
        // C is never read, so NaN in it must not leak; the floats past m×n must not be written.
        java.util.Arrays.fill(initial, 0, t.m() * t.n(), Float.NaN);
        Optional<Storage> bias = t.withBias() ? Optional.of(randomStorage(random, t.n(), 1)) : Optional.empty();
        HeapStorage expected = Fixtures.floats(initial.clone());
        reference.gemm(spec(t, a, lda, b, ldb, expected, bias));
        // NOTE: float accumulation of k products of size ≤ 1 against the reference's double sum.
        double absolute = 4e-6 * (t.k() + 1);
        HeapStorage actual = Fixtures.floats(initial.clone());
        cpu.gemm(spec(t, a, lda, b, ldb, actual, bias));
        assertClose(t.toString(), expected, actual, absolute, 1e-5);
        // Every strategy on every shape, whichever one the size selects.
        // DOTS applies to transposed B only; otherwise it takes the row path.
        for (Gemm.Path path : new Gemm.Path[] {Gemm.Path.PACKED, Gemm.Path.ROWS, Gemm.Path.DOTS}) {
            HeapStorage forced = Fixtures.floats(initial.clone());
            Gemm.gemm(spec(t, a, lda, b, ldb, forced, bias), path);
            assertClose(path + " " + t, expected, forced, absolute, 1e-5);
        }
        // op(A) packed by in-register transposes and by gathers: the same panels, bit for bit.
        HeapStorage transposed = Fixtures.floats(initial.clone());
        Gemm.gemm(spec(t, a, lda, b, ldb, transposed, bias), Gemm.Path.PACKED);
        HeapStorage gathered = Fixtures.floats(initial.clone());
        Gemm.useTransposePackA = false;
        try {
            Gemm.gemm(spec(t, a, lda, b, ldb, gathered, bias), Gemm.Path.PACKED);
        } finally {
            Gemm.useTransposePackA = true;
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(gathered.floats(), transposed.floats(), "packA " + t);
        return transposed.floats();
    }

    private static GemmSpec spec(Case t, Storage a, int lda, Storage b, int ldb, Storage c,
                                 Optional<Storage> bias) {
        return new GemmSpec(t.transA(), t.transB(), t.m(), t.n(), t.k(),
                a, t.offsetA(), lda, b, t.offsetB(), ldb, c, bias, t.activation());
    }
}
