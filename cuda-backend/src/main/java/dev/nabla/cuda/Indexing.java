package dev.nabla.cuda;

import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/** Gather of one element per row, and one-hot encoding; see indexing.c. */
final class Indexing {

    private Indexing() {
    }

    static void gather(CudaKernels kernels, Storage src, int rows, int cols, Storage indices, Storage dst) {
        kernels.launchItems(KernelNames.GATHER, rows, src, indices, dst, rows, cols);
    }

    static void oneHot(CudaKernels kernels, Storage indices, int rows, int classes, Storage dst) {
        kernels.launchItems(KernelNames.ONE_HOT, (long) rows * classes, indices, dst, rows, classes);
    }
}
