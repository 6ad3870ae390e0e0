package dev.nabla.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU's single-precision FMA throughput, measured with the Vector API: one thread per core,
 * each running {@value #ACCUMULATORS} independent chains of vector FMAs (enough to cover the FMA
 * latency times the FMA units of current x86 and ARM cores) on registers only. This is the "peak"
 * that GFLOP/s figures are compared against: what a perfect kernel in Java could reach on this
 * machine, not the datasheet number.
 *
 * <p>The result is cached in {@code ~/.cache/nabla/cpu-peak.json} (or
 * {@code $XDG_CACHE_HOME/nabla}), keyed by CPU model, core count, vector width and JDK; a busy
 * machine measures low, so {@code nabla bench --reprobe} measures again.
 */
public final class PeakProbe {

    static final int ACCUMULATORS = 12;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /**
     * Whether the CPU backend's kernels fuse multiply-adds; without FMA the probe multiplies and adds
     * as they do (a software {@code fma} would measure ≈ 350× below the hardware).
     */
    private static final boolean FMA = dev.nabla.cpu.CpuBackend.usesFma();

    /**
     * A measured peak.
     *
     * @param key        what the measurement is valid for (CPU model, cores, vector bits, JDK)
     * @param flops      FLOP/s with all threads
     * @param perThread  FLOP/s of one thread alone
     * @param threads    threads used (one per core)
     * @param vectorBits width of {@code FloatVector.SPECIES_PREFERRED}
     * @param measuredAt when
     */
    public record Peak(String key, double flops, double perThread, int threads, int vectorBits, String measuredAt) {
    }

    private PeakProbe() {
    }

    /** What a cached peak must match to be reused. */
    public static String key() {
        return Machine.cpuModel() + " | " + Runtime.getRuntime().availableProcessors() + " cores | "
                + SPECIES.vectorBitSize() + "-bit vectors | " + (FMA ? "FMA" : "mul+add") + " | Java "
                + Runtime.version().feature();
    }

    /** The cache file in the user's cache folder ({@code -Dnabla.cacheDir=DIR} moves it, for tests). */
    public static Path cacheFile() {
        String dir = System.getProperty("nabla.cacheDir");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).resolve("cpu-peak.json");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nabla").resolve("cpu-peak.json");
    }

    /** The cached peak for this machine if there is one, else a fresh measurement (then cached). */
    public static Peak get(boolean remeasure, java.util.function.Consumer<String> log) {
        Path file = cacheFile();
        ObjectMapper json = new ObjectMapper();
        if (!remeasure && Files.isRegularFile(file)) {
            try {
                Peak cached = json.readValue(file.toFile(), Peak.class);
                if (key().equals(cached.key()) && cached.flops() > 0) {
                    return cached;
                }
            } catch (IOException | RuntimeException e) {
                log.accept("ignoring unreadable " + file + ": " + e.getMessage());
            }
        }
        log.accept("measuring the CPU's FMA peak (once; cached in " + file + ")...");
        Peak peak = measure();
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), peak);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.accept("could not cache the CPU peak in " + file + ": " + e.getMessage());
        }
        return peak;
    }

    /** Measures now: best of several runs, one thread, then one thread per core. */
    public static Peak measure() {
        int threads = Runtime.getRuntime().availableProcessors();
        // Warm up so C2 has compiled the kernel (and keeps the vectors in registers).
        for (int i = 0; i < 30; i++) {
            sink += kernel(20_000);
        }
        double single = 0;
        double all = 0;
        for (int trial = 0; trial < 3; trial++) {
            single = Math.max(single, run(1, 0.1));
            all = Math.max(all, run(threads, 0.2));
        }
        return new Peak(key(), all, single, threads, SPECIES.vectorBitSize(), Instant.now().toString());
    }

    static volatile float sink;

    /** FLOP/s of {@code threads} threads running the kernel together for about {@code seconds}. */
    private static double run(int threads, double seconds) {
        long iterations = calibrate(seconds);
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = Thread.ofPlatform().daemon().name("nabla-peak-" + t).start(() -> {
                try {
                    start.await();
                    sink += kernel(iterations);
                } catch (Exception e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
            workers.add(worker);
        }
        try {
            start.await();
            long t0 = System.nanoTime();
            done.await();
            double elapsed = (System.nanoTime() - t0) * 1e-9;
            return flops(iterations) * threads / elapsed;
        } catch (Exception e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("peak probe interrupted", e);
        }
    }

    private static long calibrate(double seconds) {
        long iterations = 100_000;
        while (true) {
            long t0 = System.nanoTime();
            sink += kernel(iterations);
            double elapsed = (System.nanoTime() - t0) * 1e-9;
            if (elapsed > 0.02) {
                return Math.max(1, (long) (iterations * seconds / elapsed));
            }
            iterations *= 4;
        }
    }

    /** FLOPs of {@link #kernel}: two per lane per FMA (or per multiply and add). */
    static double flops(long iterations) {
        return 2.0 * SPECIES.length() * ACCUMULATORS * iterations;
    }

    /**
     * {@value #ACCUMULATORS} independent FMA chains (multiply then add without FMA); all values stay
     * finite (x·1 + 0 style).
     */
    static float kernel(long iterations) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, 1.0f);
        FloatVector a1 = FloatVector.broadcast(SPECIES, 1.1f);
        FloatVector a2 = FloatVector.broadcast(SPECIES, 1.2f);
        FloatVector a3 = FloatVector.broadcast(SPECIES, 1.3f);
        FloatVector a4 = FloatVector.broadcast(SPECIES, 1.4f);
        FloatVector a5 = FloatVector.broadcast(SPECIES, 1.5f);
        FloatVector a6 = FloatVector.broadcast(SPECIES, 1.6f);
        FloatVector a7 = FloatVector.broadcast(SPECIES, 1.7f);
        FloatVector a8 = FloatVector.broadcast(SPECIES, 1.8f);
        FloatVector a9 = FloatVector.broadcast(SPECIES, 1.9f);
        FloatVector a10 = FloatVector.broadcast(SPECIES, 2.0f);
        FloatVector a11 = FloatVector.broadcast(SPECIES, 2.1f);
        for (long i = 0; i < iterations; i++) {
            a0 = FMA ? a0.fma(m, c) : a0.mul(m).add(c);
            a1 = FMA ? a1.fma(m, c) : a1.mul(m).add(c);
            a2 = FMA ? a2.fma(m, c) : a2.mul(m).add(c);
            a3 = FMA ? a3.fma(m, c) : a3.mul(m).add(c);
            a4 = FMA ? a4.fma(m, c) : a4.mul(m).add(c);
            a5 = FMA ? a5.fma(m, c) : a5.mul(m).add(c);
            a6 = FMA ? a6.fma(m, c) : a6.mul(m).add(c);
            a7 = FMA ? a7.fma(m, c) : a7.mul(m).add(c);
            a8 = FMA ? a8.fma(m, c) : a8.mul(m).add(c);
            a9 = FMA ? a9.fma(m, c) : a9.mul(m).add(c);
            a10 = FMA ? a10.fma(m, c) : a10.mul(m).add(c);
            a11 = FMA ? a11.fma(m, c) : a11.mul(m).add(c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11);
        return s.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
