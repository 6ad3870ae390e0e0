package dev.nabla.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code nabla bench --cpu-isa}: an instruction set the CPU rows are forced to, by starting the
 * benchmark again in a JVM with HotSpot's {@code -XX:UseAVX=N} (which bounds the Vector API's
 * vector width and register file as on a CPU without the wider instructions), and the OpenBLAS
 * kernel core that {@code --compare} pins NumPy and PyTorch to, so both sides run the same ISA.
 *
 * <p>OpenBLAS cores: Haswell's kernels are AVX2 + FMA, Sandy Bridge's AVX without FMA, Nehalem's
 * SSE; for AVX-512 no core is pinned (OpenBLAS picks the CPU's own, SkylakeX or Cooper Lake).
 */
public enum CpuIsa {
    AVX512("avx512", List.of("-XX:UseAVX=3"), null),
    AVX2("avx2", List.of("-XX:UseAVX=2"), "Haswell"),
    AVX("avx", List.of("-XX:UseAVX=1"), "Sandybridge"),
    SSE("sse", List.of("-XX:UseAVX=0"), "Nehalem");

    /** Set in the forked JVM: which ISA it was started for (so it does not fork again). */
    public static final String PROPERTY = "nabla.bench.cpuIsa";

    private final String label;
    private final List<String> jvmFlags;
    private final String openBlasCore;

    CpuIsa(String label, List<String> jvmFlags, String openBlasCore) {
        this.label = label;
        this.jvmFlags = jvmFlags;
        this.openBlasCore = openBlasCore;
    }

    public String label() {
        return label;
    }

    public List<String> jvmFlags() {
        return jvmFlags;
    }

    /** The {@code OPENBLAS_CORETYPE} matching this ISA, or empty for the CPU's own (AVX-512). */
    public Optional<String> openBlasCore() {
        return Optional.ofNullable(openBlasCore);
    }

    /** {@code avx2} → {@link #AVX2}; anything else is an error listing the choices. */
    public static CpuIsa parse(String text) {
        for (CpuIsa isa : values()) {
            if (isa.label.equals(text.trim().toLowerCase(Locale.ROOT))) {
                return isa;
            }
        }
        throw new IllegalArgumentException("--cpu-isa: unknown instruction set '" + text + "'; choose one of "
                + Arrays.stream(values()).map(CpuIsa::label).collect(Collectors.joining(", ")));
    }

    /** The ISA this JVM was forked for, if any. */
    public static Optional<CpuIsa> forced() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(parse(value));
    }

    /**
     * The command that runs {@code mainClass args} again in a JVM like this one (same java, JVM
     * options and class path) with this ISA's flags; x86-64 only, since the flags are HotSpot's x86 ones.
     */
    public List<String> forkCommand(String mainClass, List<String> args) {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new IllegalArgumentException("--cpu-isa " + label + " needs an x86-64 JVM (it sets -XX:UseAVX);"
                    + " this one runs on " + arch);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // An ISA flag of the parent would fight the child's; the child's come last anyway.
            if (!option.startsWith("-XX:UseAVX=") && !option.startsWith("-D" + PROPERTY + "=")) {
                command.add(option);
            }
        }
        command.addAll(jvmFlags);
        command.add("-D" + PROPERTY + "=" + label);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }
}
