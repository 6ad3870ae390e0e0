package dev.nabla.conformance;

import dev.nabla.Device;
import dev.nabla.TestDevices;

/** The SPI edge cases (empty, one element, odd sizes, strided layouts) through the composite defaults. */
class PrimitivesOnlyEdgeCasesTest extends BackendEdgeCasesTest {
    @Override
    protected Device device() {
        return TestDevices.primitivesOnly();
    }
}
