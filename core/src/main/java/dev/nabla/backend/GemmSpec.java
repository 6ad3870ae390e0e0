package dev.nabla.backend;

import java.util.Optional;

/**
 * One row-major GEMM call: {@code C = act(op(A) · op(B) + bias)}.
 *
 * <p>{@code op(A)} is m×k and {@code op(B)} is k×n. Without transposition element {@code A[i][p]}
 * is {@code a[offsetA + i*lda + p]}; with {@code transA} it is {@code a[offsetA + p*lda + i]}
 * (the same for B). C is contiguous m×n from offset 0 ({@code c[i*n + j]}); it is written, never
 * read, so it may hold garbage or NaN beforehand. The optional bias has n elements and is added
 * to every row; the activation runs last.
 *
 * <p>A and B have one dtype, F32, BF16 or F16 (their storages say which); a 16-bit bias has theirs.
 * Products and sums are F32 whatever the inputs (PyTorch's {@code CUBLAS_COMPUTE_32F}); C is F32,
 * and core rounds it to the operands' dtype afterwards. {@link #halfOperands()} tells a backend
 * without 16-bit kernels to take {@link Composites#gemmThroughF32}.
 *
 * <p>This is exactly what core sends: there is no alpha, beta, C offset or C leading dimension,
 * because no caller needs them and every backend would have to implement and test them anyway.
 */
public record GemmSpec(
        boolean transA, boolean transB,
        int m, int n, int k,
        Storage a, int offsetA, int lda,
        Storage b, int offsetB, int ldb,
        Storage c,
        Optional<Storage> bias,
        Activation activation) {

    /** A plain {@code C = op(A) op(B)} with contiguous operands and no epilogue. */
    public static GemmSpec of(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b, Storage c) {
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        return new GemmSpec(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, c, Optional.empty(), Activation.NONE);
    }

    /** True when A and B are BF16 or F16 (an F32 GEMM reads neither). */
    public boolean halfOperands() {
        return a.dtype().isHalf() || b.dtype().isHalf() || bias.map(s -> s.dtype().isHalf()).orElse(false);
    }

    /** Floating-point operations this call performs (2·m·n·k), for GFLOP/s figures. */
    public double flops() {
        return 2.0 * m * n * k;
    }
}
