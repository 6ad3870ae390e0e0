package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.AutocastConformance;
import dev.nabla.testing.ProbedDevice;

/**
 * Autocast on the first OpenCL device (PoCL in CI); where there is no device, each test skips with
 * the provider's reason.
 */
class OpenClAutocastTest extends AutocastConformance {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }
}
