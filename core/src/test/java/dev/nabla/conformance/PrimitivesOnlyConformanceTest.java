package dev.nabla.conformance;

import dev.nabla.Device;
import dev.nabla.TestDevices;

/**
 * The whole conformance suite on a backend with the SPI's primitives alone: the composite
 * defaults ({@code softmax}, cross-entropy, optimizer steps) must pass it unaided.
 */
class PrimitivesOnlyConformanceTest extends BackendConformanceTest {
    @Override
    protected Device device() {
        return TestDevices.primitivesOnly();
    }
}
