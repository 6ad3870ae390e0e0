package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.conformance.BackendEdgeCasesTest;

/** The SPI edge cases on the Vector-API CPU backend, against the reference backend. */
class CpuEdgeCasesTest extends BackendEdgeCasesTest {
    @Override
    protected Device device() {
        return Device.of("cpu:0");
    }
}
