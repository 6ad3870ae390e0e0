package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.backend.NativeSignals;
import dev.nabla.backend.Probe;
import dev.nabla.opencl.OpenClProvider;
import dev.nabla.testing.ChildJvm;
import dev.nabla.testing.ProbedDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression test for the JVM killed by {@code SIGSEGV} while PoCL is loaded (issue 18): in one
 * JVM, OpenCL program builds (PoCL's LLVM installs its signal handlers) and Java threads taking
 * the faults HotSpot handles itself (safepoint polls, the CPU backend's small-n GEMM) must not
 * kill the process, and once a device has opened the JVM's own handlers must be installed.
 * {@link FaultStormMain} runs in a child JVM, whose exit status is checked. Before the fix the
 * handler check failed in every run, and the storm alone killed the JVM (exit status 139) in 2 to
 * 5 of 5-8 runs of 10-12 rounds, depending on the machine's load.
 */
class SignalHandlersTest {

    private static final int ROUNDS = 10;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @BeforeAll
    static void needsOpenCl() {
        Probe probe = new OpenClProvider().probe();
        // Needs an OpenCL platform (e.g. PoCL) to build programs; fails instead where NABLA_REQUIRE names opencl.
        ProbedDevice.assumeAvailable("opencl", "OpenCL", probe);
        assumeTrue(NativeSignals.canRestore(), "signal handlers can be read and restored only on Linux x86-64 and "
                + "AArch64; this is " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    /** Nabla's own guard alone: no libjsig.so, the faults start once each device has opened. */
    @Test
    void withoutSignalChainingTheJvmSurvivesFaultsAfterOpenClBuilds() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("LD_PRELOAD", null);
        ChildJvm.Result result = ChildJvm.run(FaultStormMain.class, List.of(String.valueOf(ROUNDS), "between-builds"),
                environment, List.of(), TIMEOUT);
        assertSurvived(result);
    }

    /**
     * libjsig.so alone, as the launchers and the test JVMs preload it, with Nabla's guard turned
     * off: the faults run during the builds too.
     */
    @Test
    void withSignalChainingTheJvmSurvivesFaultsDuringOpenClBuilds() throws Exception {
        Path libjsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        assumeTrue(Files.isRegularFile(libjsig), "this JDK has no " + libjsig);
        ChildJvm.Result result = ChildJvm.run(FaultStormMain.class, List.of(String.valueOf(ROUNDS), "during-builds"),
                Map.of("LD_PRELOAD", libjsig.toString()), List.of("-Dnabla.signals.preserve=false"), TIMEOUT);
        assertSurvived(result);
    }

    /**
     * The test JVMs themselves run with libjsig.so preloaded (the pom's signal-chaining profile sets
     * {@code nabla.expect.signal.chaining} where the JDK has the library).
     */
    @Test
    void testJvmsPreloadSignalChaining() {
        String expected = System.getProperty("nabla.expect.signal.chaining", "");
        assumeTrue(!expected.isEmpty(), "not started by Maven Surefire with the pom's signal-chaining profile");
        assertTrue(NativeSignals.chainingLoaded(), "this test JVM should have " + expected + " preloaded (LD_PRELOAD="
                + System.getenv("LD_PRELOAD") + ")");
    }

    private static void assertSurvived(ChildJvm.Result result) {
        String output = result.output();
        String lastRound = output.lines().filter(line -> line.startsWith("round ")).reduce((a, b) -> b)
                .orElse("no round completed");
        assertEquals(0, result.exitStatus(), () -> "the child JVM was " + result.describeExit() + " after '" + lastRound
                + "'; output:\n" + output);
        assertTrue(output.contains("survived " + ROUNDS + " rounds"), output);
    }
}
