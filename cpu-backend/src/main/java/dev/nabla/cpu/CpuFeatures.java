package dev.nabla.cpu;

import java.util.Locale;
import java.util.Optional;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the running JVM lets the Vector API use: the vector width, the number of vector registers,
 * whether {@code fma} compiles to an instruction, and the cache sizes; the kernels' shapes and
 * block sizes follow from these ({@link KernelShape}).
 *
 * <p>Read once, from the JVM rather than from {@code /proc/cpuinfo}: {@code -XX:UseAVX=2} on an
 * AVX-512 CPU gives 256-bit vectors and 16 registers, {@code -XX:UseAVX=0} 128-bit SSE and no FMA,
 * and the kernels must fit what C2 will actually emit, not what the silicon has.
 *
 * <p>NOTE: without a hardware FMA, {@code FloatVector.fma} (and {@code Math.fma}) fall back to an
 * exact software path (BigDecimal per lane), measured ≈ 350× slower than mul + add; every kernel of
 * this package therefore multiplies and adds through {@link #fma} below, which is a plain
 * {@code mul} then {@code add} on such machines.
 */
final class CpuFeatures {

    /** The vector species every kernel uses: the JVM's preferred (widest usable) one. */
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /**
     * Whether {@code fma} is a hardware instruction here; {@code -Dnabla.cpu.fma=false} forces
     * mul + add (tests compare both), {@code true} trusts the JVM's FMA regardless.
     */
    static final boolean FMA = detectFma();

    /** What was detected, for {@code ./nabla devices}, the bench header and the tests. */
    static final CpuFeatures CURRENT = new CpuFeatures();

    private final int vectorBits;
    private final int registers;
    private final String isa;
    private final String fmaSource;
    private final CacheSizes caches;

    private CpuFeatures() {
        vectorBits = SPECIES.vectorBitSize();
        Optional<Integer> useAvx = vmIntOption("UseAVX");
        boolean arm = System.getProperty("os.arch", "").startsWith("aarch64");
        registers = registers(arm, useAvx, vectorBits);
        isa = isaName(arm, useAvx, vectorBits);
        fmaSource = fmaSource();
        caches = CacheSizes.detect();
    }

    /** Vector registers the JIT can allocate: 32 on AArch64 and with AVX-512 (EVEX), else 16 (x86-64). */
    static int registers(boolean arm, Optional<Integer> useAvx, int vectorBits) {
        if (arm) {
            return 32;
        }
        // UseAVX=3 is AVX-512: zmm/ymm/xmm 0-31 are all addressable, whatever the vector width.
        return useAvx.map(level -> level >= 3).orElse(vectorBits >= 512) ? 32 : 16;
    }

    private static String isaName(boolean arm, Optional<Integer> useAvx, int bits) {
        if (arm) {
            return bits > 128 ? "SVE " + bits + "-bit" : "NEON";
        }
        int level = useAvx.orElse(bits >= 512 ? 3 : bits >= 256 ? 2 : 0);
        if (level >= 3) {
            return bits >= 512 ? "AVX-512" : "AVX-512VL " + bits + "-bit";
        }
        if (level == 2) {
            return bits >= 256 ? "AVX2" : "AVX2 " + bits + "-bit";
        }
        if (level == 1) {
            return "AVX " + bits + "-bit";
        }
        return bits <= 128 ? "SSE" : "x86 " + bits + "-bit";
    }

    private static boolean detectFma() {
        String forced = System.getProperty("nabla.cpu.fma");
        if (forced != null && !forced.isBlank()) {
            return Boolean.parseBoolean(forced.trim());
        }
        Optional<String> option = vmOption("UseFMA");
        if (option.isPresent()) {
            return Boolean.parseBoolean(option.get());
        }
        return FmaTiming.hardware();
    }

    private static String fmaSource() {
        String forced = System.getProperty("nabla.cpu.fma");
        if (forced != null && !forced.isBlank()) {
            return "-Dnabla.cpu.fma=" + forced.trim();
        }
        return vmOption("UseFMA").isPresent() ? "the JVM's UseFMA flag" : "timing fma against mul+add";
    }

    /**
     * A HotSpot flag's value, or empty where there is no such flag (another VM, another CPU family,
     * no jdk.management module).
     */
    static Optional<String> vmOption(String name) {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? Optional.empty() : Optional.of(bean.getVMOption(name).getValue());
        } catch (IllegalArgumentException | LinkageError | SecurityException e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> vmIntOption(String name) {
        try {
            return vmOption(name).map(Integer::parseInt);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code a·b + c}: one fused instruction where the CPU has FMA, else a multiply then an add
     * (rounded twice: results differ from the FMA path in the last bits, within the conformance
     * tolerance). {@link #FMA} is a constant, so C2 keeps only one branch.
     */
    static FloatVector fma(FloatVector a, FloatVector b, FloatVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    int vectorBits() {
        return vectorBits;
    }

    int lanes() {
        return SPECIES.length();
    }

    int registers() {
        return registers;
    }

    /** e.g. {@code AVX2}, {@code AVX-512}, {@code SSE}, {@code NEON}. */
    String isa() {
        return isa;
    }

    boolean fma() {
        return FMA;
    }

    CacheSizes caches() {
        return caches;
    }

    /** One line for {@code ./nabla devices}: ISA, lanes, registers, FMA or mul+add and how that was decided. */
    String summary() {
        return String.format(Locale.ROOT, "%s, %d-bit vectors (%d floats) x %d registers, %s (%s)", isa, vectorBits,
                lanes(), registers, FMA ? "FMA" : "no FMA: mul+add", fmaSource);
    }

    /** Times scalar fma against mul + add where the JVM's flags cannot be read. */
    private static final class FmaTiming {

        private FmaTiming() {
        }

        /**
         * Whether fma runs in hardware: the software fallback builds BigDecimals per call and is
         * two orders of magnitude slower than mul + add, so a 20× threshold separates them with
         * room for noise and the interpreter.
         */
        static boolean hardware() {
            float sink = 0f;
            long fused = Long.MAX_VALUE;
            long separate = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 20_000; i++) {
                    sink = Math.fma(sink, 0.999f, 1e-3f * i);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < 20_000; i++) {
                    sink = sink * 0.999f + 1e-3f * i;
                }
                long t2 = System.nanoTime();
                fused = Math.min(fused, t1 - t0);
                separate = Math.min(separate, t2 - t1);
            }
            return fused < 20 * Math.max(1, separate) || Float.isNaN(sink);
        }
    }
}
