package dev.nabla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a benchmark ran on: CPU model (from {@code /proc/cpuinfo}), cores, memory, OS, JDK. */
public final class Machine {

    private Machine() {
    }

    /** The {@code model name} of {@code /proc/cpuinfo}, else {@code os.arch}. */
    public static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name") && line.contains(":")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: fall through.
        }
        return System.getProperty("os.arch");
    }

    /** {@code MemTotal} of {@code /proc/meminfo} in bytes, or 0 when unknown. */
    public static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 0;
    }

    /** Everything above as a map, for the JSON report. */
    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memoryBytes", memoryBytes());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("jdk", Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ")");
        m.put("vm", System.getProperty("java.vm.name"));
        cpuKernels().ifPresent(kernels -> m.put("cpuKernels", kernels));
        CpuIsa.forced().ifPresent(isa -> {
            m.put("cpuIsa", isa.label());
            m.put("cpuIsaFlags", String.join(" ", isa.jvmFlags()));
        });
        return m;
    }

    /**
     * What the CPU backend's kernels were chosen for (ISA, vector width, registers, FMA, micro-kernel,
     * block sizes, caches), or empty where the Vector API is not available to this JVM.
     */
    public static java.util.Optional<String> cpuKernels() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(dev.nabla.cpu.CpuBackend.kernelSummary());
        } catch (LinkageError e) {
            return java.util.Optional.empty();
        }
    }

    /** One line: {@code Intel(R) Xeon(R) Processor, 2 cores, Java 25+36-LTS}. */
    public static String summary() {
        return cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version();
    }
}
