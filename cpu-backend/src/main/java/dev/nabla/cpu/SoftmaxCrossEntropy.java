package dev.nabla.cpu;

import dev.nabla.backend.ReduceOp;

/**
 * Fused softmax, log-softmax and softmax cross-entropy over rows of contiguous logits.
 *
 * <p>NOTE: every row is max-shifted before exponentiation, so {@code exp} only ever sees
 * non-positive arguments and logits of ±1e4 stay finite. The row maximum is vectorized; the
 * exponentials use {@code Math.exp} in double, exactly as the reference does, because the class
 * count of a classifier is small and this keeps the losses bit-for-bit comparable across CPU
 * backends.
 */
final class SoftmaxCrossEntropy {

    private SoftmaxCrossEntropy() {
    }

    static void forward(float[] logits, int[] labels, int rows, int classes, float[] loss, float[] logSumExp) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                double lse = logSumExp(logits, base, classes);
                logSumExp[row] = (float) lse;
                loss[row] = (float) (lse - logits[base + labels[row]]);
            }
        });
    }

    static void backward(float[] logits, int[] labels, float[] logSumExp, float[] gradLoss, int rows, int classes,
                         float[] gradLogits) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                double lse = logSumExp[row];
                double scale = gradLoss[row];
                for (int j = 0; j < classes; j++) {
                    gradLogits[base + j] = (float) (Math.exp(logits[base + j] - lse) * scale);
                }
                int label = base + labels[row];
                gradLogits[label] = (float) ((Math.exp(logits[label] - lse) - 1.0) * scale);
            }
        });
    }

    /** Softmax or log-softmax of each contiguous row of {@code [rows, classes]}. */
    static void softmaxRows(float[] src, int rows, int classes, boolean log, float[] dst) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                float max = Reductions.reduceRow(ReduceOp.MAX, src, base, classes);
                double sum = 0;
                for (int j = 0; j < classes; j++) {
                    double e = Math.exp((double) src[base + j] - max);
                    sum += e;
                    if (!log) {
                        dst[base + j] = (float) e;
                    }
                }
                if (log) {
                    double shift = max + Math.log(sum);
                    for (int j = 0; j < classes; j++) {
                        dst[base + j] = (float) (src[base + j] - shift);
                    }
                } else {
                    double inverse = 1.0 / sum;
                    for (int j = 0; j < classes; j++) {
                        dst[base + j] = (float) (dst[base + j] * inverse);
                    }
                }
            }
        });
    }

    /** {@code max + log Σ exp(x − max)} of one row, in double. */
    private static double logSumExp(float[] x, int base, int length) {
        float max = Reductions.reduceRow(ReduceOp.MAX, x, base, length);
        double sum = 0;
        for (int j = 0; j < length; j++) {
            sum += Math.exp((double) x[base + j] - max);
        }
        return max + Math.log(sum);
    }
}
