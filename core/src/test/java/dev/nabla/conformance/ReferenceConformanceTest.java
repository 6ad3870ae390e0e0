package dev.nabla.conformance;

import dev.nabla.Device;

/** The conformance suite on the reference backend itself: golden values and gradient checks. */
class ReferenceConformanceTest extends BackendConformanceTest {
    @Override
    protected Device device() {
        return Device.reference();
    }
}
