package dev.nabla;

import dev.nabla.backend.Backend;
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

    /**
     * A device over {@code backend} that describes itself as {@code base} and prints as
     * {@code "base (label)"}, for a second backend on the same hardware (another backend module's
     * tests: the OpenCL suites through its GEMM kernel as well as through CLBlast). Not registered:
     * {@code Device.of(base.id())} keeps returning {@code base}.
     */
    public static Device over(Device base, Backend backend, String label) {
        return Device.decorated(base, backend, label);
    }
}
