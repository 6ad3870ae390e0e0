package dev.nabla.opencl;

import dev.nabla.kernels.host.Elementwise;
import dev.nabla.kernels.host.GemmKernel;
import dev.nabla.kernels.host.Indexing;
import dev.nabla.kernels.host.Optimizers;
import dev.nabla.kernels.host.Random;
import dev.nabla.kernels.host.Reductions;
import dev.nabla.kernels.host.SoftmaxCrossEntropy;
import static dev.nabla.opencl.OpenClStorage.memoryOf;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.jocl.CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseProgram;

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
import dev.nabla.DType;
import dev.nabla.kernels.Dialect;
import dev.nabla.kernels.KernelSource;
import java.util.List;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * One OpenCL device: a context, one in-order command queue, the Nabla program compiled from
 * {@link KernelSource} in the OpenCL dialect, and a caching allocator. Operations are queued and
 * return at once; {@link #copyOut} and {@link #synchronize} wait.
 *
 * <p>Set {@code NABLA_OPENCL_PROFILE=1} to time every launch with events ({@link #kernelTimes()}).
 */
public final class OpenClBackend implements Backend {

    private static final System.Logger LOG = System.getLogger("dev.nabla.opencl");

    private final DeviceInfo info;
    private final String deviceName;
    private final cl_context context;
    private final cl_command_queue queue;
    private final OpenClAllocator allocator;
    private final OpenClKernels kernels;

    OpenClBackend(OpenClDevices.Found found, DeviceInfo info) {
        this.info = info;
        this.deviceName = found.label();
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
            cl_command_queue drainQueue = created;
            allocator = new OpenClAllocator(createdContext, deviceName,
                    OpenClDevices.deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE),
                    OpenClDevices.deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE));
            allocator.setDrain(() -> clFinish(drainQueue));
            long start = System.nanoTime();
            program = OpenClKernels.build(createdContext, device, deviceName, KernelSource.assemble(Dialect.OPENCL),
                    buildOptions(device));
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("opencl: built the kernels for %s in %.0f ms",
                    deviceName, (System.nanoTime() - start) / 1e6));
            createdKernels = new OpenClKernels(program, createdQueue, deviceName, profiling);
            createdKernels.checkWorkGroupSizes(device);
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

    @Override
    public DeviceInfo info() {
        return info;
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

    /** Returns the allocator's cached blocks to the driver. */
    public void emptyCache() {
        synchronize();
        allocator.emptyCache();
    }

    // ---- memory -------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        return allocator.allocate(dtype, numel);
    }

    @Override
    public void free(Storage storage) {
        allocator.free((OpenClStorage) storage);
    }

    @Override
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    // SAFETY: host transfers block (CL_TRUE): the Java array may move once JOCL returns, so the
    // driver must have finished reading or writing it by then.

    @Override
    public void copyIn(float[] src, Storage dst) {
        if (src.length > 0) {
            transfer(() -> clEnqueueWriteBuffer(queue, memoryOf(dst), CL_TRUE, 0, 4L * src.length, Pointer.to(src),
                    0, null, null), "clEnqueueWriteBuffer");
        }
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        if (src.length > 0) {
            transfer(() -> clEnqueueWriteBuffer(queue, memoryOf(dst), CL_TRUE, 0, 4L * src.length, Pointer.to(src),
                    0, null, null), "clEnqueueWriteBuffer");
        }
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        if (dst.length > 0) {
            transfer(() -> clEnqueueReadBuffer(queue, memoryOf(src), CL_TRUE, 0, 4L * dst.length, Pointer.to(dst),
                    0, null, null), "clEnqueueReadBuffer");
        }
        collectTimes();
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        if (dst.length > 0) {
            transfer(() -> clEnqueueReadBuffer(queue, memoryOf(src), CL_TRUE, 0, 4L * dst.length, Pointer.to(dst),
                    0, null, null), "clEnqueueReadBuffer");
        }
        collectTimes();
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        long n = srcLayout.numel();
        if (n == 0) {
            return;
        }
        if (srcLayout.isContiguous()) {
            copyBuffer(src, srcLayout.offset(), dst, 0, n);
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
        if (srcLayout.isContiguous() && dstLayout.isContiguous()) {
            copyBuffer(src, srcLayout.offset(), dst, dstLayout.offset(), n);
        } else {
            Elementwise.copyInto(kernels, src, srcLayout, dst, dstLayout);
        }
    }

    private void copyBuffer(Storage src, long srcOffset, Storage dst, long dstOffset, long count) {
        transfer(() -> clEnqueueCopyBuffer(queue, memoryOf(src), memoryOf(dst), 4L * srcOffset, 4L * dstOffset,
                4L * count, 0, null, null), "clEnqueueCopyBuffer");
    }

    @Override
    public void cast(Storage src, Storage dst, long count) {
        if (count == 0) {
            return;
        }
        if (src.dtype() == dst.dtype()) {
            copyBuffer(src, 0, dst, 0, count);
        } else {
            Elementwise.cast(kernels, src, dst, count);
        }
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        Elementwise.fill(kernels, dst, value, count);
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
            throw new IllegalStateException("opencl: " + name + " on " + deviceName + " failed: " + e.getMessage(), e);
        }
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        Elementwise.unary(kernels, op, param, src, srcLayout, dst);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        Elementwise.binary(kernels, op, a, aLayout, b, bLayout, dst);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        Elementwise.where(kernels, cond, condLayout, a, aLayout, b, bLayout, dst);
    }

    // ---- reductions ---------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        Reductions.reduce(kernels, op, src, outer, extent, inner, dst);
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        Reductions.argmax(kernels, src, outer, extent, inner, dst);
    }

    // ---- matrix multiply ----------------------------------------------------------------

    @Override
    public void gemm(GemmSpec spec) {
        GemmKernel.gemm(kernels, spec);
    }

    // ---- indexing -----------------------------------------------------------------------

    @Override
    public void gather(Storage src, int rows, int cols, Storage indices, Storage dst) {
        Indexing.gather(kernels, src, rows, cols, indices, dst);
    }

    @Override
    public void oneHot(Storage indices, int rows, int classes, Storage dst) {
        Indexing.oneHot(kernels, indices, rows, classes, dst);
    }

    // ---- random -------------------------------------------------------------------------

    @Override
    public void randomUniform(long seed, long offset, Storage dst, long count) {
        Random.uniform(kernels, seed, offset, dst, count);
    }

    @Override
    public void randomNormal(long seed, long offset, Storage dst, long count) {
        Random.normal(kernels, seed, offset, dst, count);
    }

    // ---- fused numerics -----------------------------------------------------------------

    @Override
    public void softmaxCrossEntropyForward(Storage logits, Storage labels, int rows, int classes, Storage loss,
                                           Storage rowStats) {
        SoftmaxCrossEntropy.forward(kernels, logits, labels, rows, classes, loss, rowStats);
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                            int rows, int classes, Storage gradLogits) {
        SoftmaxCrossEntropy.backward(kernels, logits, labels, rowStats, gradLoss, rows, classes, gradLogits);
    }

    @Override
    public void softmax(Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        SoftmaxCrossEntropy.softmax(kernels, src, outer, extent, inner, log, dst);
    }

    // ---- optimizers ---------------------------------------------------------------------

    @Override
    public void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                              long count) {
        Optimizers.step(kernels, step, param, grad, state1, state2, count);
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + deviceName + "]";
    }
}
