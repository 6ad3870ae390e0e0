package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.conformance.AutocastConformance;

/** Autocast on the Vector-API CPU backend: op lists, values and gradients against its F32 run. */
class CpuAutocastTest extends AutocastConformance {
    @Override
    protected Device device() {
        return Device.of("cpu:0");
    }
}
