package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.BackendConformanceTest;

/**
 * The shared conformance suite on {@code opencl:0} with GEMM on Nabla's kernel, the path a device
 * without CLBlast takes ({@link OpenClConformanceTest} runs it through CLBlast where that loads).
 */
class OpenClKernelGemmConformanceTest extends BackendConformanceTest {

    @Override
    protected Device device() {
        return KernelGemmDevice.orSkip();
    }
}
