package dev.nabla.cuda;

import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;
import dev.nabla.kernels.KernelSource;
import java.util.Optional;

/**
 * GEMM: cuBLAS when the device has it, else the tiled kernel of {@code gemm.c}.
 *
 * <p>Row-major to column-major: cuBLAS sees a row-major m×n matrix with leading dimension ld as
 * its transpose, a column-major n×m matrix with the same ld. So {@code C = op(A)·op(B)} is asked
 * for as {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: cuBLAS's first operand is B with B's transposition flag,
 * its second is A with A's, and m and n swap. No data moves.
 *
 * <p>The bias and activation epilogue runs after cuBLAS as one fused kernel: the GEMM kernel
 * itself with {@code k = 0}, which computes {@code act(0 + 1·C + bias)} for every element, at
 * C's offset and leading dimension. NOTE: an epilogue kernel of its own in {@code gemm.c} would
 * read more plainly; the k = 0 launch reuses the one already compiled and tested.
 */
final class Gemm {

    private Gemm() {
    }

    static void gemm(CudaKernels kernels, Optional<Cublas> cublas, GemmSpec g) {
        if (g.m() == 0 || g.n() == 0) {
            return;
        }
        if (cublas.isEmpty()) {
            launch(kernels, g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(),
                    g.a(), g.offsetA(), g.lda(), g.b(), g.offsetB(), g.ldb(), g.beta(),
                    g.c(), g.offsetC(), g.ldc(), g.bias(), g.activation());
            return;
        }
        if (g.k() == 0) {
            // cuBLAS would scale C by beta; the kernel does that and the epilogue in one pass.
            launch(kernels, false, false, g.m(), g.n(), 0, 0f, g.c(), g.offsetC(), g.ldc(), g.c(), g.offsetC(), g.ldc(),
                    g.beta(), g.c(), g.offsetC(), g.ldc(), g.bias(), g.activation());
            return;
        }
        try {
            cublas.get().sgemm(g.transB(), g.transA(), g.n(), g.m(), g.k(), g.alpha(),
                    DeviceBlock.of(g.b()), g.offsetB(), g.ldb(),
                    DeviceBlock.of(g.a()), g.offsetA(), g.lda(),
                    g.beta(), DeviceBlock.of(g.c()), g.offsetC(), g.ldc());
        } catch (CudaException e) {
            // cuBLAS reports an earlier kernel's fault as its own failure (EXECUTION_FAILED): name that kernel.
            throw kernels == null ? e : new CudaException(e.call(), e.code(), e.getMessage() + "; " + g.m() + "x" + g.n()
                    + "x" + g.k() + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : "")
                    + "; the last kernel launched before it was " + kernels.lastKernel());
        }
        if (kernels != null) { // null only in GemmMappingTest, which drives a fake cuBLAS without a device
            kernels.noteExternal("cublasSgemm " + g.m() + "x" + g.n() + "x" + g.k()
                    + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : ""));
        }
        if (g.bias().isPresent() || g.activation() != Activation.NONE) {
            // k = 0: the accumulator stays 0, so the kernel computes act(1·C + bias) in place.
            // C is passed as A and B too; with k = 0 they are never read.
            launch(kernels, false, false, g.m(), g.n(), 0, 0f, g.c(), g.offsetC(), g.ldc(), g.c(), g.offsetC(), g.ldc(),
                    1f, g.c(), g.offsetC(), g.ldc(), g.bias(), g.activation());
        }
    }

    private static void launch(CudaKernels kernels, boolean transA, boolean transB, int m, int n, int k, float alpha,
                               Storage a, int offsetA, int lda, Storage b, int offsetB, int ldb, float beta,
                               Storage c, int offsetC, int ldc, Optional<Storage> bias, Activation activation) {
        dev.nabla.kernels.host.GemmKernel.gemm(kernels, new dev.nabla.backend.GemmSpec(transA, transB, m, n, k, alpha,
                a, offsetA, lda, b, offsetB, ldb, beta, c, offsetC, ldc, bias, activation));
    }
}
