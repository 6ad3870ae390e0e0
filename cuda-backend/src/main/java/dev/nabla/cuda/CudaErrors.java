package dev.nabla.cuda;

import jcuda.driver.CUresult;

/**
 * Turns driver-API status codes into exceptions that name the call and the error. Pure Java:
 * {@link CUresult} holds only constants and names, so this works (and is tested) without libcuda.
 */
final class CudaErrors {

    private CudaErrors() {
    }

    /** {@code CUDA_ERROR_OUT_OF_MEMORY (2)}; unknown codes as {@code CUresult 12345}. */
    static String name(int result) {
        String name = CUresult.stringFor(result);
        if (name == null || name.startsWith("INVALID CUresult")) {
            return "CUresult " + result;
        }
        return name + " (" + result + ")";
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code result} is CUDA_SUCCESS. */
    static void check(String call, int result) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw failure(call, result, "");
        }
    }

    static CudaException failure(String call, int result, String detail) {
        return new CudaException(call, result, call + " failed: " + name(result) + (detail.isEmpty() ? "" : "; " + detail));
    }

    /**
     * Errors that a faulting kernel leaves behind: they surface at the next synchronizing call,
     * not at the launch, and leave the context unusable (every later call fails the same way).
     */
    static boolean isKernelFault(int result) {
        return result == CUresult.CUDA_ERROR_ILLEGAL_ADDRESS
                || result == CUresult.CUDA_ERROR_LAUNCH_FAILED
                || result == CUresult.CUDA_ERROR_MISALIGNED_ADDRESS
                || result == CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION
                || result == CUresult.CUDA_ERROR_INVALID_ADDRESS_SPACE
                || result == CUresult.CUDA_ERROR_INVALID_PC
                || result == CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR
                || result == CUresult.CUDA_ERROR_LAUNCH_TIMEOUT
                || result == CUresult.CUDA_ERROR_ASSERT;
    }

    /**
     * Checks a call that waits for queued work (stream synchronize, device-to-host copy): its
     * error may come from any kernel queued before it, so the message names the last one launched.
     */
    static void checkQueued(String call, int result, String lastKernel) {
        if (result == CUresult.CUDA_SUCCESS) {
            return;
        }
        String detail;
        if (isKernelFault(result)) {
            detail = "a kernel faulted; the last kernel launched was " + lastKernel
                    + "; the CUDA context is unusable now (restart the process; NABLA_CUDA_SYNC=1 checks after every launch"
                    + " to find the kernel that faulted)";
        } else {
            detail = "the last kernel launched was " + lastKernel;
        }
        throw failure(call, result, detail);
    }
}
