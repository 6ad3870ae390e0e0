package dev.nabla.cuda;

import dev.nabla.kernels.host.Elementwise;
import dev.nabla.kernels.host.Indexing;
import dev.nabla.kernels.host.Optimizers;
import dev.nabla.kernels.host.Random;
import dev.nabla.kernels.host.Reductions;
import dev.nabla.kernels.host.SoftmaxCrossEntropy;
import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import java.util.Optional;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * One CUDA device: its primary context and one stream, the Nabla kernels loaded from NVRTC or
 * the packed PTX, cuBLAS (12 or 13) or the GEMM kernel, a caching allocator and pinned staging
 * for transfers. Operations are queued on the stream and return at once; {@link #copyOut} and
 * {@link #synchronize} wait.
 *
 * <p>Every entry point first makes the context current on the calling thread ({@link CudaContext#bind}).
 */
public final class CudaBackend implements Backend {

    private static final System.Logger LOG = System.getLogger("dev.nabla.cuda");

    private final DeviceInfo info;
    private final String deviceName;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final Optional<Cublas> cublas;
    private final CachingAllocator<DeviceBlock> allocator;
    private final PinnedStaging staging;
    private final java.util.OptionalDouble peakFlops;

    CudaBackend(int ordinal, DeviceInfo probed, String hardware, KernelModules.Plan kernelPlan, GemmPaths.Plan gemmPlan) {
        this.deviceName = probed.id() + " (" + probed.name() + ")";
        this.context = new CudaContext(ordinal);
        try {
            int major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            long start = System.nanoTime();
            KernelModules.Loaded loaded = KernelModules.load(kernelPlan, major, minor);
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("cuda: %s in %.0f ms", loaded.description(),
                    (System.nanoTime() - start) / 1e6));
            this.kernels = new CudaKernels(loaded.module(), context.stream(), deviceName);
            GemmPaths.Opened gemm = GemmPaths.open(gemmPlan, context);
            this.cublas = gemm.cublas();
            this.allocator = new CachingAllocator<>(new DriverMemory(), deviceName);
            this.staging = new PinnedStaging(context, kernels::lastKernel);
            this.peakFlops = fp32Peak(major, minor);
            // The probe guessed the paths; this is what the device actually uses.
            this.info = new DeviceInfo(probed.backend(), probed.index(), probed.name(), probed.kind(),
                    hardware + "; " + loaded.description() + "; "
                            + gemm.description());
        } catch (RuntimeException | LinkageError e) {
            // NOTE: auto falls back to another device when this one fails to open; give the
            // primary context (and all that was created in it) back before passing the error on.
            context.release();
            throw e;
        }
    }

    /**
     * SMs × FP32 lanes per SM × 2 (an FMA is two FLOPs) × the boost clock. Lanes per SM by
     * architecture: 64 for Volta, Turing and A100 (7.x, 8.0), 128 for 8.6/8.7/8.9, Hopper (9.0),
     * Blackwell (10.x, 12.x). Empty for an unknown architecture or when the driver no longer
     * reports the clock.
     */
    private java.util.OptionalDouble fp32Peak(int major, int minor) {
        int lanes = major == 7 || (major == 8 && minor == 0) ? 64
                : major == 8 || major == 9 || major == 10 || major == 12 ? 128 : 0;
        int[] clockKhz = new int[1];
        if (lanes == 0 || cuDeviceGetAttribute(clockKhz, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE,
                context.device()) != CUresult.CUDA_SUCCESS || clockKhz[0] <= 0) {
            return java.util.OptionalDouble.empty();
        }
        int multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        return java.util.OptionalDouble.of((double) multiprocessors * lanes * 2.0 * clockKhz[0] * 1e3);
    }

    @Override
    public java.util.OptionalDouble peakFlops() {
        return peakFlops;
    }

    private int attribute(int attribute) {
        int[] value = new int[1];
        check("cuDeviceGetAttribute", cuDeviceGetAttribute(value, attribute, context.device()));
        return value[0];
    }

    /**
     * cuMemAlloc / cuMemFree / cuMemGetInfo for the caching allocator. Each binds the context
     * itself (cheap when already current), so the allocator may be driven from any thread. A
     * failure after a kernel fault names the kernel launched last.
     */
    private final class DriverMemory implements CachingAllocator.DeviceMemory<DeviceBlock> {
        @Override
        public DeviceBlock allocate(long bytes) {
            context.bind();
            CUdeviceptr pointer = new CUdeviceptr();
            int result = cuMemAlloc(pointer, bytes);
            if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                return null;
            }
            CudaErrors.checkQueued("cuMemAlloc(" + bytes + " bytes)", result, kernels.lastKernel());
            return new DeviceBlock(pointer, CudaContext.nativeHandle(pointer));
        }

        @Override
        public void release(DeviceBlock block) {
            context.bind();
            CudaErrors.checkQueued("cuMemFree", cuMemFree(block.pointer()), kernels.lastKernel());
        }

        @Override
        public long freeBytes() {
            context.bind();
            long[] free = new long[1];
            long[] total = new long[1];
            return cuMemGetInfo(free, total) == CUresult.CUDA_SUCCESS ? free[0] : -1;
        }

        @Override
        public void synchronize() {
            CudaBackend.this.synchronize();
        }
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    /** Returns the allocator's cached blocks to the driver (after queued work has finished). */
    public void emptyCache() {
        context.bind();
        allocator.emptyCache();
    }

    // ---- memory -------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        context.bind();
        long bytes = numel * dtype.byteSize();
        DeviceBlock block = allocator.acquire(bytes);
        return new CudaStorage(dtype, numel, block, CachingAllocator.sizeClass(bytes));
    }

    @Override
    public void free(Storage storage) {
        CudaStorage cuda = CudaStorage.of(storage);
        if (!cuda.markFreed()) {
            throw new IllegalStateException(deviceName + ": " + storage + " freed twice");
        }
        allocator.release(cuda.block(), cuda.capacityBytes());
    }

    /** {@code allocations} is allocate calls served, cache hits included; {@link #allocatorCounts} splits them. */
    @Override
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    /** Requests, cache hits, and the cuMemAlloc / cuMemFree calls behind them (not in {@link MemoryStats}). */
    public AllocatorCounts allocatorCounts() {
        return allocator.counts();
    }

    @Override
    public void copyIn(float[] src, Storage dst) {
        context.bind();
        staging.copyIn(src, CudaStorage.of(dst).pointer());
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        context.bind();
        staging.copyIn(src, CudaStorage.of(dst).pointer());
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        context.bind();
        staging.copyOut(CudaStorage.of(src).pointer(), dst);
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        context.bind();
        staging.copyOut(CudaStorage.of(src).pointer(), dst);
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        long n = srcLayout.numel();
        if (n == 0) {
            return;
        }
        context.bind();
        if (srcLayout.isContiguous()) {
            copyDevice(src, srcLayout.offset(), dst, 0, n);
        } else {
            Elementwise.copy(kernels, src, srcLayout, dst);
        }
    }

    @Override
    public void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        long n = srcLayout.numel();
        if (n == 0) {
            return;
        }
        context.bind();
        if (srcLayout.isContiguous() && dstLayout.isContiguous()) {
            copyDevice(src, srcLayout.offset(), dst, dstLayout.offset(), n);
        } else {
            Elementwise.copyInto(kernels, src, srcLayout, dst, dstLayout);
        }
    }

    /** Device-to-device copy of {@code count} 4-byte elements, queued on the stream. */
    private void copyDevice(Storage src, long srcOffset, Storage dst, long dstOffset, long count) {
        CudaErrors.checkQueued("cuMemcpyDtoDAsync",
                cuMemcpyDtoDAsync(CudaStorage.of(dst).pointer().withByteOffset(4L * dstOffset),
                        CudaStorage.of(src).pointer().withByteOffset(4L * srcOffset), 4L * count, context.stream()),
                kernels.lastKernel());
    }

    @Override
    public void cast(Storage src, Storage dst, long count) {
        if (count == 0) {
            return;
        }
        context.bind();
        if (src.dtype() == dst.dtype()) {
            copyDevice(src, 0, dst, 0, count);
        } else {
            Elementwise.cast(kernels, src, dst, count);
        }
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        context.bind();
        Elementwise.fill(kernels, dst, value, count);
    }

    @Override
    public void synchronize() {
        context.bind();
        context.waitForStream(kernels.lastKernel());
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        context.bind();
        Elementwise.unary(kernels, op, param, src, srcLayout, dst);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        context.bind();
        Elementwise.binary(kernels, op, a, aLayout, b, bLayout, dst);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        context.bind();
        Elementwise.where(kernels, cond, condLayout, a, aLayout, b, bLayout, dst);
    }

    // ---- reductions ---------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        context.bind();
        Reductions.reduce(kernels, op, src, outer, extent, inner, dst);
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        context.bind();
        Reductions.argmax(kernels, src, outer, extent, inner, dst);
    }

    // ---- matrix multiply ----------------------------------------------------------------

    @Override
    public void gemm(GemmSpec spec) {
        context.bind();
        Gemm.gemm(kernels, cublas, spec);
    }

    // ---- indexing -----------------------------------------------------------------------

    @Override
    public void gather(Storage src, int rows, int cols, Storage indices, Storage dst) {
        context.bind();
        Indexing.gather(kernels, src, rows, cols, indices, dst);
    }

    @Override
    public void oneHot(Storage indices, int rows, int classes, Storage dst) {
        context.bind();
        Indexing.oneHot(kernels, indices, rows, classes, dst);
    }

    // ---- random -------------------------------------------------------------------------

    @Override
    public void randomUniform(long seed, long offset, Storage dst, long count) {
        context.bind();
        Random.uniform(kernels, seed, offset, dst, count);
    }

    @Override
    public void randomNormal(long seed, long offset, Storage dst, long count) {
        context.bind();
        Random.normal(kernels, seed, offset, dst, count);
    }

    // ---- fused numerics -----------------------------------------------------------------

    @Override
    public void softmaxCrossEntropyForward(Storage logits, Storage labels, int rows, int classes, Storage loss,
                                           Storage rowStats) {
        context.bind();
        SoftmaxCrossEntropy.forward(kernels, logits, labels, rows, classes, loss, rowStats);
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                            int rows, int classes, Storage gradLogits) {
        context.bind();
        SoftmaxCrossEntropy.backward(kernels, logits, labels, rowStats, gradLoss, rows, classes, gradLogits);
    }

    @Override
    public void softmax(Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        context.bind();
        SoftmaxCrossEntropy.softmax(kernels, src, outer, extent, inner, log, dst);
    }

    // ---- optimizers ---------------------------------------------------------------------

    @Override
    public void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                              long count) {
        context.bind();
        Optimizers.step(kernels, step, param, grad, state1, state2, count);
    }

    @Override
    public String toString() {
        return "CudaBackend[" + deviceName + "]";
    }
}
