package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.conformance.HalfPrecisionConformance;

/** BF16 and F16 on the Vector-API CPU backend, against torch's bits and the reference backend. */
class CpuHalfPrecisionTest extends HalfPrecisionConformance {
    @Override
    protected Device device() {
        return Device.of("cpu:0");
    }
}
