package dev.nabla.cuda;

/**
 * A CUDA driver, NVRTC or cuBLAS call returned an error. The message names the call and the
 * error ({@code cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (2)}), and for errors raised by
 * earlier asynchronous work, the kernel launched last.
 */
public class CudaException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;

    CudaException(String call, int code, String message) {
        super(message);
        this.call = call;
        this.code = code;
    }

    /** The native function that failed, e.g. {@code cuStreamSynchronize}. */
    public String call() {
        return call;
    }

    /** Its status code ({@code CUresult}, {@code nvrtcResult} or {@code cublasStatus_t}). */
    public int code() {
        return code;
    }
}
