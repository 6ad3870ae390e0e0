package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The backend on the instruction sets of laptops, forced on this machine: each test starts a JVM
 * with HotSpot's {@code -XX:UseAVX=N} (and {@code -XX:-UseFMA}), which bounds the Vector API's
 * vectors and registers as a CPU without the wider instructions would, and runs {@link IsaCheck}
 * there: the detected ISA and kernel shape, GEMMs of every kernel shape against the reference
 * (and bit for bit against each other), the fused cross-entropy, and a short training run.
 * x86-64 only: elsewhere these flags do not exist (skipped with that reason).
 */
class IsaForkTest {

    @Test
    void avx2WithFma() throws Exception {
        fork(List.of("-XX:UseAVX=2"), 8, true, KernelShape.R4_V2);
    }

    /** Haswell-class vectors without FMA (as -XX:-UseFMA, or an AVX CPU before Haswell): mul + add. */
    @Test
    void avx2WithoutFma() throws Exception {
        fork(List.of("-XX:UseAVX=2", "-XX:-UseFMA"), 8, false, KernelShape.R4_V2);
    }

    /** SSE only: 128-bit vectors, 16 registers, no FMA (the cheap laptops' Goldmont/Tremont class). */
    @Test
    void sseWithoutFma() throws Exception {
        fork(List.of("-XX:UseAVX=0"), 4, false, KernelShape.R4_V2);
    }

    private static void fork(List<String> flags, int lanes, boolean fma, KernelShape shape) throws Exception {
        String arch = System.getProperty("os.arch", "");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"),
                "-XX:UseAVX is a flag of HotSpot on x86-64; this JVM runs on " + arch);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules=jdk.incubator.vector");
        // This JVM's heap and stack settings, not its agents or debug options.
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-Xmx") || option.startsWith("-Xss")) {
                command.add(option);
            }
        }
        command.addAll(flags);
        command.add("-Dnabla.cpu.warmup=false");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(IsaCheck.class.getName());
        command.add(Integer.toString(lanes));
        command.add(Boolean.toString(fma));
        command.add(shape.name());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("IsaCheck " + flags + " did not finish in 5 minutes");
            }
        } finally {
            process.destroyForcibly();
        }
        assumeTrue(!output.contains("Unrecognized VM option"), "this JVM does not accept " + flags + ": " + output);
        assertEquals(0, process.exitValue(), "IsaCheck under " + flags + ":\n" + output);
    }
}
