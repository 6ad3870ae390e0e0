package dev.nabla.cuda;

import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxGetState;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxSetFlags;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamCreate;

import java.lang.reflect.Method;
import jcuda.NativePointerObject;
import jcuda.driver.CUcontext;
import jcuda.driver.CUctx_flags;
import jcuda.driver.CUdevice;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * One device's primary context and its one stream.
 *
 * <p>The primary context is the one the CUDA runtime uses too, so cuBLAS (a runtime-API library)
 * works in it. A context is current per OS thread: every backend entry point calls {@link #bind()}
 * first, because the trainer's thread and the DataLoader's prefetch thread both use the device,
 * and so does every place that takes a lock before a driver call (see {@link #bind()}).
 *
 * <p>Waiting: the primary context is asked for {@code CU_CTX_SCHED_BLOCKING_SYNC} before it is
 * retained, and {@link #waitForStream} waits on an event created with
 * {@code CU_EVENT_BLOCKING_SYNC}, so a thread waiting for the GPU sleeps in the driver instead of
 * spinning a CPU core (the default, {@code CU_CTX_SCHED_AUTO}, spins when there are fewer CUDA
 * contexts than cores, which would take a core from the DataLoader for the whole of each wait).
 */
final class CudaContext {

    private static final System.Logger LOG = System.getLogger("dev.nabla.cuda");

    /** The primary context's flags: waits block the thread (see the class comment). */
    static final int CONTEXT_FLAGS = CUctx_flags.CU_CTX_SCHED_BLOCKING_SYNC;
    /** The wait event's flags: no timing (cheaper), and blocking waits even if the context spins. */
    static final int WAIT_EVENT_FLAGS = CUevent_flags.CU_EVENT_DISABLE_TIMING | CUevent_flags.CU_EVENT_BLOCKING_SYNC;

    private final CUdevice device;
    private final CUcontext context;
    /** The context's native handle, compared with cuCtxGetCurrent's; 0 when JCuda hides it (then bind always sets). */
    private final long contextHandle;
    private final CUstream stream;
    /** Recorded on the stream and waited for by {@link #waitForStream}; shared by all threads (see there). */
    private final CUevent idle;

    CudaContext(int ordinal) {
        device = new CUdevice();
        check("cuDeviceGet", cuDeviceGet(device, ordinal));
        // Before the retain, so the context is created with them. cuDevicePrimaryCtxSetFlags_v2
        // (what JCuda 12 calls) also applies them to an already active primary context; a failure
        // only costs CPU time while waiting, so it is logged, not thrown.
        int flagsResult = cuDevicePrimaryCtxSetFlags(device, CONTEXT_FLAGS);
        if (flagsResult != CUresult.CUDA_SUCCESS) {
            LOG.log(System.Logger.Level.WARNING, "cuda:" + ordinal + ": cuDevicePrimaryCtxSetFlags(BLOCKING_SYNC) failed: "
                    + CudaErrors.name(flagsResult) + "; waits may spin a CPU core");
        }
        context = new CUcontext();
        check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(context, device));
        contextHandle = GET_NATIVE_POINTER == null ? 0 : nativeHandle(context);
        int[] flags = new int[1];
        int[] active = new int[1];
        if (cuDevicePrimaryCtxGetState(device, flags, active) == CUresult.CUDA_SUCCESS
                && (flags[0] & CUctx_flags.CU_CTX_SCHED_MASK) != CONTEXT_FLAGS) {
            LOG.log(System.Logger.Level.DEBUG, () -> "cuda:" + ordinal + ": primary context scheduling flags are "
                    + (flags[0] & CUctx_flags.CU_CTX_SCHED_MASK) + ", not BLOCKING_SYNC; waits use a blocking-sync event");
        }
        stream = new CUstream();
        idle = new CUevent();
        try {
            bind();
            // Flags 0: a blocking stream, ordered with the legacy default stream as well.
            check("cuStreamCreate", cuStreamCreate(stream, 0));
            check("cuEventCreate", cuEventCreate(idle, WAIT_EVENT_FLAGS));
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /**
     * Gives the primary context back (a device that failed to open: {@code auto} then goes on
     * with another device, and the process keeps running). When no one else retains it, the
     * driver destroys it with everything created in it: stream, event, modules, memory, cuBLAS
     * workspace. Never throws.
     */
    void release() {
        int result = cuDevicePrimaryCtxRelease(device);
        if (result != CUresult.CUDA_SUCCESS) {
            LOG.log(System.Logger.Level.DEBUG, "cuDevicePrimaryCtxRelease failed: " + CudaErrors.name(result));
        }
    }

    /**
     * Waits until everything queued on the stream so far has run, sleeping rather than spinning.
     * Errors of earlier asynchronous work (a kernel fault) surface here and name {@code lastKernel}.
     *
     * <p>Threads share the one event: if another thread records it again before this one waits,
     * this one waits for that later point of the same stream, which includes its own work.
     */
    void waitForStream(String lastKernel) {
        CudaErrors.checkQueued("cuEventRecord", cuEventRecord(idle, stream), lastKernel);
        CudaErrors.checkQueued("cuEventSynchronize", cuEventSynchronize(idle), lastKernel);
    }

    /**
     * Makes this context current on the calling OS thread unless the driver says it already is.
     *
     * <p>Why ask the driver ({@code cuCtxGetCurrent}, a thread-local read inside libcuda) rather
     * than remember what this class set: other code in the process (a second device, a library
     * that creates its own context, user code calling JCuda) may have changed the current context
     * since, and a remembered value would then launch into the wrong context. And a virtual thread
     * can move to another carrier (OS) thread whenever it blocks, also on a contended lock, so
     * code that takes a lock before a driver call binds again after taking it (staging, cuBLAS,
     * kernel launches do).
     */
    void bind() {
        if (contextHandle == 0 || currentHandle() != contextHandle) {
            check("cuCtxSetCurrent", cuCtxSetCurrent(context));
        }
    }

    /** The native handle of the calling thread's current context, or -1 when the driver cannot say. */
    private static long currentHandle() {
        CUcontext current = new CUcontext();
        return cuCtxGetCurrent(current) == CUresult.CUDA_SUCCESS ? nativeHandle(current) : -1;
    }

    CUdevice device() {
        return device;
    }

    CUstream stream() {
        return stream;
    }

    /**
     * The stream's native handle ({@code cudaStream_t} and {@code CUstream} are the same pointer),
     * for the {@code java.lang.foreign} cuBLAS binding.
     */
    long streamHandle() {
        return nativeHandle(stream);
    }

    private static final Method GET_NATIVE_POINTER;

    static {
        Method getter;
        try {
            getter = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            getter.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            getter = null;
        }
        GET_NATIVE_POINTER = getter;
    }

    /**
     * The native value JCuda keeps in a handle object: a {@code CUstream}'s pointer, a
     * {@code CUdeviceptr}'s device address (without any byte offset). JCuda keeps it behind a
     * protected getter; its classes are on the class path (the unnamed module, which is open),
     * so reflection may call it. Needed only to pass handles to the {@code java.lang.foreign}
     * cuBLAS binding.
     */
    static long nativeHandle(NativePointerObject object) {
        if (GET_NATIVE_POINTER == null) {
            throw new IllegalStateException("cuda: JCuda's NativePointerObject.getNativePointer is not accessible; "
                    + "set NABLA_CUDA_GEMM=kernel to avoid the cuBLAS 13 binding");
        }
        try {
            return (long) GET_NATIVE_POINTER.invoke(object);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cuda: cannot read a native handle from " + object + ": " + e, e);
        }
    }
}
