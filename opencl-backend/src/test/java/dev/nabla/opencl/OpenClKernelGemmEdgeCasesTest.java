package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.BackendEdgeCasesTest;

/** The SPI edge cases on {@code opencl:0} with GEMM on Nabla's kernel (see {@link OpenClKernelGemmConformanceTest}). */
class OpenClKernelGemmEdgeCasesTest extends BackendEdgeCasesTest {

    @Override
    protected Device device() {
        return KernelGemmDevice.orSkip();
    }
}
