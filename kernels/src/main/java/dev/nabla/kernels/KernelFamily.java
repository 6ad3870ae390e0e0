package dev.nabla.kernels;

/**
 * The kernel source files, one per op family, named as the backends' Java classes are
 * ({@code Elementwise}, {@code Reductions}, {@code SoftmaxCrossEntropy}, {@code Gemm}...).
 */
public enum KernelFamily {
    ELEMENTWISE("elementwise.c"),
    REDUCTIONS("reductions.c"),
    SOFTMAX_CROSS_ENTROPY("softmax_cross_entropy.c"),
    GEMM("gemm.c"),
    OPTIMIZERS("optimizers.c"),
    RANDOM("random.c"),
    INDEXING("indexing.c");

    private final String file;

    KernelFamily(String file) {
        this.file = file;
    }

    /** Resource name of the family's source, relative to this package. */
    public String file() {
        return file;
    }
}
