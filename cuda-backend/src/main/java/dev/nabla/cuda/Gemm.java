package dev.nabla.cuda;

import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.kernels.host.GemmKernel;
import java.util.Optional;

/**
 * GEMM: cuBLAS when the device has it, else the tiled kernel of {@code gemm.c}. F32 operands go
 * to {@code cublasSgemm}; BF16 or F16 operands to {@code cublasGemmEx} with F32 compute and an F32
 * C (the shared kernel where cuBLAS reports the GPU cannot).
 *
 * <p>Row-major to column-major: cuBLAS sees a row-major m×n matrix with leading dimension ld as
 * its transpose, a column-major n×m matrix with the same ld. So {@code C = op(A)·op(B)} is asked
 * for as {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: cuBLAS's first operand is B with B's transposition flag,
 * its second is A with A's, and m and n swap. No data moves. {@link GemmSpec} has no alpha, beta
 * or C layout of its own: cuBLAS gets alpha 1, beta 0 and C contiguous (ldc = n, offset 0).
 *
 * <p>The bias and activation epilogue runs after cuBLAS as one fused kernel:
 * {@link GemmKernel#biasAndActivation}, the GEMM kernel itself with {@code k = 0} and C's old
 * value added, which computes {@code act(C + bias)} for every element. NOTE: an epilogue kernel of
 * its own in {@code gemm.c} would read more plainly; the k = 0 launch reuses the one already
 * compiled and tested.
 */
final class Gemm {

    private Gemm() {
    }

    /** cuBLAS statuses of a GPU that lacks a 16-bit GEMM: CUBLAS_STATUS_NOT_SUPPORTED, CUBLAS_STATUS_ARCH_MISMATCH. */
    private static final int NOT_SUPPORTED = 15;
    private static final int ARCH_MISMATCH = 8;

    /** {@link #gemm(CudaKernels, Optional, GemmSpec, Runnable)} with nothing to release on ALLOC_FAILED. */
    static void gemm(CudaKernels kernels, Optional<Cublas> cublas, GemmSpec g) {
        gemm(kernels, cublas, g, () -> {
        });
    }

    /**
     * {@code releaseCache} returns the caching allocator's cached blocks to the driver: cuBLAS
     * failing with {@code CUBLAS_STATUS_ALLOC_FAILED} (its workspace) is retried once after it.
     */
    static void gemm(CudaKernels kernels, Optional<Cublas> cublas, GemmSpec g, Runnable releaseCache) {
        if (g.m() == 0 || g.n() == 0) {
            return;
        }
        if (cublas.isEmpty() || g.k() == 0) {
            // k == 0: the product is empty and cuBLAS would reject lda = 0; the kernel writes bias and activation alone.
            GemmKernel.gemm(kernels, g);
            return;
        }
        try {
            try {
                sgemm(cublas.get(), g);
            } catch (CudaException e) {
                if (e.code() != GemmPaths.ALLOC_FAILED) {
                    throw e;
                }
                releaseCache.run();
                sgemm(cublas.get(), g);
            }
        } catch (CudaException e) {
            if (g.halfOperands() && kernels != null && (e.code() == NOT_SUPPORTED || e.code() == ARCH_MISMATCH)) {
                // A GPU without BF16 (or F16) GEMMs in cuBLAS: the shared kernel computes the same in F32.
                GemmKernel.gemm(kernels, g);
                return;
            }
            // cuBLAS reports an earlier kernel's fault as its own failure (EXECUTION_FAILED): name that kernel.
            throw kernels == null ? e : new CudaException(e.call(), e.code(), e.getMessage() + "; " + g.m() + "x" + g.n()
                    + "x" + g.k() + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : "")
                    + "; the last kernel launched before it was " + kernels.lastKernel());
        }
        if (kernels != null) { // null only in GemmMappingTest, which drives a fake cuBLAS without a device
            kernels.noteExternal((g.halfOperands() ? "cublasGemmEx " : "cublasSgemm ") + g.m() + "x" + g.n() + "x" + g.k()
                    + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : ""));
        }
        if (g.bias().isPresent() || g.activation() != Activation.NONE) {
            GemmKernel.biasAndActivation(kernels, g.m(), g.n(), g.c(), g.bias(), g.activation());
        }
    }

    private static void sgemm(Cublas cublas, GemmSpec g) {
        if (g.halfOperands()) {
            // 16-bit A and B: cublasGemmEx, F32 compute and an F32 C (the same mapping as below).
            cublas.gemmEx(g.transB(), g.transA(), g.n(), g.m(), g.k(), g.a().dtype(),
                    DeviceBlock.of(g.b()), g.offsetB(), g.ldb(),
                    DeviceBlock.of(g.a()), g.offsetA(), g.lda(),
                    DeviceBlock.of(g.c()), 0, g.n());
            return;
        }
        cublas.sgemm(g.transB(), g.transA(), g.n(), g.m(), g.k(), 1f,
                DeviceBlock.of(g.b()), g.offsetB(), g.ldb(),
                DeviceBlock.of(g.a()), g.offsetA(), g.lda(),
                0f, DeviceBlock.of(g.c()), 0, g.n());
    }
}
