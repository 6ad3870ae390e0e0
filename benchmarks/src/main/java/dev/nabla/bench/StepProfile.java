package dev.nabla.bench;

import dev.nabla.Device;
import dev.nabla.Profiler;
import java.util.Locale;

/**
 * {@code nabla bench --profile}: where one training step's time goes on a device, per backend
 * operation ({@link Profiler}), after a warm-up.
 */
public final class StepProfile {

    private StepProfile() {
    }

    /**
     * Warms the step up for {@code warmupSeconds}, then runs it for at least {@code measureSeconds}
     * (and at least 20 steps) and returns a header line and the profiler's table per step.
     */
    public static String run(Workload.MlpStep step, Device base, double warmupSeconds, double measureSeconds) {
        Profiler profiler = Profiler.of(base);
        Device device = profiler.device();
        try (Workload.Instance instance = step.prepare(device)) {
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            do {
                instance.run();
            } while (System.nanoTime() < warmEnd);
            device.backend().synchronize();
            profiler.reset();
            long measureEnd = System.nanoTime() + (long) (measureSeconds * 1e9);
            int steps = 0;
            do {
                instance.run();
                steps++;
            } while (steps < 20 || System.nanoTime() < measureEnd);
            device.backend().synchronize();
            double perStep = profiler.elapsedNanos() / 1e9 / steps;
            return String.format(Locale.ROOT, "%s on %s: %d steps, %.2f ms a step (profiled: each call synchronized"
                            + " and timed), %,.0f samples/s%n", step.label(), base.id(), steps, perStep * 1e3,
                    step.batch() / perStep)
                    + profiler.table(steps);
        }
    }
}
