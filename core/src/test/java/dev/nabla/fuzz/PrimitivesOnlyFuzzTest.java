package dev.nabla.fuzz;

import dev.nabla.Device;
import dev.nabla.TestDevices;

/**
 * The fuzz property on the backend with the SPI's primitives alone ({@code PrimitivesOnlyBackend}):
 * the default composites (softmax, cross-entropy) must agree with the reference's own.
 */
class PrimitivesOnlyFuzzTest extends BackendFuzzProperties {

    @Override
    protected Device device() {
        return TestDevices.primitivesOnly();
    }
}
