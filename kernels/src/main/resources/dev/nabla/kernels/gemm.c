/*
 * GEMM family: C = act(op(A) · op(B) + bias), row-major, one kernel per transposition case
 * (gemm_nn, gemm_nt, gemm_tn, gemm_tt), with A's and B's leading dimensions and offsets as
 * dev.nabla.backend.GemmSpec defines them; C is contiguous m×n from offset 0.
 *
 * add_c = 1 adds C's old value before the bias (C = act(op(A) · op(B) + C + bias)); GemmSpec never
 * asks for it: only the CUDA backend's epilogue after cuBLAS does, launched with k = 0 to compute
 * act(C + bias) in place. With add_c = 0, C is never read (it may hold NaN).
 *
 * Tiling: a work-group of GEMM_THREADS × GEMM_THREADS items computes a GEMM_TILE × GEMM_TILE block
 * of C. Each k-step stages a GEMM_TILE × GEMM_TILE_K slice of op(A) and a GEMM_TILE_K × GEMM_TILE
 * slice of op(B) in local memory (zero-padded at the edges), then every item accumulates a
 * GEMM_PER_THREAD × GEMM_PER_THREAD register block. An item owns rows ty + r·GEMM_THREADS and
 * columns tx + c·GEMM_THREADS, so neighbouring items read neighbouring local-memory words.
 *
 * A and B may be F32 (gemm_nn_f32...), BF16 (gemm_nn_bf16...) or F16 (gemm_nn_f16...): the 16-bit
 * kernels widen each element to F32 as they stage it in local memory (an integer shift for BF16,
 * ops.c's exact conversion for F16), so the tiles, the products and the sums are F32 and C is F32
 * whatever the operands; bias is F32.
 */

/* Tiles are stored k-major, padded by one word so the transposing stores avoid bank conflicts. */
#define GEMM_TILE_STRIDE (GEMM_TILE + 1)
#define GEMM_LOADS (GEMM_TILE * GEMM_TILE_K / (GEMM_THREADS * GEMM_THREADS))

