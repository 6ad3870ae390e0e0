package dev.nabla.backend;

import dev.nabla.DType;

/**
 * Default implementations of composite backend operations, written once from the primitives.
 * A backend with a fused kernel overrides the {@link Backend} method instead.
 *
 * <p>They are correct rather than fast: each step is one primitive call over the whole tensor,
 * with temporaries allocated from and returned to the backend. Every primitive's output may be
 * the storage of an input read contiguously from offset 0 (the SPI allows it), which the
 * in-place steps below use to keep the temporaries few.
 */
public final class Composites {

    private Composites() {
    }

    /**
     * A GEMM whose A, B or bias is BF16 or F16, run as {@code f32Gemm} over F32 copies of those
     * operands made with {@link Backend#cast} (exact), so products and sums are F32 as the SPI
     * requires. A backend whose kernels read 16-bit operands directly overrides this path.
     */
    public static void gemmThroughF32(Backend backend, GemmSpec spec, java.util.function.Consumer<GemmSpec> f32Gemm) {
        java.util.List<Storage> temporaries = new java.util.ArrayList<>();
        try {
            Storage a = widened(backend, spec.a(), temporaries);
            Storage b = widened(backend, spec.b(), temporaries);
            java.util.Optional<Storage> bias = spec.bias().map(s -> widened(backend, s, temporaries));
            f32Gemm.accept(new GemmSpec(spec.transA(), spec.transB(), spec.m(), spec.n(), spec.k(),
                    a, spec.offsetA(), spec.lda(), b, spec.offsetB(), spec.ldb(), spec.c(), bias, spec.activation()));
        } finally {
            temporaries.forEach(backend::free);
        }
    }

