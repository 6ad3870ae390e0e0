package dev.nabla.cuda;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS 12 through JCublas2 ({@code libJCublas2} links {@code libcublas.so.12}). JCublas2's
 * class initializer loads that library: where it is missing the first use throws an
 * {@link UnsatisfiedLinkError}, which {@link GemmPaths} turns into the next path.
 */
final class JCublasGemm implements Cublas {

    private final CudaContext context;
    private final cublasHandle handle = new cublasHandle();
    private final String description;

    /** Creates a handle in the current context, bound to {@code context}'s stream. */
    JCublasGemm(CudaContext context) {
        this.context = context;
        Cublas.check("cublasCreate", JCublas2.cublasCreate(handle));
        Cublas.check("cublasSetStream", JCublas2.cublasSetStream(handle, new cudaStream_t(context.stream())));
        boolean tf32 = Cublas.tf32Requested();
        Cublas.check("cublasSetMathMode", JCublas2.cublasSetMathMode(handle, tf32 ? TF32_TENSOR_OP_MATH : DEFAULT_MATH));
        int[] version = new int[1];
        Cublas.check("cublasGetVersion", JCublas2.cublasGetVersion(handle, version));
        description = "GEMM: cuBLAS " + versionText(version[0]) + " via JCublas2" + (tf32 ? ", TF32 on" : "");
    }

    /** 120603 → 12.6.3 (cuBLAS encodes major·10000 + minor·100 + patch). */
    static String versionText(int version) {
        return version / 10000 + "." + version % 10000 / 100 + "." + version % 100;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                      float beta, DeviceBlock c, long offsetC, int ldc) {
        // Pointer mode is host (the default): cuBLAS reads alpha and beta before returning.
        context.bind();
        Cublas.check("cublasSgemm", JCublas2.cublasSgemm(handle, transA ? OP_T : OP_N, transB ? OP_T : OP_N,
                m, n, k, Pointer.to(new float[] {alpha}),
                a.pointer().withByteOffset(4L * offsetA), lda,
                b.pointer().withByteOffset(4L * offsetB), ldb,
                Pointer.to(new float[] {beta}),
                c.pointer().withByteOffset(4L * offsetC), ldc));
    }

    @Override
    public void gemmEx(boolean transA, boolean transB, int m, int n, int k, dev.nabla.DType operands,
                       DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                       DeviceBlock c, long offsetC, int ldc) {
        context.bind();
        int type = Cublas.dataType(operands);
        int bytes = operands.byteSize();
        Cublas.check("cublasGemmEx", JCublas2.cublasGemmEx(handle, transA ? OP_T : OP_N, transB ? OP_T : OP_N,
                m, n, k, Pointer.to(new float[] {1f}),
                a.pointer().withByteOffset(bytes * offsetA), type, lda,
                b.pointer().withByteOffset(bytes * offsetB), type, ldb,
                Pointer.to(new float[] {0f}),
                c.pointer().withByteOffset(4L * offsetC), Cublas.dataType(dev.nabla.DType.F32), ldc,
                COMPUTE_32F, GEMM_DEFAULT));
    }

    @Override
    public String description() {
        return description;
    }
}
