package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.conformance.BackendEdgeCasesTest;
import dev.nabla.testing.ProbedDevice;

/**
 * The SPI edge cases on a CUDA device ({@code cuda:0}, or {@code -Dnabla.cuda.device=N}); each
 * test skips with the provider's reason where there is none (see {@link CudaConformanceTest}).
 */
class CudaEdgeCasesTest extends BackendEdgeCasesTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }
}
