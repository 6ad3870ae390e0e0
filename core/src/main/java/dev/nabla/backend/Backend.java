package dev.nabla.backend;

import dev.nabla.DType;

/**
 * The primitive operations one device implements: Nabla's backend SPI.
 *
 * <p>Core validates every call before it reaches a backend (shapes, dtypes, devices, index
 * ranges), so implementations may assume: storage belongs to this backend and is large enough for
 * the layouts given; element types are the ones documented per method; output storage is
 * contiguous. Outputs do not alias inputs, with one exception implementations must support: the
 * output of {@link #unary}, {@link #binary} and {@link #where} may be the very storage of an input
 * read through a contiguous layout at offset 0 (element {@code i} is read before it is written). Element-wise ops, reductions and GEMM
 * take F32; I32 appears only for labels, indices and {@link #argmax} results. The 16-bit types
 * (BF16, F16) are storage types: memory, host transfers of their raw bits, copies, fills and
 * {@link #cast} take them; core widens them to F32 before any arithmetic.
 *
 * <p>On GPUs, calls are queued on the device's stream; {@link #copyOut} and {@link #synchronize}
 * wait.
 *
 * <p>Only the abstract methods are required: memory and copies, element-wise, reductions, GEMM,
 * gather/one-hot and random numbers. The composite operations ({@link #softmax},
 * {@link #crossEntropyForward}, {@link #crossEntropyBackward}, {@link #optimizerStep}) have
 * defaults written from those primitives in {@link Composites}; a backend overrides one with a
 * fused kernel when that is faster, and the conformance suite checks both paths agree. A test
 * backend with the primitives alone ({@code PrimitivesOnlyBackend} in core's tests) passes the
 * whole suite and trains the README's example.
 */
public interface Backend {

    /** Describes this device. */
    DeviceInfo info();

    /**
     * The device's theoretical FP32 peak in FLOP/s (e.g. SMs × FP32 lanes per SM × 2 × clock for
     * a GPU), for "fraction of peak" figures; empty when the backend does not know it. CPU peaks
     * are measured by {@code nabla bench}'s FMA probe instead, since no property reports them.
     */
    default java.util.OptionalDouble peakFlops() {
        return java.util.OptionalDouble.empty();
    }

    // ---- memory -------------------------------------------------------------------------

    /** Allocates storage for {@code numel} elements; contents are unspecified. */
    Storage allocate(DType dtype, long numel);

    /** Returns storage to the allocator; the storage is never used again. */
    void free(Storage storage);

    /** Allocator statistics. */
    MemoryStats memoryStats();

    /** Copies {@code src} into the first {@code src.length} elements of F32 {@code dst}. */
    void copyIn(float[] src, Storage dst);

    /** Copies {@code src} into the first {@code src.length} elements of I32 {@code dst}. */
    void copyIn(int[] src, Storage dst);

    /**
     * Copies raw 16-bit patterns into the first {@code src.length} elements of BF16 or F16
     * {@code dst}, unchanged (a NaN payload included).
     */
    void copyIn(short[] src, Storage dst);

    /** Copies the first {@code dst.length} elements of F32 {@code src} to the host; waits for queued work. */
    void copyOut(Storage src, float[] dst);

    /** Copies the first {@code dst.length} elements of I32 {@code src} to the host; waits for queued work. */
    void copyOut(Storage src, int[] dst);

    /** The raw bits of the first {@code dst.length} elements of BF16 or F16 {@code src}; waits for queued work. */
    void copyOut(Storage src, short[] dst);

    /** Gathers a strided layout of {@code src} into contiguous {@code dst}; same dtype, any dtype. */
    void copy(Storage src, Layout srcLayout, Storage dst);

    /**
     * Copies the elements {@code src} shows through {@code srcLayout} to the positions
     * {@code dstLayout} names in {@code dst}; both layouts have the same shape, same dtype. The
     * destination layout must not map two elements to one position. For in-place assignment
     * ({@code copyFrom}) and the backward of slicing.
     */
    void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /**
     * Converts {@code count} contiguous elements from {@code src}'s dtype to {@code dst}'s, any pair
     * (the same dtype is a copy). Float to int truncates toward zero, saturates, and maps NaN to 0
     * (Java's cast); int to float and F32 to 16-bit round to nearest even; 16-bit to F32 is exact;
     * every conversion involving a 16-bit type goes through F32 and follows
     * {@link HalfPrecision} to the bit (NaN, Inf, overflow, subnormals).
     */
    void cast(Storage src, Storage dst, long count);

    /**
     * Sets the first {@code count} elements to {@code value}, converted to the storage dtype as
     * {@link #cast} converts (for a 16-bit dtype: {@link HalfPrecision#fromFloat}).
     */
    void fill(Storage dst, float value, long count);

    /** Waits until every queued operation has finished. A no-op on synchronous backends. */
    default void synchronize() {
    }

    /**
     * The native address of {@code storage}'s first element, for native libraries that take
     * pointers (NCCL's collectives), or empty where memory has no such address: the CPU and
     * reference backends keep Java arrays, OpenCL buffers are opaque handles. CUDA answers with
     * the device pointer.
     */
    default java.util.OptionalLong nativeAddress(Storage storage) {
        return java.util.OptionalLong.empty();
    }

    /**
     * The native queue this backend's work runs on (a CUDA stream's handle), so that a native
     * library can queue work in order with it; 0 (the default stream, or none) where work is
     * synchronous.
     */
    default long nativeStream() {
        return 0;
    }