/* One body per element type of A and B; load widens an element to F32. */
#define GEMM_BODY(body_name, elem, load) \
DEVICE_FN void body_name(int trans_a, int trans_b, int m, int n, int k,                              \
                         GLOBAL const elem* a, int offset_a, int lda,                                \
                         GLOBAL const elem* b, int offset_b, int ldb,                                \
                         GLOBAL float* c, int add_c,                                                 \
                         GLOBAL const float* bias, int has_bias, int activation,                     \
                         SHARED_PARAM float* a_tile, SHARED_PARAM float* b_tile) {                   \
    int tx = LOCAL_ID(0);                                                                            \
    int ty = LOCAL_ID(1);                                                                            \
    int item = ty * GEMM_THREADS + tx;                                                               \
    int row0 = GROUP_ID(1) * GEMM_TILE;                                                              \
    int col0 = GROUP_ID(0) * GEMM_TILE;                                                              \
                                                                                                     \
    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD];                                                     \
    for (int r = 0; r < GEMM_PER_THREAD; r++) {                                                      \
        for (int q = 0; q < GEMM_PER_THREAD; q++) {                                                  \
            acc[r][q] = 0.0f;                                                                        \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    for (int k0 = 0; k0 < k; k0 += GEMM_TILE_K) {                                                    \
        for (int load = 0; load < GEMM_LOADS; load++) {                                              \
            int e = item + load * GEMM_THREADS * GEMM_THREADS;                                       \
            /* Consecutive items walk along whichever index is contiguous in memory. */              \
            int i = trans_a ? e % GEMM_TILE : e / GEMM_TILE_K;                                       \
            int kk = trans_a ? e / GEMM_TILE : e % GEMM_TILE_K;                                      \
            int gi = row0 + i;                                                                       \
            int gk = k0 + kk;                                                                        \
            float value = 0.0f;                                                                      \
            if (gi < m && gk < k) {                                                                  \
                value = load(trans_a ? a[offset_a + gk * lda + gi] : a[offset_a + gi * lda + gk]);   \
            }                                                                                        \
            a_tile[kk * GEMM_TILE_STRIDE + i] = value;                                               \
                                                                                                     \
            int j = trans_b ? e / GEMM_TILE_K : e % GEMM_TILE;                                       \
            kk = trans_b ? e % GEMM_TILE_K : e / GEMM_TILE;                                          \
            int gj = col0 + j;                                                                       \
            gk = k0 + kk;                                                                            \
            value = 0.0f;                                                                            \
            if (gj < n && gk < k) {                                                                  \
                value = load(trans_b ? b[offset_b + gj * ldb + gk] : b[offset_b + gk * ldb + gj]);   \
            }                                                                                        \
            b_tile[kk * GEMM_TILE_STRIDE + j] = value;                                               \
        }                                                                                            \
        BARRIER();                                                                                   \
        for (int kk = 0; kk < GEMM_TILE_K; kk++) {                                                   \
            float a_reg[GEMM_PER_THREAD];                                                            \
            float b_reg[GEMM_PER_THREAD];                                                            \
            for (int r = 0; r < GEMM_PER_THREAD; r++) {                                              \
                a_reg[r] = a_tile[kk * GEMM_TILE_STRIDE + ty + r * GEMM_THREADS];                    \
            }                                                                                        \
            for (int q = 0; q < GEMM_PER_THREAD; q++) {                                              \
                b_reg[q] = b_tile[kk * GEMM_TILE_STRIDE + tx + q * GEMM_THREADS];                    \
            }                                                                                        \
            for (int r = 0; r < GEMM_PER_THREAD; r++) {                                              \
                for (int q = 0; q < GEMM_PER_THREAD; q++) {                                          \
                    acc[r][q] += a_reg[r] * b_reg[q];                                                \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
        BARRIER();                                                                                   \
    }                                                                                                \
                                                                                                     \
    for (int r = 0; r < GEMM_PER_THREAD; r++) {                                                      \
        int i = row0 + ty + r * GEMM_THREADS;                                                        \
        for (int q = 0; q < GEMM_PER_THREAD; q++) {                                                  \
            int j = col0 + tx + q * GEMM_THREADS;                                                    \
            if (i < m && j < n) {                                                                    \
                int index = i * n + j;                                                               \
                float value = acc[r][q];                                                             \
                if (add_c) {                                                                         \
                    value += c[index];                                                               \
                }                                                                                    \
                if (has_bias) {                                                                      \
                    value += bias[j];                                                                \
                }                                                                                    \
                c[index] = activation_apply(activation, value);                                      \
            }                                                                                        \
        }                                                                                            \
    }                                                                                                \
}

#define GEMM_LOAD_F32(x) (x)
#define GEMM_LOAD_BF16(x) UINT_AS_FLOAT(nabla_bf16_to_f32((uint) (x)))
#define GEMM_LOAD_F16(x) UINT_AS_FLOAT(nabla_f16_to_f32((uint) (x)))
GEMM_BODY(gemm_body_f32, float, GEMM_LOAD_F32)
GEMM_BODY(gemm_body_bf16, ushort, GEMM_LOAD_BF16)
GEMM_BODY(gemm_body_f16, ushort, GEMM_LOAD_F16)

/* bias is any valid buffer when has_bias is 0 (it is then never read). */
#define GEMM_KERNEL_OF(name, trans_a, trans_b, elem, body)                                   \
    KERNEL void name(int m, int n, int k,                                                    \
                     GLOBAL const elem* a, int offset_a, int lda,                            \
                     GLOBAL const elem* b, int offset_b, int ldb,                            \
                     GLOBAL float* c, int add_c,                                             \
                     GLOBAL const float* bias, int has_bias, int activation) {               \
        SHARED float a_tile[GEMM_TILE_K * GEMM_TILE_STRIDE];                                 \
        SHARED float b_tile[GEMM_TILE_K * GEMM_TILE_STRIDE];                                 \
        body(trans_a, trans_b, m, n, k, a, offset_a, lda, b, offset_b, ldb,                  \
             c, add_c, bias, has_bias, activation, a_tile, b_tile);                          \
    }
#define GEMM_KERNEL(name, trans_a, trans_b) GEMM_KERNEL_OF(name, trans_a, trans_b, float, gemm_body_f32)
#define GEMM_KERNEL_BF16(name, trans_a, trans_b) GEMM_KERNEL_OF(name, trans_a, trans_b, ushort, gemm_body_bf16)
#define GEMM_KERNEL_F16(name, trans_a, trans_b) GEMM_KERNEL_OF(name, trans_a, trans_b, ushort, gemm_body_f16)
NABLA_GEMM_KERNELS(GEMM_KERNEL)
NABLA_GEMM_BF16_KERNELS(GEMM_KERNEL_BF16)
NABLA_GEMM_F16_KERNELS(GEMM_KERNEL_F16)
