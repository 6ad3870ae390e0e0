package dev.nabla.kernels.host;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;

/**
 * A GPU backend over the shared kernels: every compute primitive of the SPI, written once over
 * {@link KernelLauncher} and a {@link CachingAllocator}. A subclass brings what its GPU API does
 * its own way: opening the device, host transfers, device-to-device copies, waiting for the queue,
 * and, where a vendor library does better than the shared kernel, GEMM.
 *
 * <p>Every command goes to the device's one in-order queue or stream; the caching allocator's
 * reuse of freed blocks depends on it (see {@link CachingAllocator}).
 */
public abstract class KernelBackend implements Backend {

    private final String deviceName;

    /** @param deviceName the device as messages and {@link #toString} name it */
    protected KernelBackend(String deviceName) {
        this.deviceName = deviceName;
    }

    protected final String deviceName() {
        return deviceName;
    }

    /** The launcher of this device's compiled kernels. */
    protected abstract KernelLauncher kernels();

    /** {@link #kernels()} with every launch's size checked against the kernels' int indexing ({@link IndexLimits}). */
    private KernelLauncher launcher() {
        return IndexLimits.guard(kernels());
    }

    /** The allocator of this device's memory; its storages are the ones the kernels receive. */
    protected abstract CachingAllocator<?> allocator();

    /**
     * Queues a copy of {@code count} elements of {@code src}'s dtype (4 or 2 bytes each) between two
     * device blocks of that dtype, at element offsets.
     */
    protected abstract void copyBuffer(Storage src, long srcOffset, Storage dst, long dstOffset, long count);

    /**
     * Readies the calling thread to queue commands; runs before each one. NOTE: a hook rather than
     * nothing, because core may call from any thread and CUDA's context is current per thread.
     */
    protected void enter() {
    }

    /** Returns the allocator's cached blocks to the driver (after queued work has finished). */
    public void emptyCache() {
        enter();
        allocator().emptyCache();
    }

    // ---- memory -------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        enter();
        return allocator().allocate(dtype, numel);
    }

    @Override
    public void free(Storage storage) {
        allocator().free(storage);
    }

    /** {@code allocations} is allocate calls served, cache hits included. */
    @Override
    public MemoryStats memoryStats() {
        return allocator().stats();
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        long n = srcLayout.numel();
        if (n == 0) {
            return;
        }
        enter();
        if (srcLayout.isContiguous()) {
            copyBuffer(src, srcLayout.offset(), dst, 0, n);
        } else {
            IndexLimits.layout("copy", srcLayout);
            Elementwise.copy(launcher(), src, srcLayout, dst);
        }
    }

    @Override
    public void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        long n = srcLayout.numel();
        if (n == 0) {
            return;
        }
        enter();
        if (srcLayout.isContiguous() && dstLayout.isContiguous()) {
            copyBuffer(src, srcLayout.offset(), dst, dstLayout.offset(), n);
        } else {
            Elementwise.copyInto(launcher(), src, srcLayout, dst, dstLayout);
        }
    }

    @Override
    public void cast(Storage src, Storage dst, long count) {
        if (count == 0) {
            return;
        }
        enter();
        if (src.dtype() == dst.dtype()) {
            copyBuffer(src, 0, dst, 0, count);
        } else {
            Elementwise.cast(launcher(), src, dst, count);
        }
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        enter();
        Elementwise.fill(launcher(), dst, value, count);
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        enter();
        IndexLimits.layout(op.name().toLowerCase(java.util.Locale.ROOT), srcLayout);
        Elementwise.unary(launcher(), op, param, src, srcLayout, dst);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        enter();
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        IndexLimits.layout(name, aLayout);
        IndexLimits.layout(name, bLayout);
        Elementwise.binary(launcher(), op, a, aLayout, b, bLayout, dst);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        enter();
        IndexLimits.layout("where", condLayout);
        IndexLimits.layout("where", aLayout);
        IndexLimits.layout("where", bLayout);
        Elementwise.where(launcher(), cond, condLayout, a, aLayout, b, bLayout, dst);
    }

    // ---- reductions ---------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        enter();
        IndexLimits.elements("reduce " + op.name().toLowerCase(java.util.Locale.ROOT), outer, extent, inner);
        Reductions.reduce(launcher(), op, src, outer, extent, inner, dst);
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        enter();
        IndexLimits.elements("argmax", outer, extent, inner);
        Reductions.argmax(launcher(), src, outer, extent, inner, dst);
    }

    // ---- matrix multiply ----------------------------------------------------------------

    /** The shared tiled kernel (F32, BF16 or F16 operands); a backend with a vendor BLAS overrides this. */
    @Override
    public void gemm(GemmSpec spec) {
        enter();
        IndexLimits.gemm(spec);
        GemmKernel.gemm(launcher(), spec);
    }

    // ---- indexing -----------------------------------------------------------------------

    @Override
    public void gather(Storage src, int rows, int cols, Storage indices, Storage dst) {
        enter();
        IndexLimits.elements("gather", rows, cols);
        Indexing.gather(launcher(), src, rows, cols, indices, dst);
    }

    @Override
    public void oneHot(Storage indices, int rows, int classes, Storage dst) {
        enter();
        IndexLimits.elements("oneHot", rows, classes);
        Indexing.oneHot(launcher(), indices, rows, classes, dst);
    }

    // ---- random -------------------------------------------------------------------------

    @Override
    public void randomUniform(long seed, long offset, Storage dst, long count) {
        enter();
        Random.uniform(launcher(), seed, offset, dst, count);
    }

    @Override
    public void randomNormal(long seed, long offset, Storage dst, long count) {
        enter();
        Random.normal(launcher(), seed, offset, dst, count);
    }

    // ---- fused numerics -----------------------------------------------------------------

    @Override
    public void crossEntropyForward(Storage logits, Storage labels, int rows, int classes, Storage loss,
                                    Storage rowStats) {
        enter();
        IndexLimits.elements("crossEntropyForward", rows, classes);
        SoftmaxCrossEntropy.forward(launcher(), logits, labels, rows, classes, loss, rowStats);
    }

    @Override
    public void crossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                     int rows, int classes, Storage gradLogits) {
        enter();
        IndexLimits.elements("crossEntropyBackward", rows, classes);
        SoftmaxCrossEntropy.backward(launcher(), logits, labels, rowStats, gradLoss, rows, classes, gradLogits);
    }

    @Override
    public void softmax(Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        enter();
        IndexLimits.elements(log ? "logSoftmax" : "softmax", outer, extent, inner);
        SoftmaxCrossEntropy.softmax(launcher(), src, outer, extent, inner, log, dst);
    }

    // ---- optimizers ---------------------------------------------------------------------

    @Override
    public void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                              long count) {
        enter();
        Optimizers.step(launcher(), step, param, grad, state1, state2, count);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + deviceName + "]";
    }
}
