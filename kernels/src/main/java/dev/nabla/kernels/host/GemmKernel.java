package dev.nabla.kernels.host;

import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;
import dev.nabla.kernels.KernelSource;

/**
 * GEMM through the tiled kernel of {@code gemm.c}: one work-group of GEMM_THREADS² items per
 * GEMM_TILE² block of C, the transposition chosen by kernel name, bias and activation applied in
 * the epilogue.
 */
public final class GemmKernel {

    private GemmKernel() {
    }

    /** Runs {@code g} on the shared tiled GEMM kernel. */
    public static void gemm(KernelLauncher kernels, GemmSpec g) {
        if (g.m() == 0 || g.n() == 0) {
            return;
        }
        int tile = KernelSource.GEMM_TILE;
        Storage bias = g.bias().orElse(g.c()); // never read when has_bias is 0, but must be a valid buffer
        kernels.launchGrid(KernelNames.gemm(g.transA(), g.transB()),
                (g.n() + tile - 1) / tile, (g.m() + tile - 1) / tile,
                KernelSource.GEMM_THREADS, KernelSource.GEMM_THREADS,
                g.m(), g.n(), g.k(), g.alpha(),
                g.a(), g.offsetA(), g.lda(),
                g.b(), g.offsetB(), g.ldb(),
                g.beta(), g.c(), g.offsetC(), g.ldc(),
                bias, g.bias().isPresent() ? 1 : 0, g.activation().ordinal());
    }
}
