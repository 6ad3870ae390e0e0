package dev.nabla.backend;

import dev.nabla.DType;

/**
 * Default implementations of composite backend operations, written once from the primitives.
 * A backend with a fused kernel overrides the {@link Backend} method instead.
 */
public final class Composites {

    private Composites() {
    }

    /** NOTE: max-shifted, so exp never overflows; log-softmax is {@code x − max − log Σ exp(x − max)}. */
    public static void softmax(Backend backend, Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        int[] full = {outer, extent, inner};
        Layout fullLayout = Layout.contiguous(full);
        Layout reducedLayout = Layout.contiguous(outer, 1, inner).broadcastTo(full);
        long reducedCount = (long) outer * inner;
        Storage max = backend.allocate(DType.F32, reducedCount);
        Storage sum = backend.allocate(DType.F32, reducedCount);
        Storage exps = backend.allocate(DType.F32, fullLayout.numel());
        try {
            backend.reduce(ReduceOp.MAX, src, outer, extent, inner, max);
            backend.binary(BinaryOp.SUB, src, fullLayout, max, reducedLayout, dst);
            backend.unary(UnaryOp.EXP, 0f, dst, fullLayout, exps);
            backend.reduce(ReduceOp.SUM, exps, outer, extent, inner, sum);
            if (log) {
                backend.unary(UnaryOp.LOG, 0f, sum, Layout.contiguous(outer, inner), max);
                backend.binary(BinaryOp.SUB, dst, fullLayout, max, reducedLayout, dst);
            } else {
                backend.binary(BinaryOp.DIV, exps, fullLayout, sum, reducedLayout, dst);
            }
        } finally {
            backend.free(exps);
            backend.free(sum);
            backend.free(max);
        }
    }
}
