package dev.nabla;

import dev.nabla.testing.PrimitivesOnlyBackend;

/** Devices over test-only backends, for the conformance suite and the examples' tests. */
public final class TestDevices {

    private static volatile Device primitivesOnly;

    private TestDevices() {
    }

    /**
     * A device whose backend implements only the SPI's required primitives (see
     * {@link PrimitivesOnlyBackend}); one instance per JVM, like {@code Device.of}'s devices.
     */
    public static Device primitivesOnly() {
        Device device = primitivesOnly;
        if (device == null) {
            synchronized (TestDevices.class) {
                if (primitivesOnly == null) {
                    primitivesOnly = Device.decorated(Device.reference(), PrimitivesOnlyBackend.create(), "primitives only");
                }
                device = primitivesOnly;
            }
        }
        return device;
    }
}
