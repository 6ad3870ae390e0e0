package dev.nabla.kernels.host;

import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/** Gather of one element per row, and one-hot encoding; see indexing.c. */
public final class Indexing {

    private Indexing() {
    }

    public static void gather(KernelLauncher kernels, Storage src, int rows, int cols, Storage indices, Storage dst) {
        kernels.launchItems(KernelNames.GATHER, rows, src, indices, dst, rows, cols);
    }

    public static void oneHot(KernelLauncher kernels, Storage indices, int rows, int classes, Storage dst) {
        kernels.launchItems(KernelNames.ONE_HOT, (long) rows * classes, indices, dst, rows, classes);
    }
}
