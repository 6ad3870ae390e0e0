package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.HalfPrecisionConformance;
import dev.nabla.testing.ProbedDevice;

/**
 * BF16 and F16 on the first OpenCL device (PoCL in CI): the shared kernels' integer casts against
 * torch's bits and the reference backend; where there is no device, each test skips with the
 * provider's reason.
 */
class OpenClHalfPrecisionTest extends HalfPrecisionConformance {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }
}
