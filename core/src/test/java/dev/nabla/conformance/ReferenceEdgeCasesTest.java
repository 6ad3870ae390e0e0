package dev.nabla.conformance;

import dev.nabla.Device;

/** The SPI edge cases on the reference backend: its own rules (NaN, saturation, empty launches) hold. */
class ReferenceEdgeCasesTest extends BackendEdgeCasesTest {
    @Override
    protected Device device() {
        return Device.reference();
    }
}
