package dev.nabla.conformance;

import dev.nabla.Device;

/** Autocast on the reference backend: op lists, values and gradients against its own F32 run. */
class ReferenceAutocastTest extends AutocastConformance {
    @Override
    protected Device device() {
        return Device.reference();
    }
}
