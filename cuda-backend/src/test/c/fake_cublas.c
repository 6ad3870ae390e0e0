/*
 * A stand-in for libcublas.so.13 with the C signatures of cublas_api.h, for ForeignCublasTest:
 * it checks the arguments the way cuBLAS does (CUBLAS_STATUS_INVALID_VALUE for a bad leading
 * dimension, an unknown handle or operation) and runs a column-major SGEMM on host memory, so the
 * java.lang.foreign binding and the row-major mapping are tested together without a GPU.
 * Compiled by the test with: gcc -shared -fPIC -o libnabla_fake_cublas.so fake_cublas.c
 */
#include <stdint.h>
#include <stdlib.h>

typedef struct cublasContext *cublasHandle_t;
typedef struct CUstream_st *cudaStream_t;
typedef enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_INVALID_VALUE = 7 } cublasStatus_t;
typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 } cublasOperation_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 } cublasMath_t;

struct cublasContext { cudaStream_t stream; int math; int live; };

/* What the last calls received, for the test to read back. */
static int64_t last[16];

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    *handle = calloc(1, sizeof(struct cublasContext));
    (*handle)->live = 1;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->live = 0;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->math = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    *version = 130002;
    return CUBLAS_STATUS_SUCCESS;
}

static int max1(int x) { return x > 1 ? x : 1; }

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                              int m, int n, int k, const float *alpha, const float *A, int lda,
                              const float *B, int ldb, const float *beta, float *C, int ldc) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    last[0] = transa; last[1] = transb; last[2] = m; last[3] = n; last[4] = k;
    last[5] = lda; last[6] = ldb; last[7] = ldc; last[8] = (int64_t) (intptr_t) handle->stream;
    last[9] = handle->math;
    if ((transa != CUBLAS_OP_N && transa != CUBLAS_OP_T) || (transb != CUBLAS_OP_N && transb != CUBLAS_OP_T)
            || m < 0 || n < 0 || k < 0
            || lda < max1(transa == CUBLAS_OP_N ? m : k)
            || ldb < max1(transb == CUBLAS_OP_N ? k : n)
            || ldc < max1(m)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float sum = 0;
            for (int p = 0; p < k; p++) {
                float a = transa == CUBLAS_OP_N ? A[i + (int64_t) p * lda] : A[p + (int64_t) i * lda];
                float b = transb == CUBLAS_OP_N ? B[p + (int64_t) j * ldb] : B[j + (int64_t) p * ldb];
                sum += a * b;
            }
            float *c = &C[i + (int64_t) j * ldc];
            *c = *alpha * sum + (*beta == 0 ? 0 : *beta * *c);
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* cudaDataType_t and cublasComputeType_t values cublasGemmEx accepts here (library_types.h, cublas_api.h). */
enum { CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14, CUBLAS_COMPUTE_32F = 68, CUBLAS_GEMM_DEFAULT = -1 };

/* Element i of a matrix of type `type`, widened to float exactly (BF16: upper half; F16: IEEE binary16). */
static float element(const void *base, int type, int64_t i) {
    if (type == CUDA_R_32F) return ((const float *) base)[i];
    uint32_t h = ((const uint16_t *) base)[i];
    union { uint32_t u; float f; } v;
    if (type == CUDA_R_16BF) { v.u = h << 16; return v.f; }
    uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    if (exponent == 0) {   /* zero or subnormal: mantissa * 2^-24 */
        float m = (float) mantissa * 5.9604644775390625e-8f;
        return sign ? -m : m;
    }
    v.u = sign | (exponent == 0x1F ? 0x7F800000u | (mantissa << 13) : ((exponent + 112) << 23) | (mantissa << 13));
    return v.f;
}

cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                            int m, int n, int k, const void *alpha, const void *A, int Atype, int lda,
                            const void *B, int Btype, int ldb, const void *beta, void *C, int Ctype, int ldc,
                            int computeType, int algo) {
    if (handle == NULL || !handle->live) return CUBLAS_STATUS_NOT_INITIALIZED;
    last[0] = transa; last[1] = transb; last[2] = m; last[3] = n; last[4] = k;
    last[5] = lda; last[6] = ldb; last[7] = ldc; last[8] = (int64_t) (intptr_t) handle->stream;
    last[9] = handle->math; last[10] = Atype; last[11] = Btype; last[12] = Ctype; last[13] = computeType;
    last[14] = algo;
    if ((transa != CUBLAS_OP_N && transa != CUBLAS_OP_T) || (transb != CUBLAS_OP_N && transb != CUBLAS_OP_T)
            || m < 0 || n < 0 || k < 0
            || lda < max1(transa == CUBLAS_OP_N ? m : k)
            || ldb < max1(transb == CUBLAS_OP_N ? k : n)
            || ldc < max1(m)
            || Ctype != CUDA_R_32F || computeType != CUBLAS_COMPUTE_32F
            || (Atype != CUDA_R_32F && Atype != CUDA_R_16F && Atype != CUDA_R_16BF) || Btype != Atype) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    /* With CUBLAS_COMPUTE_32F alpha and beta are floats. */
    float a0 = *(const float *) alpha, b0 = *(const float *) beta;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float sum = 0;
            for (int p = 0; p < k; p++) {
                float a = element(A, Atype, transa == CUBLAS_OP_N ? i + (int64_t) p * lda : p + (int64_t) i * lda);
                float b = element(B, Btype, transb == CUBLAS_OP_N ? p + (int64_t) j * ldb : j + (int64_t) p * ldb);
                sum += a * b;
            }
            float *c = &((float *) C)[i + (int64_t) j * ldc];
            *c = a0 * sum + (b0 == 0 ? 0 : b0 * *c);
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* Test hook: copies the recorded arguments of the last cublasSgemm_v2 or cublasGemmEx call. */
void nabla_fake_cublas_last(int64_t *out) {
    for (int i = 0; i < 16; i++) out[i] = last[i];
}