    // ---- element-wise -------------------------------------------------------------------

    /** {@code dst[i] = op(src[layout(i)], param)} over {@code srcLayout}'s shape. */
    void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst);

    /**
     * {@code dst[i] = op(a[aLayout(i)], b[bLayout(i)])}. Both layouts have the output shape
     * already (broadcast axes carry stride 0).
     */
    void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst);

    /** {@code dst[i] = cond[i] != 0 ? a[i] : b[i]}, all three layouts of the output shape. */
    void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst);

    // ---- reductions ---------------------------------------------------------------------

    /**
     * Reduces the middle axis of contiguous {@code src} viewed as {@code [outer, extent, inner]}
     * into {@code dst} of shape {@code [outer, inner]}. An empty axis ({@code extent == 0}) yields
     * the op's identity (0, −∞ or +∞).
     */
    void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst);

    /** Index of the first maximum along the middle axis of {@code [outer, extent, inner]}; I32 {@code dst}. */
    void argmax(Storage src, int outer, int extent, int inner, Storage dst);

    // ---- matrix multiply ----------------------------------------------------------------

    /**
     * Row-major GEMM with optional bias and activation epilogue; see {@link GemmSpec}. A and B may
     * be BF16 or F16 (F32 products and accumulation, F32 C); {@link Composites#gemmThroughF32} is
     * the way for a backend without 16-bit kernels.
     */
    void gemm(GemmSpec spec);

    // ---- indexing -----------------------------------------------------------------------

    /** {@code dst[i] = src[i*cols + indices[i]]} for contiguous F32 {@code src [rows, cols]}, I32 indices. */
    void gather(Storage src, int rows, int cols, Storage indices, Storage dst);

    /** {@code dst[i, j] = indices[i] == j ? 1 : 0}, F32 {@code dst [rows, classes]}. */
    void oneHot(Storage indices, int rows, int classes, Storage dst);

    // ---- random -------------------------------------------------------------------------

    /**
     * Fills {@code count} F32 elements with uniform numbers in [0, 1) from Philox4x32-10:
     * element {@code i} is word {@code i % 4} of block {@code (i / 4)} for key {@code seed} and
     * stream {@code offset}; see {@link Philox}. Every backend produces the same bits.
     */
    void randomUniform(long seed, long offset, Storage dst, long count);

    /** Standard normal numbers by Box–Muller from the same Philox stream; see {@link Philox}. */
    void randomNormal(long seed, long offset, Storage dst, long count);

    // ---- composites: defaults written from the primitives above ------------------------

    /**
     * Softmax cross-entropy forward (the op {@code Tensor.crossEntropy} and
     * {@code Losses.crossEntropy} run) over contiguous logits {@code [rows, classes]} and I32
     * labels {@code [rows]}: {@code loss[i] = logSumExp(logits[i]) − logits[i, label[i]]}, and per
     * row the statistics backward needs, F32 {@code rowStats [rows, 2]}: {@code rowStats[i, 0] =
     * max_j logits[i, j]} and {@code rowStats[i, 1] = log Σ_j exp(logits[i, j] − max)}.
     * NOTE: computed in the max-shifted form, so logits of ±1e4 stay finite; and the two parts are
     * saved apart because their sum, the log-sum-exp, rounded to one float near 1e4 is off by up to
     * 4.9e-4, which the backward's {@code exp} would turn into that relative gradient error. The max
     * is one of the logits (exact) and the log-sum is at most {@code log(classes)} (precise).
     * The default composes reduce, subtract, exp, log, gather and strided copies; every shipped
     * backend overrides it with one fused pass.
     */
    default void crossEntropyForward(Storage logits, Storage labels, int rows, int classes,
                                     Storage loss, Storage rowStats) {
        Composites.crossEntropyForward(this, logits, labels, rows, classes, loss, rowStats);
    }

    /**
     * {@code gradLogits[i, j] = (exp((logits[i, j] − rowStats[i, 0]) − rowStats[i, 1]) − [j == label[i]])
     * · gradLoss[i]}, with {@code rowStats} from {@link #crossEntropyForward}; the
     * subtractions in that order, so the argument of {@code exp} is never the difference of two
     * numbers near 1e4 rounded apart. The default reads {@code rowStats}' two columns through
     * strided layouts and composes subtract, exp, one-hot and multiply.
     */
    default void crossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                      int rows, int classes, Storage gradLogits) {
        Composites.crossEntropyBackward(this, logits, labels, rowStats, gradLoss, rows, classes, gradLogits);
    }

    /**
     * Softmax (or log-softmax) along the middle axis of contiguous {@code [outer, extent, inner]}.
     * The default composes max, subtract, exp, sum and divide (or log) from the primitives above.
     */
    default void softmax(Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        Composites.softmax(this, src, outer, extent, inner, log, dst);
    }

    // ---- optimizers ---------------------------------------------------------------------

    /**
     * One fused optimizer update of {@code count} elements. {@code state1} is the momentum buffer
     * (SGD with momentum) or Adam's first moment, {@code state2} Adam's second moment; a state the
     * step does not use is ignored and may be the same storage as {@code param}. The default
     * composes scalar and element-wise ops, each rounded as the reference's loop rounds it, so
     * the result is the reference's to the bit (a fused kernel with FMA may differ in the last bit).
     */
    default void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                               long count) {
        Composites.optimizerStep(this, step, param, grad, state1, state2, count);
    }
}
