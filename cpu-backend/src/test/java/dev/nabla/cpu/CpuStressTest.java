package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.conformance.DeviceStressTest;

/** Large copies, copies from other threads, 2048² GEMMs and an epoch of training on the CPU backend. */
class CpuStressTest extends DeviceStressTest {

    @Override
    protected Device device() {
        return Device.of("cpu");
    }
}
