package dev.nabla.kernels.host;

import dev.nabla.backend.Activation;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.kernels.KernelNames;
import dev.nabla.kernels.KernelSource;
import java.util.Optional;

/**
 * GEMM through the tiled kernel of {@code gemm.c}: one work-group of GEMM_THREADS² items per
 * GEMM_TILE² block of C, the transposition chosen by kernel name, bias and activation applied in
 * the epilogue.
 */
public final class GemmKernel {

    /** CUDA's limit on a grid's y dimension (OpenCL has none this low). */
    public static final int MAX_GRID_Y = 65_535;

    private GemmKernel() {
    }

    static long rowTiles(int m) {
        return (m + (long) KernelSource.GEMM_TILE - 1) / KernelSource.GEMM_TILE;
    }

    /** Runs {@code g} on the shared tiled GEMM kernel; BF16 or F16 A and B are widened as the tiles are loaded. */
    public static void gemm(KernelLauncher kernels, GemmSpec g) {
        launch(kernels, g.transA(), g.transB(), g.m(), g.n(), g.k(), g.a(), g.offsetA(), g.lda(),
                g.b(), g.offsetB(), g.ldb(), g.c(), false, g.bias(), g.activation());
    }

    /**
     * {@code C = act(C + bias)} in place on a contiguous m×n C: the epilogue of a GEMM whose
     * product another library wrote (the CUDA backend's cuBLAS path). The same kernel with
     * {@code k = 0}, so the product term is 0, and C's old value added.
     */
    public static void biasAndActivation(KernelLauncher kernels, int m, int n, Storage c, Optional<Storage> bias,
                                         Activation activation) {
        if (m == 0 || n == 0) {
            return;
        }
        if (rowTiles(m) > MAX_GRID_Y) {
            // CUDA's grid y is at most 65535 blocks and the GEMM kernel puts row tiles there (m above
            // ≈ 4.19M rows): run the epilogue as element-wise passes, whose 1-D grids lie on x.
            Layout whole = new Layout(new int[] {m, n}, new int[] {n, 1}, 0);
            if (bias.isPresent()) {
                Elementwise.binary(kernels, BinaryOp.ADD, c, whole, bias.get(), new Layout(new int[] {m, n}, new int[] {0, 1}, 0), c);
            }
            if (activation == Activation.RELU) {
                Elementwise.unary(kernels, UnaryOp.RELU, 0f, c, whole, c);
            }
            return;
        }
        // C is passed as A and B too; with k = 0 they are never read.
        launch(kernels, false, false, m, n, 0, c, 0, Math.max(1, n), c, 0, Math.max(1, n), c, true, bias, activation);
    }

    private static void launch(KernelLauncher kernels, boolean transA, boolean transB, int m, int n, int k,
                               Storage a, int offsetA, int lda, Storage b, int offsetB, int ldb, Storage c,
                               boolean addC, Optional<Storage> bias, Activation activation) {
        if (m == 0 || n == 0) {
            return;
        }
        int tile = KernelSource.GEMM_TILE;
        Storage biasOrAny = bias.orElse(c); // never read when has_bias is 0, but must be a valid buffer
        kernels.launchGrid(KernelNames.gemm(transA, transB, a.dtype()),
                (n + tile - 1) / tile, (m + tile - 1) / tile,
                KernelSource.GEMM_THREADS, KernelSource.GEMM_THREADS,
                m, n, k,
                a, offsetA, lda,
                b, offsetB, ldb,
                c, addC ? 1 : 0,
                biasOrAny, bias.isPresent() ? 1 : 0, activation.ordinal());
    }
}
