package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 16-bit GEMM operands widened block by block inside the packing (no F32 copy of an operand)
 * against the same product with the operands widened whole first: the packed panels hold the same
 * F32 values, so C must agree to the bit, for BF16 and F16, every transposition, offsets and padded
 * leading dimensions, bias and ReLU, and blocks smaller than the operands (several KC, MC and NC
 * blocks, partial last blocks, edge tiles).
 */
class HalfGemmTest {

    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(29);

    @AfterEach
    void restore() {
        CpuBackend.widenWholeOperands = false;
        Gemm.blocking = Gemm.DEFAULT_BLOCKING;
    }

    @Test
    void blockWiseWideningGivesTheWholeWideningsBits() {
        int[][] shapes = {{37, 45, 53}, {64, 70, 33}, {130, 97, 301}, {9, 200, 41}, {203, 40, 250}};
        Gemm.Blocking[] blockings = {Gemm.DEFAULT_BLOCKING,
                new Gemm.Blocking(24, Gemm.MR * 3, Gemm.NR * 2, Gemm.ROW_MAJOR_TILES),
                new Gemm.Blocking(40, Gemm.MR * 5, Gemm.NR * 3, 1)};
        int checked = 0;
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            for (Gemm.Blocking blocking : blockings) {
                Gemm.blocking = blocking;
                for (int[] s : shapes) {
                    for (int t = 0; t < 4; t++) {
                        boolean transA = (t & 1) != 0;
                        boolean transB = (t & 2) != 0;
                        boolean strided = (s[0] + t) % 2 == 0;
                        boolean epilogue = (s[1] + t) % 3 == 0;
                        checked += check(dtype, transA, transB, s[0], s[1], s[2], strided, epilogue) ? 1 : 0;
                    }
                }
            }
        }
        // Guards the test itself: the shapes above must take the packed path that widens in blocks.
        assertEquals(2 * 3 * 5 * 4, checked);
    }

    @Test
    void onlyThePackedPathReadsHalvesInPlace() {
        Storage a = new HeapStorage(DType.BF16, 2 * 8);
        Storage b = new HeapStorage(DType.BF16, 8 * 10);
        Storage c = new HeapStorage(DType.F32, 2 * 10);
        GemmSpec rows = GemmSpec.of(false, false, 2, 10, 8, a, b, c);
        assertFalse(Gemm.packs(rows));
        var error = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(rows, Gemm.Path.ROWS));
        assertTrue(error.getMessage().contains("16-bit"), error.getMessage());
        // Through the backend the same product is widened first, and agrees with F32 operands.
        cpu.gemm(rows);
    }

    /** Returns whether the case took the block-wise path (it must, for the shapes above). */
    private boolean check(DType dtype, boolean transA, boolean transB, int m, int n, int k, boolean strided,
                          boolean epilogue) {
        int rowsA = transA ? k : m;
        int colsA = transA ? m : k;
        int rowsB = transB ? n : k;
        int colsB = transB ? k : n;
        int lda = colsA + (strided ? 3 : 0);
        int ldb = colsB + (strided ? 5 : 0);
        int offsetA = strided ? 7 : 0;
        int offsetB = strided ? 2 : 0;
        Storage a = halves(dtype, offsetA + rowsA * lda);
        Storage b = halves(dtype, offsetB + rowsB * ldb);
        Optional<Storage> bias = epilogue ? Optional.of(halves(dtype, n)) : Optional.empty();
        Activation activation = epilogue ? Activation.RELU : Activation.NONE;
        Storage blockWise = new HeapStorage(DType.F32, (long) m * n);
        Storage whole = new HeapStorage(DType.F32, (long) m * n);
        GemmSpec spec = new GemmSpec(transA, transB, m, n, k, a, offsetA, lda, b, offsetB, ldb, blockWise, bias,
                activation);
        boolean packs = Gemm.packs(spec);
        CpuBackend.widenWholeOperands = false;
        cpu.gemm(spec);
        CpuBackend.widenWholeOperands = true;
        cpu.gemm(new GemmSpec(transA, transB, m, n, k, a, offsetA, lda, b, offsetB, ldb, whole, bias, activation));
        CpuBackend.widenWholeOperands = false;
        float[] x = HeapStorage.floats(blockWise);
        float[] y = HeapStorage.floats(whole);
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                throw new AssertionError(dtype + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n
                        + "x" + k + (strided ? " strided" : "") + (epilogue ? " bias+relu" : "") + " blocks "
                        + Gemm.blocking + ": C[" + i / n + "][" + i % n + "] block-wise " + x[i] + ", whole " + y[i]);
            }
        }
        return packs;
    }

    /** Uniform values in [-2, 2) rounded to {@code dtype}, NaN-free. */
    private Storage halves(DType dtype, int count) {
        HeapStorage storage = new HeapStorage(dtype, count);
        short[] bits = HeapStorage.shorts(storage);
        for (int i = 0; i < count; i++) {
            bits[i] = HalfPrecision.fromFloat(dtype, (float) (random.nextDouble() * 4 - 2));
        }
        return storage;
    }
}
