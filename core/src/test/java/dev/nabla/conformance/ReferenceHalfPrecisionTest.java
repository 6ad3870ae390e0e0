package dev.nabla.conformance;

import dev.nabla.Device;

/** BF16 and F16 on the reference backend: its casts against torch's bits, its ops against itself. */
class ReferenceHalfPrecisionTest extends HalfPrecisionConformance {
    @Override
    protected Device device() {
        return Device.reference();
    }
}
