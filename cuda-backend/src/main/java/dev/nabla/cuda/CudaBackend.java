package dev.nabla.cuda;

import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.host.CachingAllocator;
import dev.nabla.kernels.host.IndexLimits;
import dev.nabla.kernels.host.KernelBackend;
import dev.nabla.kernels.host.KernelLauncher;
import java.util.Optional;
import java.util.OptionalDouble;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * One CUDA device: its primary context and one stream, the Nabla kernels loaded from NVRTC or
 * the packed PTX, cuBLAS (12 or 13) or the GEMM kernel, a caching allocator and pinned staging
 * for transfers. The compute primitives are {@link KernelBackend}'s; this class opens the device,
 * moves bytes and routes GEMM to cuBLAS. Operations are queued on the stream and return at once;
 * {@link #copyOut} and {@link #synchronize} wait.
 *
 * <p>Every entry point first makes the context current on the calling thread ({@link CudaContext#bind}).
 */
public final class CudaBackend extends KernelBackend {

    private static final System.Logger LOG = System.getLogger("dev.nabla.cuda");

    private final DeviceInfo info;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final Optional<Cublas> cublas;
    private final CachingAllocator<DeviceBlock> allocator;
    private final PinnedStaging staging;
    private final OptionalDouble peakFlops;

    CudaBackend(int ordinal, DeviceInfo probed, String hardware, KernelModules.Plan kernelPlan, GemmPaths.Plan gemmPlan) {
        super(probed.id() + " (" + probed.name() + ")");
        this.context = new CudaContext(ordinal);
        try {
            int major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            long start = System.nanoTime();
            KernelModules.Loaded loaded = KernelModules.load(kernelPlan, major, minor);
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("cuda: %s in %.0f ms", loaded.description(),
                    (System.nanoTime() - start) / 1e6));
            this.kernels = new CudaKernels(context, loaded.module(), context.stream(), deviceName());
            this.allocator = new CachingAllocator<>(new DriverMemory(), deviceName());
            // Created before cuBLAS, so a handle that cannot get its memory can release the cache and retry.
            GemmPaths.Opened gemm = GemmPaths.open(gemmPlan, context, this::releaseCacheForCublas);
            this.cublas = gemm.cublas();
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
    private OptionalDouble fp32Peak(int major, int minor) {
        int lanes = major == 7 || (major == 8 && minor == 0) ? 64
                : major == 8 || major == 9 || major == 10 || major == 12 ? 128 : 0;
        int[] clockKhz = new int[1];
        if (lanes == 0 || cuDeviceGetAttribute(clockKhz, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE,
                context.device()) != CUresult.CUDA_SUCCESS || clockKhz[0] <= 0) {
            return OptionalDouble.empty();
        }
        int multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        return OptionalDouble.of((double) multiprocessors * lanes * 2.0 * clockKhz[0] * 1e3);
    }

    /** Returns every cached block to the driver (after the stream): what cuBLAS retries after. */
    private void releaseCacheForCublas() {
        context.bind();
        allocator.emptyCache();
    }

    @Override
    public OptionalDouble peakFlops() {
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

    @Override
    protected KernelLauncher kernels() {
        return kernels;
    }

    @Override
    protected CachingAllocator<DeviceBlock> allocator() {
        return allocator;
    }

    @Override
    protected void enter() {
        context.bind();
    }

    /** Requests, cache hits, and the cuMemAlloc / cuMemFree calls behind them (not in {@link dev.nabla.backend.MemoryStats}). */
    public AllocatorCounts allocatorCounts() {
        CachingAllocator.Counts counts = allocator.counts();
        return new AllocatorCounts(counts.requests(), counts.cacheHits(), counts.deviceAllocations(),
                counts.deviceFrees());
    }

    @Override
    public void copyIn(float[] src, Storage dst) {
        context.bind();
        staging.copyIn(src, DeviceBlock.of(dst).pointer());
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        context.bind();
        staging.copyIn(src, DeviceBlock.of(dst).pointer());
    }

    @Override
    public void copyIn(short[] src, Storage dst) {
        context.bind();
        staging.copyIn(src, DeviceBlock.of(dst).pointer());
    }

    @Override
    public void copyOut(Storage src, short[] dst) {
        context.bind();
        staging.copyOut(DeviceBlock.of(src).pointer(), dst);
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        context.bind();
        staging.copyOut(DeviceBlock.of(src).pointer(), dst);
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        context.bind();
        staging.copyOut(DeviceBlock.of(src).pointer(), dst);
    }

    @Override
    protected void copyBuffer(Storage src, long srcOffset, Storage dst, long dstOffset, long count) {
        context.bind();
        long element = src.dtype().byteSize();
        CudaErrors.checkQueued("cuMemcpyDtoDAsync",
                cuMemcpyDtoDAsync(DeviceBlock.of(dst).pointer().withByteOffset(element * dstOffset),
                        DeviceBlock.of(src).pointer().withByteOffset(element * srcOffset), element * count,
                        context.stream()),
                kernels.lastKernel());
    }

    /** The block's device pointer: what NCCL and other native CUDA libraries take. */
    @Override
    public java.util.OptionalLong nativeAddress(Storage storage) {
        return java.util.OptionalLong.of(DeviceBlock.of(storage).address());
    }

    /** The backend's one stream: native work queued on it runs in order with Nabla's kernels. */
    @Override
    public long nativeStream() {
        return context.streamHandle();
    }

    @Override
    public void synchronize() {
        context.bind();
        context.waitForStream(kernels.lastKernel());
    }

    /** cuBLAS where the device has it, else the shared kernel. */
    @Override
    public void gemm(GemmSpec spec) {
        IndexLimits.gemm(spec);
        context.bind();
        Gemm.gemm(kernels, cublas, spec, this::releaseCacheForCublas);
    }
}
