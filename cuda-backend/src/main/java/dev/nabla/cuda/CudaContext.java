package dev.nabla.cuda;

import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuStreamCreate;

import java.lang.reflect.Method;
import jcuda.NativePointerObject;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;

/**
 * One device's primary context and its one stream.
 *
 * <p>The primary context is the one the CUDA runtime uses too, so cuBLAS (a runtime-API library)
 * works in it. A context is current per thread: every backend entry point calls {@link #bind()}
 * first, because the trainer's thread and the DataLoader's prefetch thread both use the device.
 */
final class CudaContext {

    /** The context last made current on each thread, to skip redundant cuCtxSetCurrent calls. */
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;

    CudaContext(int ordinal) {
        device = new CUdevice();
        check("cuDeviceGet", cuDeviceGet(device, ordinal));
        context = new CUcontext();
        check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(context, device));
        bind();
        stream = new CUstream();
        // Flags 0: a blocking stream, ordered with the legacy default stream as well.
        check("cuStreamCreate", cuStreamCreate(stream, 0));
    }

    /** Makes this context current on the calling thread (cheap when it already is). */
    void bind() {
        if (CURRENT.get() != context) {
            check("cuCtxSetCurrent", cuCtxSetCurrent(context));
            CURRENT.set(context);
        }
    }

    CUdevice device() {
        return device;
    }

    CUstream stream() {
        return stream;
    }

    /**
     * The stream's native handle ({@code cudaStream_t} and {@code CUstream} are the same pointer),
     * for the {@code java.lang.foreign} cuBLAS binding. JCuda keeps it in a protected field with
     * no public getter; its classes are on the class path (the unnamed module), so reflection may
     * read it. Only used when cuBLAS 13 is bound through FFM.
     */
    long streamHandle() {
        try {
            Method getter = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            getter.setAccessible(true);
            return (long) getter.invoke(stream);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cuda: cannot read the stream handle from JCuda's CUstream (" + e
                    + "); set NABLA_CUDA_GEMM=kernel to avoid the cuBLAS 13 binding", e);
        }
    }
}
