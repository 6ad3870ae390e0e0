package dev.nabla.soak;

import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.Philox;
import dev.nabla.data.DataLoader;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Module;
import dev.nabla.opencl.OpenClProvider;
import dev.nabla.optim.Adam;
import dev.nabla.optim.GradClip;
import dev.nabla.train.Evaluation;
import dev.nabla.testing.ProbedDevice;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17: 10,000 training steps per backend (a small MLP, so the scalar reference backend
 * finishes too), sampling the device allocator's bytes in use and cached, and the JVM heap after
 * a full GC, every 1,000 steps. Sustained growth of either fails the test with every sample.
 *
 * <p>Opt-in: {@code mvn -B -o verify -pl cli -am -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dnabla.soak=true}; the samples also go to {@code cli/target/soak-<backend>.txt}.
 */
class SoakTest {

    static final String PROPERTY = "nabla.soak";
    static final int STEPS = Integer.getInteger("nabla.soak.steps", 10_000);
    static final int EVERY = STEPS / 10;
    static final int FEATURES = 64;
    static final int CLASSES = 10;
    static final int BATCH = 64;
    static final int SAMPLES = 4096;

    /**
     * Growth allowed besides the "rising in at least half the intervals" rule. Bytes in use must
     * not grow at all (a leak of one small tensor per step shows); the allocator's cache and the
     * heap may drift by what a size class or a JIT-compiled method holds.
     */
    static final long IN_USE_TOLERANCE = 0;
    static final long CACHED_TOLERANCE = 1 << 20;
    static final long HEAP_TOLERANCE = 16L << 20;

    record Sample(int step, long deviceInUse, long deviceCached, long heapUsed, double loss) {
    }

    private static Device device(String backend) {
        return switch (backend) {
            case "reference" -> Device.reference();
            case "cpu" -> Device.cpu();
            case "opencl" -> ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
            default -> throw new IllegalArgumentException(backend);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void tenThousandStepsKeepDeviceMemoryAndHeapFlat(String backend) throws IOException {
        Assumptions.assumeTrue(Boolean.getBoolean(PROPERTY), "the soak test runs " + STEPS + " training steps per"
                + " backend (minutes); run it with -D" + PROPERTY + "=true");
        Device device = device(backend);
        float[] x = new float[SAMPLES * FEATURES];
        Philox.fillNormal(1, 0, x, x.length);
        int[] y = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            y[i] = Math.floorMod(Float.floatToIntBits(x[i * FEATURES]) >>> 7, CLASSES);
            x[i * FEATURES + y[i]] += 2f; // learnable: class c lifts feature c
        }
        Module model = Mlp.of(FEATURES, new int[] {128}, CLASSES, "relu", 0.1f, device, 7);
        Adam optimizer = new Adam(model.parameters(), 1e-3f);
        List<Sample> samples = new ArrayList<>();
        long started = System.nanoTime();
        try (DataLoader loader = new DataLoader(x, y, FEATURES, BATCH, true, true, 3, device)) {
            int step = 0;
            double loss = Double.NaN;
            for (int epoch = 0; step < STEPS; epoch++) {
                model.train();
                for (Iterator<DataLoader.Batch> it = loader.epoch(epoch); it.hasNext() && step < STEPS; ) {
                    try (DataLoader.Batch batch = it.next(); Scope scope = Scope.open()) {
                        Tensor lossTensor = Losses.crossEntropy(model.forward(batch.features()), batch.labels());
                        optimizer.zeroGrad();
                        lossTensor.backward();
                        GradClip.clipGradNorm(model.parameters(), 5f);
                        optimizer.step();
                        loss = lossTensor.item();
                    }
                    step++;
                    if (step % EVERY == 0) {
                        // The evaluation path too (eval mode, no graph), as training runs it after each epoch.
                        Evaluation.evaluate(model, x, y, FEATURES, device);
                        samples.add(sample(step, device, loss));
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String report = report(backend, device, seconds, samples);
        System.out.print(report);
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("soak-" + backend + ".txt"), report);
        String growth = sustainedGrowth(samples);
        if (growth != null) {
            fail(growth + "\n" + report);
        }
    }

    private static Sample sample(int step, Device device, double loss) {
        device.backend().synchronize();
        MemoryStats stats = device.backend().memoryStats();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new Sample(step, stats.bytesInUse(), stats.bytesCached(), heap, loss);
    }

    /**
     * A description of sustained growth, or null: the device's bytes in use or cached, or the heap,
     * rising from the second sample (the first is taken while the JIT and caches warm up) to the
     * last by more than the tolerance and in at least half of the intervals. One-off growth, such
     * as a buffer made once, rises in one interval and passes.
     */
    static String sustainedGrowth(List<Sample> samples) {
        if (samples.size() < 3) {
            return null;
        }
        List<Sample> steady = samples.subList(1, samples.size());
        String device = grows(steady, Sample::deviceInUse, IN_USE_TOLERANCE, "device bytes in use");
        String cached = grows(steady, Sample::deviceCached, CACHED_TOLERANCE, "device bytes cached");
        String heap = grows(steady, Sample::heapUsed, HEAP_TOLERANCE, "JVM heap after GC");
        return device != null ? device : cached != null ? cached : heap;
    }

    private static String grows(List<Sample> samples, java.util.function.ToLongFunction<Sample> value,
                                long tolerance, String what) {
        long first = value.applyAsLong(samples.get(0));
        long last = value.applyAsLong(samples.get(samples.size() - 1));
        int rises = 0;
        for (int i = 1; i < samples.size(); i++) {
            if (value.applyAsLong(samples.get(i)) > value.applyAsLong(samples.get(i - 1))) {
                rises++;
            }
        }
        if (last - first > tolerance && 2 * rises >= samples.size() - 1) {
            return String.format(Locale.ROOT, "%s grew by %,d bytes from step %d to step %d, rising in %d of %d"
                    + " intervals", what, last - first, samples.get(0).step(), samples.get(samples.size() - 1).step(),
                    rises, samples.size() - 1);
        }
        return null;
    }

    private static String report(String backend, Device device, double seconds, List<Sample> samples) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "soak %s (%s): %,d steps of a %d-128-%d MLP,"
                + " batch %d, in %.1f s%n", backend, device.info().name(), STEPS, FEATURES, CLASSES, BATCH, seconds));
        text.append(String.format(Locale.ROOT, "%8s %16s %16s %16s %8s%n", "step", "device in use", "device cached",
                "heap after GC", "loss"));
        for (Sample s : samples) {
            text.append(String.format(Locale.ROOT, "%8d %,16d %,16d %,16d %8.4f%n", s.step(), s.deviceInUse(),
                    s.deviceCached(), s.heapUsed(), s.loss()));
        }
        return text.toString();
    }
}
