package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** Error names and messages, without a GPU (CUresult is plain Java). */
class CudaErrorsTest {

    @Test
    void namesCodesTheWayTheDriverHeaderDoes() {
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY (2)", CudaErrors.name(2));
        assertEquals("CUDA_ERROR_NO_DEVICE (100)", CudaErrors.name(100));
        assertEquals("CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222)", CudaErrors.name(222));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS (700)", CudaErrors.name(700));
        assertEquals("CUresult 123456", CudaErrors.name(123456));
    }

    @Test
    void aFailedCallNamesTheCallAndTheError() {
        CudaErrors.check("cuMemAlloc", CUresult.CUDA_SUCCESS);
        var e = assertThrows(CudaException.class, () -> CudaErrors.check("cuMemAlloc", 2));
        assertEquals("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.getMessage());
        assertEquals("cuMemAlloc", e.call());
        assertEquals(2, e.code());
    }

    @Test
    void aKernelFaultNamesTheLastKernelLaunched() {
        var e = assertThrows(CudaException.class,
                () -> CudaErrors.checkQueued("cuStreamSynchronize", CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, "gemm_nt_f32"));
        assertTrue(e.getMessage().startsWith("cuStreamSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)"), e.getMessage());
        assertTrue(e.getMessage().contains("the last kernel launched was gemm_nt_f32"), e.getMessage());
        assertTrue(e.getMessage().contains("NABLA_CUDA_SYNC=1"), e.getMessage());
        assertTrue(CudaErrors.isKernelFault(CUresult.CUDA_ERROR_LAUNCH_FAILED));
        assertFalse(CudaErrors.isKernelFault(CUresult.CUDA_ERROR_OUT_OF_MEMORY));
    }

    @Test
    void cublasStatusesHaveNames() {
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED (1)", Cublas.statusName(1));
        var e = assertThrows(CudaException.class, () -> Cublas.check("cublasSgemm_v2", 13));
        assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_EXECUTION_FAILED (13)", e.getMessage());
        assertEquals("12.6.3", JCublasGemm.versionText(120603));
        assertEquals("13.0.2", JCublasGemm.versionText(130002));
    }

    @Test
    void readsNativeHandlesFromJCudaObjects() {
        // A handle JCuda has not filled in yet is 0; what matters is that the reflective read works here.
        assertEquals(0L, CudaContext.nativeHandle(new jcuda.driver.CUdeviceptr()));
        assertEquals(0L, CudaContext.nativeHandle(new jcuda.driver.CUstream()));
    }
}
