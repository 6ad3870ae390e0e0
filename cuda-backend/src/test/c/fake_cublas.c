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

/* Test hook: copies the recorded arguments of the last cublasSgemm_v2 call. */
void nabla_fake_cublas_last(int64_t *out) {
    for (int i = 0; i < 16; i++) out[i] = last[i];
}