    private static Storage widened(Backend backend, Storage storage, java.util.List<Storage> temporaries) {
        if (storage.dtype() == DType.F32) {
            return storage;
        }
        Storage wide = backend.allocate(DType.F32, storage.numel());
        temporaries.add(wide);
        backend.cast(storage, wide, storage.numel());
        return wide;
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

    /**
     * {@link Backend#crossEntropyForward}: {@code loss = (max − logits[label]) + log Σ exp(logits − max)}.
     * NOTE: the max is subtracted before exp, so logits of ±1e4 stay finite, and the max and the
     * log-sum are stored apart in {@code rowStats} (see the SPI method for why).
     */
    public static void crossEntropyForward(Backend backend, Storage logits, Storage labels, int rows, int classes,
                                           Storage loss, Storage rowStats) {
        if (rows == 0) {
            return;
        }
        Layout full = Layout.contiguous(rows, classes);
        Layout column = Layout.contiguous(rows);
        Storage max = backend.allocate(DType.F32, rows);
        Storage logSum = backend.allocate(DType.F32, rows);
        Storage exps = backend.allocate(DType.F32, full.numel());
        try {
            backend.reduce(ReduceOp.MAX, logits, rows, classes, 1, max);
            backend.binary(BinaryOp.SUB, logits, full, max, perRow(rows, classes, 1, 0), exps);
            backend.unary(UnaryOp.EXP, 0f, exps, full, exps);
            backend.reduce(ReduceOp.SUM, exps, rows, classes, 1, logSum);
            backend.unary(UnaryOp.LOG, 0f, logSum, column, logSum);
            backend.gather(logits, rows, classes, labels, loss);
            backend.binary(BinaryOp.SUB, max, column, loss, column, loss);
            backend.binary(BinaryOp.ADD, loss, column, logSum, column, loss);
            backend.copyInto(max, column, rowStats, new Layout(new int[] {rows}, new int[] {2}, 0));
            backend.copyInto(logSum, column, rowStats, new Layout(new int[] {rows}, new int[] {2}, 1));
        } finally {
            backend.free(exps);
            backend.free(logSum);
            backend.free(max);
        }
    }

    /**
     * {@link Backend#crossEntropyBackward}: {@code ((logits − max) − logSum).exp() − oneHot(labels)},
     * times the row's incoming gradient; {@code max} and {@code logSum} are read in place from
     * {@code rowStats}' two columns through layouts of stride 2 broadcast along the classes.
     */
    public static void crossEntropyBackward(Backend backend, Storage logits, Storage labels, Storage rowStats,
                                            Storage gradLoss, int rows, int classes, Storage gradLogits) {
        if (rows == 0 || classes == 0) {
            return;
        }
        Layout full = Layout.contiguous(rows, classes);
        Storage oneHot = backend.allocate(DType.F32, full.numel());
        try {
            backend.binary(BinaryOp.SUB, logits, full, rowStats, perRow(rows, classes, 2, 0), gradLogits);
            backend.binary(BinaryOp.SUB, gradLogits, full, rowStats, perRow(rows, classes, 2, 1), gradLogits);
            backend.unary(UnaryOp.EXP, 0f, gradLogits, full, gradLogits);
            backend.oneHot(labels, rows, classes, oneHot);
            backend.binary(BinaryOp.SUB, gradLogits, full, oneHot, full, gradLogits);
            backend.binary(BinaryOp.MUL, gradLogits, full, gradLoss, perRow(rows, classes, 1, 0), gradLogits);
        } finally {
            backend.free(oneHot);
        }
    }

    /** A per-row value at {@code offset + i·rowStride}, broadcast over {@code [rows, classes]}. */
    private static Layout perRow(int rows, int classes, int rowStride, int offset) {
        return new Layout(new int[] {rows, classes}, new int[] {rowStride, 0}, offset);
    }

    /**
     * {@link Backend#optimizerStep} as a sequence of element-wise ops. NOTE: each op rounds what
     * one operation of the reference's scalar loop rounds, in the same order (e.g.
     * {@code p − (lr·m̂) / (√v̂ + ε)}, with {@code m̂ = m / bc1} a true division), so the result is
     * the reference backend's to the bit.
     */
    public static void optimizerStep(Backend backend, OptimizerStep step, Storage param, Storage grad,
                                     Storage state1, Storage state2, long count) {
        if (count == 0) {
            return;
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("optimizerStep: the composite default updates at most "
                    + Integer.MAX_VALUE + " elements per call (a Layout's extent), got " + count
                    + "; a backend that steps larger parameters overrides optimizerStep");
        }
        int n = (int) count;
        Layout flat = Layout.contiguous(n);
        Storage d = backend.allocate(DType.F32, n);
        Storage t = backend.allocate(DType.F32, n);
        try {
            switch (step) {
                case OptimizerStep.Sgd s -> sgd(backend, s, param, grad, state1, n, flat, d, t);
                case OptimizerStep.Adam s -> adam(backend, s, param, grad, state1, state2, n, flat, d, t);
            }
        } finally {
            backend.free(t);
            backend.free(d);
        }
    }

    private static void sgd(Backend backend, OptimizerStep.Sgd s, Storage p, Storage g, Storage buf, int n,
                            Layout flat, Storage d, Storage t) {
        // d = g + weightDecay·p (the reference adds it even when weightDecay is 0, so 0·inf is NaN here too)
        backend.unary(UnaryOp.MUL_SCALAR, s.weightDecay(), p, flat, t);
        backend.binary(BinaryOp.ADD, g, flat, t, flat, d);
        Storage direction = d;
        if (s.momentum() != 0f) {
            if (s.firstStep()) {
                backend.copy(d, flat, buf);
            } else {
                backend.unary(UnaryOp.MUL_SCALAR, s.momentum(), buf, flat, buf);
                backend.unary(UnaryOp.MUL_SCALAR, 1f - s.dampening(), d, flat, t);
                backend.binary(BinaryOp.ADD, buf, flat, t, flat, buf);
            }
            if (s.nesterov()) {
                backend.unary(UnaryOp.MUL_SCALAR, s.momentum(), buf, flat, t);
                backend.binary(BinaryOp.ADD, d, flat, t, flat, d);
            } else {
                direction = buf;
            }
        }
        backend.unary(UnaryOp.MUL_SCALAR, s.lr(), direction, flat, t);
        backend.binary(BinaryOp.SUB, p, flat, t, flat, p);
    }

    private static void adam(Backend backend, OptimizerStep.Adam s, Storage p, Storage g, Storage m, Storage v,
                             int n, Layout flat, Storage gi, Storage t) {
        if (s.decoupled()) {
            backend.unary(UnaryOp.MUL_SCALAR, 1f - s.lr() * s.weightDecay(), p, flat, p);
            backend.copy(g, flat, gi);
        } else {
            backend.unary(UnaryOp.MUL_SCALAR, s.weightDecay(), p, flat, t);
            backend.binary(BinaryOp.ADD, g, flat, t, flat, gi);
        }
        // m = β1·m + (1 − β1)·g
        backend.unary(UnaryOp.MUL_SCALAR, s.beta1(), m, flat, m);
        backend.unary(UnaryOp.MUL_SCALAR, 1f - s.beta1(), gi, flat, t);
        backend.binary(BinaryOp.ADD, m, flat, t, flat, m);
        // v = β2·v + ((1 − β2)·g)·g
        backend.unary(UnaryOp.MUL_SCALAR, s.beta2(), v, flat, v);
        backend.unary(UnaryOp.MUL_SCALAR, 1f - s.beta2(), gi, flat, t);
        backend.binary(BinaryOp.MUL, t, flat, gi, flat, t);
        backend.binary(BinaryOp.ADD, v, flat, t, flat, v);
        // p −= (lr · m / bc1) / (√(v / bc2) + ε); gi is free again and holds the denominator
        Storage scalar = backend.allocate(DType.F32, 1);
        Layout broadcast = new Layout(new int[] {n}, new int[] {0}, 0);
        try {
            backend.fill(scalar, s.biasCorrection2(), 1);
            backend.binary(BinaryOp.DIV, v, flat, scalar, broadcast, gi);
            backend.unary(UnaryOp.SQRT, 0f, gi, flat, gi);
            backend.unary(UnaryOp.ADD_SCALAR, s.eps(), gi, flat, gi);
            backend.fill(scalar, s.biasCorrection1(), 1);
            backend.binary(BinaryOp.DIV, m, flat, scalar, broadcast, t);
        } finally {
            backend.free(scalar);
        }
        backend.unary(UnaryOp.MUL_SCALAR, s.lr(), t, flat, t);
        backend.binary(BinaryOp.DIV, t, flat, gi, flat, t);
        backend.binary(BinaryOp.SUB, p, flat, t, flat, p);
    }
}
