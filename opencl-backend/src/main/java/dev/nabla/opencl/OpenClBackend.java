package dev.nabla.opencl;

import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.jocl.CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clReleaseProgram;

import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.Dialect;
import dev.nabla.kernels.KernelSource;
import dev.nabla.kernels.host.CachingAllocator;
import dev.nabla.kernels.host.DeviceStorage;
import dev.nabla.kernels.host.IndexLimits;
import dev.nabla.kernels.host.KernelBackend;
import dev.nabla.kernels.host.KernelLauncher;
import java.util.List;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * One OpenCL device: a context, one in-order command queue, the Nabla program compiled from
 * {@link KernelSource} in the OpenCL dialect, a caching allocator, and CLBlast or the GEMM kernel
 * ({@link GemmPaths}). The compute primitives are {@link KernelBackend}'s; this class opens the
 * device, moves bytes and routes GEMM ({@link Gemm}). Operations are queued and return at once;
 * {@link #copyOut} and {@link #synchronize} wait.
 *
 * <p>Set {@code NABLA_OPENCL_PROFILE=1} to time every launch with events ({@link #kernelTimes()}).
 */
public final class OpenClBackend extends KernelBackend {

    private final DeviceInfo info;
    private final cl_context context;
    private final cl_command_queue queue;
    private final CachingAllocator<cl_mem> allocator;
    private final OpenClKernels kernels;
    private final Gemm gemm;

    private static final System.Logger LOG = System.getLogger("dev.nabla.opencl");

    /**
     * Opens the device with the GEMM path {@code gemmPlan} chose at probe time; {@code probed} is
     * what the probe reported, and {@link #info()} the same with the GEMM path this device uses.
     *
     * @throws GemmPaths.ForcedPathException when {@code NABLA_OPENCL_GEMM=clblast} and CLBlast
     *                                       fails its test GEMM here
     */
    OpenClBackend(OpenClDevices.Found found, DeviceInfo probed, GemmPaths.Plan gemmPlan) {
        super(found.label());
        String deviceName = deviceName();
        cl_device_id device = found.device();
        long maxWorkGroup = OpenClDevices.deviceLong(device, CL_DEVICE_MAX_WORK_GROUP_SIZE);
        if (maxWorkGroup < KernelSource.BLOCK_SIZE) {
            throw new IllegalStateException("opencl: " + deviceName + " allows work-groups of " + maxWorkGroup
                    + " items; Nabla's kernels need " + KernelSource.BLOCK_SIZE);
        }
        cl_context createdContext = null;
        cl_command_queue createdQueue = null;
        cl_program program = null;
        OpenClKernels createdKernels = null;
        try {
            createdContext = clCreateContext(null, 1, new cl_device_id[] {device}, null, null, null);
            boolean profiling = "1".equals(System.getenv("NABLA_OPENCL_PROFILE"));
            // clCreateCommandQueue is deprecated in OpenCL 2.0 but is the call every 1.2+ driver has.
            @SuppressWarnings("deprecation")
            cl_command_queue created = clCreateCommandQueue(createdContext, device,
                    profiling ? CL_QUEUE_PROFILING_ENABLE : 0, null);
            createdQueue = created;
            // NOTE: OpenCL lets a driver defer allocating a buffer to its first use, so
            // clCreateBuffer may succeed past the device's memory and fail later inside a launch;
            // the allocator keeps to the device's global memory itself.
            allocator = new CachingAllocator<>(new BufferMemory(createdContext), deviceName,
                    new CachingAllocator.Limits(OpenClDevices.deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE),
                            OpenClDevices.deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            "CL_DEVICE_MAX_MEM_ALLOC_SIZE"));
            long start = System.nanoTime();
            program = OpenClKernels.build(createdContext, device, deviceName, KernelSource.assemble(Dialect.OPENCL),
                    buildOptions(device));
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("opencl: built the kernels for %s in %.0f ms",
                    deviceName, (System.nanoTime() - start) / 1e6));
            createdKernels = new OpenClKernels(program, createdQueue, deviceName, profiling);
            createdKernels.checkWorkGroupSizes(device);
            cl_context testContext = createdContext;
            cl_command_queue testQueue = createdQueue;
            long clblastStart = System.nanoTime();
            GemmPaths.Opened opened = GemmPaths.open(gemmPlan, deviceName,
                    () -> ClBlast.selfTest(testContext, testQueue, deviceName));
            if (opened.clblast()) {
                // The first CLBlast call compiles its small-GEMM program for the device: the cost of opening with it.
                LOG.log(System.Logger.Level.DEBUG, () -> String.format("opencl: CLBlast's test GEMM on %s took %.0f ms",
                        deviceName, (System.nanoTime() - clblastStart) / 1e6));
            }
            gemm = new Gemm(createdKernels, createdQueue, opened.clblast(), deviceName);
            info = new DeviceInfo(probed.backend(), probed.index(), probed.name(), probed.kind(),
                    found.description() + "; " + opened.description());
        } catch (RuntimeException e) {
            // NOTE: auto falls back to another device when this one fails to open, and the
            // process goes on: give the driver back what was created so far.
            releaseQuietly(createdKernels, program, createdQueue, createdContext);
            if (e instanceof CLException) {
                throw new IllegalStateException("opencl: cannot open " + deviceName + ": " + e.getMessage(), e);
            }
            throw e;
        }
        context = createdContext;
        queue = createdQueue;
        kernels = createdKernels;
    }

    private static void releaseQuietly(OpenClKernels kernels, cl_program program, cl_command_queue queue,
                                       cl_context context) {
        try {
            if (kernels != null) {
                kernels.release();
            } else if (program != null) {
                clReleaseProgram(program);
            }
            if (queue != null) {
                clReleaseCommandQueue(queue);
            }
            if (context != null) {
                clReleaseContext(context);
            }
        } catch (CLException e) {
            LOG.log(System.Logger.Level.DEBUG, "opencl: releasing a device that failed to open: " + e.getMessage());
        }
    }

    /**
     * OpenCL C 1.2, and IEEE-correct division and sqrt where the device offers them. NOTE: OpenCL
     * otherwise allows 2.5 ulp for division and 3 ulp for sqrt; the correctly rounded forms match
     * Java's float arithmetic in the optimizer updates and softmax exactly.
     */
    private static String buildOptions(cl_device_id device) {
        long fpConfig = OpenClDevices.deviceLong(device, CL_DEVICE_SINGLE_FP_CONFIG);
        String options = "-cl-std=CL1.2";
        if ((fpConfig & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0) {
            options += " -cl-fp32-correctly-rounded-divide-sqrt";
        }
        return options;
    }

    /**
     * clCreateBuffer / clReleaseMemObject for the caching allocator. clReleaseMemObject defers
     * the real release until queued commands using the buffer have finished.
     */
    private final class BufferMemory implements CachingAllocator.DeviceMemory<cl_mem> {
        private final cl_context bufferContext;

        BufferMemory(cl_context bufferContext) {
            this.bufferContext = bufferContext;
        }

        @Override
        public cl_mem allocate(long bytes) {
            try {
                return clCreateBuffer(bufferContext, CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException e) {
                int status = e.getStatus();
                if (status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
                        || status == CL_OUT_OF_HOST_MEMORY) {
                    return null;
                }
                throw new IllegalStateException(deviceName() + ": clCreateBuffer(" + bytes + " bytes) failed: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void release(cl_mem block) {
            clReleaseMemObject(block);
        }

        /** OpenCL has no query for it; the allocator's budget says what is left. */
        @Override
        public long freeBytes() {
            return -1;
        }

        @Override
        public void synchronize() {
            OpenClBackend.this.synchronize();
        }
    }

    @Override
    protected CachingAllocator<cl_mem> allocator() {
        return allocator;
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    /** GEMM calls since the device opened that ran on CLBlast and on the kernel, {@code [CLBlast, kernel]} (for tests). */
    long[] gemmCalls() {
        return gemm.calls();
    }

    /** CLBlast where the device opened with it, else the shared kernel; the epilogue is Nabla's kernel either way. */
    @Override
    public void gemm(GemmSpec spec) {
        IndexLimits.gemm(spec);
        gemm.gemm(spec);
    }

    /** The names of the kernels in the compiled program (for tests and diagnostics). */
    public List<String> kernelNames() {
        return List.copyOf(kernels.kernelNames());
    }

    /** Per-kernel device time since the backend opened; empty unless NABLA_OPENCL_PROFILE=1. */
    public List<String> kernelTimes() {
        synchronize();
        return kernels.kernelTimes().stream()
                .map(t -> String.format("%-28s %8d launches %10.3f ms", t.kernel(), t.launches(), t.nanoseconds() / 1e6))
                .toList();
    }

    @Override
    protected KernelLauncher kernels() {
        return kernels;
    }

    // SAFETY: host transfers block (CL_TRUE): the Java array may move once JOCL returns, so the
    // driver must have finished reading or writing it by then.

    @Override
    public void copyIn(float[] src, Storage dst) {
        write(Pointer.to(src), src.length, dst);
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        write(Pointer.to(src), src.length, dst);
    }

    @Override
    public void copyIn(short[] src, Storage dst) {
        write(Pointer.to(src), src.length, dst);
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        read(src, Pointer.to(dst), dst.length);
    }

    @Override
    public void copyOut(Storage src, short[] dst) {
        read(src, Pointer.to(dst), dst.length);
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        read(src, Pointer.to(dst), dst.length);
    }

    /** {@code count} elements of {@code dst}'s dtype from the host into {@code dst}. */
    private void write(Pointer host, int count, Storage dst) {
        long bytes = (long) dst.dtype().byteSize() * count;
        if (count > 0) {
            transfer(() -> clEnqueueWriteBuffer(queue, memoryOf(dst), CL_TRUE, 0, bytes, host, 0, null, null),
                    "clEnqueueWriteBuffer");
        }
    }

    /** {@code count} elements of {@code src} to the host; profiled launches are collected, as the queue is drained. */
    private void read(Storage src, Pointer host, int count) {
        long bytes = (long) src.dtype().byteSize() * count;
        if (count > 0) {
            transfer(() -> clEnqueueReadBuffer(queue, memoryOf(src), CL_TRUE, 0, bytes, host, 0, null, null),
                    "clEnqueueReadBuffer");
        }
        collectTimes();
    }

    @Override
    protected void copyBuffer(Storage src, long srcOffset, Storage dst, long dstOffset, long count) {
        long element = src.dtype().byteSize();
        transfer(() -> clEnqueueCopyBuffer(queue, memoryOf(src), memoryOf(dst), element * srcOffset,
                element * dstOffset, element * count, 0, null, null), "clEnqueueCopyBuffer");
    }

    @Override
    public void synchronize() {
        transfer(() -> clFinish(queue), "clFinish");
        collectTimes();
    }

    private void collectTimes() {
        if (kernels.profiling()) {
            kernels.collectTimes();
        }
    }

    private void transfer(Runnable call, String name) {
        try {
            call.run();
        } catch (CLException e) {
            throw new IllegalStateException("opencl: " + name + " on " + deviceName() + " failed: " + e.getMessage(), e);
        }
    }

    /** The buffer of a storage this backend allocated. */
    static cl_mem memoryOf(Storage storage) {
        return DeviceStorage.handle(storage, cl_mem.class);
    }
}
