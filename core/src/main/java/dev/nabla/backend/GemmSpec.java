package dev.nabla.backend;

import java.util.Optional;

/**
 * One row-major GEMM call: {@code C = act(alpha · op(A) · op(B) + beta · C + bias)}.
 *
 * <p>{@code op(A)} is m×k and {@code op(B)} is k×n. Without transposition element {@code A[i][p]}
 * is {@code a[offsetA + i*lda + p]}; with {@code transA} it is {@code a[offsetA + p*lda + i]}
 * (the same for B). C is m×n at {@code c[offsetC + i*ldc + j]}. The optional bias has n elements
 * and is added to every row; the activation runs last. When {@code beta == 0}, C is not read, so
 * it may hold garbage or NaN (BLAS semantics).
 */
public record GemmSpec(
        boolean transA, boolean transB,
        int m, int n, int k,
        float alpha,
        Storage a, int offsetA, int lda,
        Storage b, int offsetB, int ldb,
        float beta,
        Storage c, int offsetC, int ldc,
        Optional<Storage> bias,
        Activation activation) {

    /** A plain {@code C = op(A) op(B)} with contiguous operands and no epilogue. */
    public static GemmSpec of(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b, Storage c) {
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        return new GemmSpec(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n,
                Optional.empty(), Activation.NONE);
    }

    /** Floating-point operations this call performs (2·m·n·k), for GFLOP/s figures. */
    public double flops() {
        return 2.0 * m * n * k;
    }
}
