package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.conformance.BackendConformanceTest;

/** The shared conformance suite on the Vector-API CPU backend, against the reference backend. */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    protected Device device() {
        return Device.of("cpu");
    }
}
