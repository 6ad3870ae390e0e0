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
