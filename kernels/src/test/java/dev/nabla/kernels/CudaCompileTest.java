package dev.nabla.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA dialect of every kernel compiles: {@code nvcc -ptx} for compute_75 (what the CUDA
 * backend packs), then {@code ptxas} for sm_80 and sm_90 (A100 and H100 class GPUs), offline, no
 * GPU needed. Skips, saying why, only where nvcc is not installed.
 */
class CudaCompileTest {

    private static Path nvcc;
    private static Path ptx;
    private static Path work;

    @BeforeAll
    static void compileToPtx() throws Exception {
        Optional<Path> found = findTool("nvcc");
        Assumptions.assumeTrue(found.isPresent(),
                "nvcc not found on PATH or in /usr/local/cuda/bin: the CUDA dialect is not compile-checked here");
        nvcc = found.get();
        work = Path.of("target", "cuda-compile-check");
        Files.createDirectories(work);
        Path source = work.resolve("nabla_kernels.cu");
        Files.writeString(source, KernelSource.assemble(Dialect.CUDA), StandardCharsets.UTF_8);
        ptx = work.resolve("nabla_kernels.ptx");
        run(List.of(nvcc.toString(), "-ptx", "-arch=compute_75", "-Werror", "all-warnings", "-o",
                ptx.toString(), source.toString()));
    }

    @Test
    void everyKernelNameIsAnEntryPointOfThePtx() throws IOException {
        String text = Files.readString(ptx);
        Matcher entry = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(").matcher(text);
        TreeSet<String> entries = new TreeSet<>();
        while (entry.find()) {
            entries.add(entry.group(1));
        }
        assertEquals(new TreeSet<>(KernelNames.all()), entries,
                "PTX entry points must be exactly KernelNames.all() (extern \"C\" keeps names unmangled)");
    }

    @Test
    void ptxAssemblesForSm80() throws Exception {
        assemble("sm_80");
    }

    @Test
    void ptxAssemblesForSm90() throws Exception {
        assemble("sm_90");
    }

    private static void assemble(String arch) throws Exception {
        Path ptxas = nvcc.resolveSibling("ptxas");
        assertTrue(Files.isExecutable(ptxas), "ptxas should sit next to nvcc at " + ptxas);
        Path cubin = work.resolve("nabla_kernels_" + arch + ".cubin");
        String log = run(List.of(ptxas.toString(), "-arch=" + arch, "-v", "-o", cubin.toString(), ptx.toString()));
        assertTrue(Files.size(cubin) > 0, "ptxas wrote no cubin for " + arch);
        // Spilling registers to local memory would be a performance bug, not a correctness one: report it.
        if (log.contains("bytes spill stores") && !log.matches("(?s).*\\b0 bytes spill stores.*")) {
            System.out.println("ptxas " + arch + " reported spills:\n" + log);
        }
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed with exit code " + process.exitValue()
                    + ":\n" + output);
        }
        return output;
    }

    /** {@code name} on PATH, else in /usr/local/cuda/bin. */
    static Optional<Path> findTool(String name) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, name));
                }
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin", name));
        return candidates.stream().filter(Files::isExecutable).findFirst().map(p -> p.toAbsolutePath().normalize());
    }
}
