package dev.nabla.kernels.host;

import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/** Fused softmax / log-softmax and cross-entropy forward and backward; see softmax_cross_entropy.c. */
public final class SoftmaxCrossEntropy {

    private SoftmaxCrossEntropy() {
    }

    public static void softmax(KernelLauncher kernels, Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        if (extent == 0) {
            return;
        }
        if (inner == 1) {
            kernels.launchGroups(KernelNames.SOFTMAX_ROWS, outer, src, dst, extent, log ? 1 : 0);
        } else {
            kernels.launchItems(KernelNames.SOFTMAX_COLUMNS, (long) outer * inner, src, dst, outer, extent, inner,
                    log ? 1 : 0);
        }
    }

    /** {@code rowStats} is F32 {@code [rows, 2]}: max and log Σ exp(x − max) per row (see Backend). */
    public static void forward(KernelLauncher kernels, Storage logits, Storage labels, int rows, int classes, Storage loss,
                        Storage rowStats) {
        kernels.launchGroups(KernelNames.CROSS_ENTROPY_FORWARD, rows, logits, labels, loss, rowStats, classes);
    }

    public static void backward(KernelLauncher kernels, Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                         int rows, int classes, Storage gradLogits) {
        kernels.launchItems(KernelNames.CROSS_ENTROPY_BACKWARD, (long) rows * classes,
                logits, labels, rowStats, gradLoss, gradLogits, rows, classes);
    }
}
