package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.conformance.AutocastConformance;
import dev.nabla.testing.ProbedDevice;

/**
 * Autocast on a CUDA device ({@code cuda:0}, or {@code -Dnabla.cuda.device=N}); each test skips
 * with the provider's reason where there is none.
 */
class CudaAutocastTest extends AutocastConformance {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }
}
