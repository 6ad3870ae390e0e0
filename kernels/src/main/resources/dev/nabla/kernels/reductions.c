/*
 * Reductions family: SUM/MAX/MIN and argmax along the middle axis of a contiguous
 * [outer, extent, inner] block.
 *
 * Two shapes of work: when inner == 1 the reduced elements are adjacent, so one work-group of
 * NABLA_BLOCK items reduces one row (strided loads, then a tree in local memory); otherwise one
 * work-item per output walks the axis, and neighbouring work-items read neighbouring addresses.
 * An empty axis gives the op's identity.
 */

/* Terms a work-item adds plainly before folding the partial into its compensated total. */
#define SUM_BLOCK 128

/*
 * op over in[0], in[stride], ..., in[(count − 1)·stride], as one work-item walks them.
 * NOTE: a plain float running sum of 2^20 terms of 0.1 is off by ~1% (each addition to a sum
 * near 1e5 rounds off up to 2^-8). SUM therefore adds blocks of SUM_BLOCK terms plainly (error
 * ≤ SUM_BLOCK roundings of a block sum, ~1e-6 in practice) and folds the block sums into a
 * Kahan-compensated total, so the error does not grow with the count. Kahan on every term would
 * be as precise but ~2× slower on CPU OpenCL, where its chain of four dependent adds, not memory,
 * bounds the loop; per block it costs nothing, and a bias gradient (≤ 128 rows) is one plain block
 * as before. Once the total is ±inf or NaN the compensation would be NaN, so it is reset to 0 and
 * the sum overflows and propagates NaN as a plain one does.
 */
DEVICE_FN float reduce_strided(int op, GLOBAL const float* in, int count, int stride) {
    if (op == REDUCE_SUM) {
        float total = 0.0f;
        float compensation = 0.0f;
        for (int block = 0; block < count; block += SUM_BLOCK) {
            int end = count - block < SUM_BLOCK ? count : block + SUM_BLOCK;
            float partial = 0.0f;
            for (int r = block; r < end; r++) {
                partial += in[r * stride];
            }
            float term = partial - compensation;
            float sum = total + term;
            int finite = sum > -NABLA_INFINITY && sum < NABLA_INFINITY;
            compensation = finite ? (sum - total) - term : 0.0f;
            total = sum;
        }
        return total;
    }
    float accumulator = reduce_identity(op);
    for (int r = 0; r < count; r++) {
        accumulator = reduce_combine(op, accumulator, in[r * stride]);
    }
    return accumulator;
}

DEVICE_FN void reduce_rows_body(int op, GLOBAL const float* src, GLOBAL float* dst, int extent,
                                SHARED_PARAM float* partial) {
    int row = GROUP_ID(0);
    int t = LOCAL_ID(0);
    /* work-item t takes elements t, t + NABLA_BLOCK, ...; then a tree (pairwise) over the items */
    int count = t < extent ? (extent - t + NABLA_BLOCK - 1) / NABLA_BLOCK : 0;
    float accumulator = reduce_strided(op, src + row * extent + t, count, NABLA_BLOCK);
    accumulator = group_reduce(op, partial, accumulator);
    if (LOCAL_ID(0) == 0) {
        dst[row] = accumulator;
    }
}

DEVICE_FN void reduce_columns_body(int op, GLOBAL const float* src, GLOBAL float* dst,
                                   int outer, int extent, int inner) {
    int out = GLOBAL_ID(0);
    if (out >= outer * inner) {
        return;
    }
    int o = out / inner;
    int j = out % inner;
    dst[out] = reduce_strided(op, src + o * extent * inner + j, extent, inner);
}

#define REDUCE_KERNELS(rows_name, columns_name, op)                                          \
    KERNEL void rows_name(GLOBAL const float* src, GLOBAL float* dst, int extent) {         \
        SHARED float partial[NABLA_BLOCK];                                                   \
        reduce_rows_body(op, src, dst, extent, partial);                                     \
    }                                                                                        \
    KERNEL void columns_name(GLOBAL const float* src, GLOBAL float* dst,                     \
                             int outer, int extent, int inner) {                             \
        reduce_columns_body(op, src, dst, outer, extent, inner);                             \
    }
NABLA_REDUCE_KERNELS(REDUCE_KERNELS)

/*
 * Does candidate (value, index) beat (best, best_index) for argmax? NOTE: as torch.argmax, NaN
 * beats every number and the first NaN wins; otherwise the larger value, and on a tie the lower
 * index, so the result is the first maximum whatever order the work-items combine in.
 */
DEVICE_FN int argmax_beats(float value, int index, float best, int best_index) {
    if (best != best) {
        return value != value && index < best_index;
    }
    if (value != value) {
        return 1;
    }
    return value > best || (value == best && index < best_index);
}

/* best_index starts past every real index; an empty axis reports index 0. */
#define ARGMAX_NONE 2147483647

KERNEL void argmax_rows_f32(GLOBAL const float* src, GLOBAL int* dst, int extent) {
    SHARED float best_values[NABLA_BLOCK];
    SHARED int best_indices[NABLA_BLOCK];
    int row = GROUP_ID(0);
    int t = LOCAL_ID(0);
    GLOBAL const float* in = src + row * extent;
    float best = -NABLA_INFINITY;
    int best_index = ARGMAX_NONE;
    for (int r = t; r < extent; r += NABLA_BLOCK) {
        if (argmax_beats(in[r], r, best, best_index)) {
            best = in[r];
            best_index = r;
        }
    }
    best_values[t] = best;
    best_indices[t] = best_index;
    BARRIER();
    for (int stride = NABLA_BLOCK / 2; stride > 0; stride >>= 1) {
        if (t < stride && argmax_beats(best_values[t + stride], best_indices[t + stride],
                                       best_values[t], best_indices[t])) {
            best_values[t] = best_values[t + stride];
            best_indices[t] = best_indices[t + stride];
        }
        BARRIER();
    }
    if (t == 0) {
        dst[row] = best_indices[0] == ARGMAX_NONE ? 0 : best_indices[0];
    }
}

KERNEL void argmax_columns_f32(GLOBAL const float* src, GLOBAL int* dst, int outer, int extent, int inner) {
    int out = GLOBAL_ID(0);
    if (out >= outer * inner) {
        return;
    }
    GLOBAL const float* in = src + (out / inner) * extent * inner + out % inner;
    float best = -NABLA_INFINITY;
    int best_index = ARGMAX_NONE;
    for (int r = 0; r < extent; r++) {
        if (argmax_beats(in[r * inner], r, best, best_index)) {
            best = in[r * inner];
            best_index = r;
        }
    }
    dst[out] = best_index == ARGMAX_NONE ? 0 : best_index;
}
