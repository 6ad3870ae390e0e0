package dev.nabla.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The skip-or-fail rule for an unavailable backend ({@code NABLA_REQUIRE}). */
class ProbedDeviceTest {

    private static final Probe NO_DRIVER = Probe.unavailable("no NVIDIA driver: libcuda.so.1 is not installed");

    @Test
    void anUnavailableBackendThatIsNotRequiredSkipsWithTheReason() {
        var skipped = assertThrows(TestAbortedException.class,
                () -> ProbedDevice.assumeAvailable("cuda", "CUDA", NO_DRIVER, Set.of()));
        assertEquals("no CUDA device: no NVIDIA driver: libcuda.so.1 is not installed",
                skipped.getMessage());
        assertThrows(TestAbortedException.class,
                () -> ProbedDevice.assumeAvailable("cuda", "CUDA", NO_DRIVER, Set.of("opencl")));
    }

    @Test
    void anUnavailableBackendThatIsRequiredFailsWithTheReason() {
        var failed = assertThrows(AssertionFailedError.class,
                () -> ProbedDevice.assumeAvailable("cuda", "CUDA", NO_DRIVER, Set.of("cuda")));
        assertEquals("cuda is required (NABLA_REQUIRE or -Dnabla.require), but no CUDA device: no NVIDIA driver: "
                + "libcuda.so.1 is not installed", failed.getMessage());
    }

    @Test
    void anAvailableBackendPassesEitherWay() {
        Probe one = Probe.available(List.of(new DeviceInfo("cuda", 0, "GPU", DeviceInfo.Kind.GPU, "")));
        assertDoesNotThrow(() -> ProbedDevice.assumeAvailable("cuda", "CUDA", one, Set.of("cuda")));
        assertDoesNotThrow(() -> ProbedDevice.assumeAvailable("cuda", "CUDA", one, Set.of()));
    }

    @Test
    void theRequiredBackendsAreTheVariableAndThePropertyCommaSeparated() {
        assertEquals(Set.of(), ProbedDevice.required(null, null));
        assertEquals(Set.of(), ProbedDevice.required("", " "));
        assertEquals(Set.of("cuda"), ProbedDevice.required("CUDA", null));
        assertEquals(Set.of("cuda", "opencl"), ProbedDevice.required(" cuda , ", "opencl"));
    }
}
