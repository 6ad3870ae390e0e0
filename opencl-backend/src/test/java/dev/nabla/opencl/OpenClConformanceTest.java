package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.BackendConformanceTest;
import dev.nabla.testing.ProbedDevice;

/**
 * The shared conformance suite on the first OpenCL device (PoCL in CI), against the reference
 * backend, with GEMM on CLBlast where it loads ({@link OpenClKernelGemmConformanceTest} runs it
 * on Nabla's GEMM kernel); where there is no device, each test skips with the provider's reason.
 */
class OpenClConformanceTest extends BackendConformanceTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }
}
