/*
 * Softmax family: softmax / log-softmax along one axis, and cross-entropy from logits fused
 * into one forward and one backward kernel.
 *
 * NOTE: everything is max-shifted: exp is only taken of x − max ≤ 0, so logits of ±1e4 give
 * finite results. The arithmetic follows the composite path (Composites.softmax) operation for
 * operation, softmax = exp(x − max) / Σ and log-softmax = (x − max) − log Σ, so the fused and
 * composite paths agree to the last bits of exp and log.
 */

/* One work-group per row of a contiguous [rows, extent] block (softmax over the last axis). */
KERNEL void softmax_rows_f32(GLOBAL const float* src, GLOBAL float* dst, int extent, int log_softmax) {
    SHARED float partial[NABLA_BLOCK];
    int row = GROUP_ID(0);
    int t = LOCAL_ID(0);
    GLOBAL const float* in = src + row * extent;
    GLOBAL float* out = dst + row * extent;
    float max = -NABLA_INFINITY;
    for (int r = t; r < extent; r += NABLA_BLOCK) {
        max = reduce_combine(REDUCE_MAX, max, in[r]);
    }
    max = group_reduce(REDUCE_MAX, partial, max);
    float sum = 0.0f;
    for (int r = t; r < extent; r += NABLA_BLOCK) {
        sum += expf(in[r] - max);
    }
    sum = group_reduce(REDUCE_SUM, partial, sum);
    if (log_softmax) {
        float log_sum = logf(sum);
        for (int r = t; r < extent; r += NABLA_BLOCK) {
            out[r] = (in[r] - max) - log_sum;
        }
    } else {
        for (int r = t; r < extent; r += NABLA_BLOCK) {
            out[r] = expf(in[r] - max) / sum;
        }
    }
}

/* One work-item per (outer, inner) pair of a contiguous [outer, extent, inner] block, inner > 1. */
KERNEL void softmax_columns_f32(GLOBAL const float* src, GLOBAL float* dst,
                                int outer, int extent, int inner, int log_softmax) {
    int column = GLOBAL_ID(0);
    if (column >= outer * inner) {
        return;
    }
    int base = (column / inner) * extent * inner + column % inner;
    GLOBAL const float* in = src + base;
    GLOBAL float* out = dst + base;
    float max = -NABLA_INFINITY;
    for (int r = 0; r < extent; r++) {
        max = reduce_combine(REDUCE_MAX, max, in[r * inner]);
    }
    float sum = 0.0f;
    for (int r = 0; r < extent; r++) {
        sum += expf(in[r * inner] - max);
    }
    float log_sum = logf(sum);
    for (int r = 0; r < extent; r++) {
        float shifted = in[r * inner] - max;
        out[r * inner] = log_softmax ? shifted - log_sum : expf(shifted) / sum;
    }
}

/*
 * loss[i] = logSumExp(logits[i]) − logits[i, label[i]], saving row_stats[i] = (max, log Σ exp(x − max))
 * for backward. One work-group per row. NOTE: max and log Σ are never added into one float: with
 * |logits| ~ 1e4 that sum, the log-sum-exp, is off by up to 4.9e-4, which would cost the loss its
 * low digits and the backward's exp that relative error.
 */
KERNEL void cross_entropy_forward_f32(GLOBAL const float* logits, GLOBAL const int* labels,
                                      GLOBAL float* loss, GLOBAL float* row_stats, int classes) {
    SHARED float partial[NABLA_BLOCK];
    int row = GROUP_ID(0);
    int t = LOCAL_ID(0);
    GLOBAL const float* in = logits + row * classes;
    float max = -NABLA_INFINITY;
    for (int r = t; r < classes; r += NABLA_BLOCK) {
        max = reduce_combine(REDUCE_MAX, max, in[r]);
    }
    max = group_reduce(REDUCE_MAX, partial, max);
    float sum = 0.0f;
    for (int r = t; r < classes; r += NABLA_BLOCK) {
        sum += expf(in[r] - max);
    }
    sum = group_reduce(REDUCE_SUM, partial, sum);
    if (t == 0) {
        float log_sum = logf(sum);
        row_stats[2 * row] = max;
        row_stats[2 * row + 1] = log_sum;
        loss[row] = (max - in[labels[row]]) + log_sum;
    }
}

/*
 * grad[i, j] = (exp((logits[i, j] − max[i]) − logSum[i]) − [j == label[i]]) · gradLoss[i]; one
 * work-item per element. x − max is exact near the max (both floats of one binade), so exp's
 * argument carries no error from the size of the logits.
 */
KERNEL void cross_entropy_backward_f32(GLOBAL const float* logits, GLOBAL const int* labels,
                                       GLOBAL const float* row_stats, GLOBAL const float* grad_loss,
                                       GLOBAL float* grad_logits, int rows, int classes) {
    int e = GLOBAL_ID(0);
    if (e >= rows * classes) {
        return;
    }
    int i = e / classes;
    int j = e % classes;
    float p = expf((logits[e] - row_stats[2 * i]) - row_stats[2 * i + 1]);
    grad_logits[e] = (p - (j == labels[i] ? 1.0f : 0.0f)) * grad_loss[i];
}
