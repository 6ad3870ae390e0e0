package dev.nabla.cuda;

/**
 * cuBLAS's SGEMM as the backend uses it, in cuBLAS's own column-major terms, whichever binding
 * provides it: {@link JCublasGemm} (JCublas2 over {@code libcublas.so.12}) or
 * {@link ForeignCublas} ({@code java.lang.foreign} over {@code libcublas.so.13}).
 */
interface Cublas {

    /**
     * Column-major {@code C = alpha · op(A) · op(B) + beta · C}, queued on the device's stream;
     * {@code op(A)} is m×k, {@code op(B)} k×n. Operands are device addresses of the first element.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
               float beta, DeviceBlock c, long offsetC, int ldc);

    /**
     * Column-major {@code C = op(A) · op(B)} with A and B of 16-bit {@code operands} (BF16 or F16)
     * and an F32 C, products and sums in F32: {@code cublasGemmEx} with
     * {@code CUBLAS_COMPUTE_32F} (tensor cores where the GPU has them), alpha 1, beta 0. Both
     * bindings implement it; the default is for tests' stand-ins that only ever see F32.
     */
    default void gemmEx(boolean transA, boolean transB, int m, int n, int k, dev.nabla.DType operands,
                        DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                        DeviceBlock c, long offsetC, int ldc) {
        throw new UnsupportedOperationException(description() + " has no cublasGemmEx binding");
    }

    /** {@code cudaDataType_t} of {@code dtype}: CUDA_R_32F 0, CUDA_R_16F 2, CUDA_R_16BF 14. */
    static int dataType(dev.nabla.DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 2;
            case BF16 -> 14;
            case I32 -> throw new IllegalArgumentException("cublasGemmEx: no GEMM of I32 operands");
        };
    }

    /** {@code CUBLAS_COMPUTE_32F}: F32 products and accumulation whatever the operands. */
    int COMPUTE_32F = 68;
    /** {@code CUBLAS_GEMM_DEFAULT}: cuBLAS picks the algorithm (tensor cores included). */
    int GEMM_DEFAULT = -1;

    /** For DeviceInfo: {@code cuBLAS 13.0.2 via java.lang.foreign (/path/libcublas.so.13)}. */
    String description();

    /** cuBLAS's math mode: TF32 tensor cores ({@code CUBLAS_TF32_TENSOR_OP_MATH}) are opt-in. */
    int DEFAULT_MATH = 0;
    int TF32_TENSOR_OP_MATH = 3;
    int OP_N = 0;
    int OP_T = 1;

    /** {@code cublasStatus_t} names, for messages. */
    static String statusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus " + status;
        } + " (" + status + ")";
    }

    static void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, call + " failed: " + statusName(status));
        }
    }

    /** TF32 only when asked for: it rounds the inputs to 10 mantissa bits (PyTorch's default for matmul is off too). */
    static boolean tf32Requested() {
        return "1".equals(System.getenv("NABLA_TF32"));
    }
}
