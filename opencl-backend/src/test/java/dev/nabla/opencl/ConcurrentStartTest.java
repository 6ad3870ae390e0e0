package dev.nabla.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.NativeLibraryCache;
import dev.nabla.backend.Probe;
import dev.nabla.testing.ChildJvm;
import dev.nabla.testing.ProbedDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 10: JVMs that start together each find the OpenCL devices. JOCL on its own
 * unpacks its JNI library into {@code java.io.tmpdir} with a plain write, skipping the write when
 * the file exists, so a JVM can load a half-written copy or have its mapped copy truncated and
 * rewritten under it. Measured 2026-12-05 on the 2-core build machine with PoCL: without
 * {@link NativeLibraryCache} this test, run for 10 rounds, lost 1 of 60 JVMs (SIGBUS), and six
 * bare JOCL programs started together on a fresh tmpdir 3 of 60 (SIGSEGV, SIGBUS); with it, 0 of
 * 60. The suite runs two rounds (each JVM costs seconds on two cores), so it catches the race only
 * sometimes; it always checks that nothing is unpacked into the shared tmpdir.
 */
class ConcurrentStartTest {

    private static final int JVMS = 6;
    private static final int ROUNDS = 2;

    /**
     * Discovers the OpenCL devices (JOCL's library loaded, the platform and devices queried) and
     * says what it found. Run in the child JVMs. (Opening the device as well would add PoCL's
     * program build, seconds per JVM on two cores, to a test about starting.)
     */
    public static final class StartMain {
        public static void main(String[] args) throws InterruptedException {
            // A start line across processes: every JVM reaches JOCL's loading at the same moment.
            Thread.sleep(Math.max(0, Long.parseLong(args[0]) - System.currentTimeMillis()));
            Probe probe = new OpenClProvider().probe();
            System.out.println("available=" + probe.isAvailable() + " " + probe.devices());
        }
    }

    @Test
    void jvmsStartingTogetherAllOpenTheBackend(@TempDir Path dir) throws Exception {
        ProbedDevice.orSkip(new OpenClProvider(), "opencl", 0);
        ExecutorService pool = Executors.newFixedThreadPool(JVMS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                // Fresh folders each round, so the unpacking itself races too.
                Path tmp = Files.createDirectory(dir.resolve("tmp-" + round));
                Path cache = dir.resolve("cache-" + round);
                List<Future<ChildJvm.Result>> children = new ArrayList<>();
                String startAt = Long.toString(System.currentTimeMillis() + 4000);
                for (int i = 0; i < JVMS; i++) {
                    children.add(pool.submit(() -> ChildJvm.run(StartMain.class, List.of(startAt),
                            Map.of(NativeLibraryCache.ROOT_VARIABLE, cache.toString()),
                            List.of("-Djava.io.tmpdir=" + tmp), Duration.ofSeconds(120))));
                }
                for (Future<ChildJvm.Result> child : children) {
                    ChildJvm.Result result = child.get();
                    assertEquals(0, result.exitStatus(), "round " + round + ": " + result.describeExit() + ": "
                            + result.output());
                    assertTrue(result.output().contains("available=true"), result.output());
                }
                try (Stream<Path> unpacked = Files.list(tmp)) {
                    assertEquals(List.of(), unpacked.filter(f -> f.getFileName().toString().contains("JOCL")).toList(),
                            "JOCL unpacked nothing into the shared java.io.tmpdir");
                }
                try (Stream<Path> bindings = Files.list(cache)) {
                    Path jocl = bindings.filter(f -> f.getFileName().toString().matches("jocl-\\d.*")).findFirst()
                            .orElseThrow(() -> new AssertionError("no jocl-* folder in " + cache));
                    try (Stream<Path> files = Files.list(jocl)) {
                        assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith("libJOCL_")).count(),
                                "one library in " + jocl + ", no temporary files left");
                    }
                }
                // JOCLBlast's two libraries (its JNI library and the libclblast.so it depends on) too
                Path blast = cache.resolve("jocl-blast-1.5.2");
                if (Files.isDirectory(blast)) {
                    assertTrue(Files.isRegularFile(blast.resolve("JOCLBlast_1_5_2-linux-x86_64_dependents/linux/x86_64"
                            + "/libclblast.so")), "libclblast.so unpacked into " + blast);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
