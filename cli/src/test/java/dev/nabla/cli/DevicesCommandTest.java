package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import org.junit.jupiter.api.Test;

class DevicesCommandTest {

    @Test
    void listsEveryProviderAndTheAutoChoice() {
        Run run = Run.of("devices");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("reference:"), run.out());
        assertTrue(run.out().contains("reference:0  CPU  "), run.out());
        for (Device.ProviderReport report : Device.providers()) {
            assertTrue(run.out().contains(report.name() + ":"), report.name() + " missing from\n" + run.out());
            if (!report.probe().isAvailable()) {
                assertTrue(run.out().contains(report.probe().reason()), run.out());
            }
        }
        assertTrue(run.out().contains(Device.autoExplanation()), run.out());
        assertTrue(run.out().contains("\nsignal chaining: "), run.out());
        assertFalse(run.out().contains("memory:"), run.out());
    }

    @Test
    void memoryFlagPrintsAllocatorStatistics() {
        Run run = Run.of("devices", "--memory");
        assertEquals(0, run.exitCode(), run.err());
        // sizes in B, KiB, MiB...: the reference backend may already hold tensors of earlier tests
        assertTrue(run.out().matches("(?s).*reference:0.*\\n +memory: in use \\S+ \\w*B, cached .*, peak .*, \\d+ allocate calls? \\(cache hits included\\)\\n.*"),
                run.out());
    }

    @Test
    void unknownFlagIsAUsageError() {
        Run run = Run.of("devices", "--no-such-flag");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--no-such-flag"), run.err());
        assertTrue(run.err().contains("nabla devices --help"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        assertEquals("", run.out());
    }

    @Test
    void helpDescribesTheCommand() {
        Run run = Run.of("devices", "--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("--memory"), run.out());
    }
}
