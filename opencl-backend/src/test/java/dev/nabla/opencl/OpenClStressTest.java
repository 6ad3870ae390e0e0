package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.DeviceStressTest;
import dev.nabla.testing.ProbedDevice;

/**
 * Large copies, copies from platform and virtual threads during launches, 2048² GEMMs in every
 * transposition and an epoch of training against the CPU, on {@code opencl:0} (PoCL here); skips
 * with the provider's reason where there is no OpenCL device.
 */
class OpenClStressTest extends DeviceStressTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }
}
