package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.BackendEdgeCasesTest;
import dev.nabla.testing.ProbedDevice;

/**
 * The SPI edge cases on the first OpenCL device (PoCL in CI), against the reference backend; where
 * there is none, each test skips with the provider's reason.
 */
class OpenClEdgeCasesTest extends BackendEdgeCasesTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }
}
