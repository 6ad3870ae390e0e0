package dev.nabla.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Measures one workload on several contenders: warm each up until its timings settle, then take
 * the samples in rounds, one sample per contender per round, so that the contenders share
 * whatever load the machine had.
 */
public final class Runner {

    /**
     * How long to measure.
     *
     * @param repeats         samples per contender (the median is over these)
     * @param sampleSeconds   target duration of one sample; short calls are batched up to it
     * @param maxWarmupSeconds warm-up gives up waiting for settled timings after this long
     * @param maxSampleBudget  seconds one contender may spend sampling one workload; very slow
     *                         calls get fewer repeats (never fewer than 3)
     */
    public record Settings(int repeats, double sampleSeconds, double maxWarmupSeconds, double maxSampleBudget) {
        public Settings {
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
            }
            if (!(sampleSeconds > 0)) {
                throw new IllegalArgumentException("sample time must be positive, got " + sampleSeconds);
            }
        }

        public static Settings defaults() {
            return new Settings(10, 0.05, 6, 6);
        }
    }

    /** Warm-up is over when this many consecutive timings agree within {@link #SETTLE_TOLERANCE}. */
    static final int SETTLE_WINDOW = 3;
    static final double SETTLE_TOLERANCE = 0.10;
    /** A warm-up timing shorter than this is batched up (the clock and call overhead would dominate). */
    static final double MIN_TIMED_SECONDS = 0.004;

    private final Settings settings;
    private final Consumer<String> log;
    private final ToDoubleFunction<Contender> peakFlops;

    public Runner(Settings settings, ToDoubleFunction<Contender> peakFlops, Consumer<String> log) {
        this.settings = settings;
        this.peakFlops = peakFlops;
        this.log = log;
    }

    /** One result per contender, in the contenders' order. */
    public List<Result> run(Workload workload, List<? extends Contender> contenders) {
        int n = contenders.size();
        String[] errors = new String[n];
        double[] perCall = new double[n];
        for (int i = 0; i < n; i++) {
            Contender c = contenders.get(i);
            try {
                c.setUp(workload);
                perCall[i] = warmUp(c);
            } catch (RuntimeException | OutOfMemoryError e) {
                errors[i] = message(e);
                safeTearDown(c);
            }
        }
        int[] calls = new int[n];
        double slowest = 0;
        for (int i = 0; i < n; i++) {
            if (errors[i] == null) {
                calls[i] = callsPerSample(perCall[i], settings.sampleSeconds());
                slowest = Math.max(slowest, perCall[i] * calls[i]);
            }
        }
        int repeats = repeats(settings, slowest);
        double[][] samples = new double[n][repeats];
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < n; i++) {
                if (errors[i] != null) {
                    continue;
                }
                try {
                    samples[i][r] = contenders.get(i).time(calls[i]) / calls[i];
                } catch (RuntimeException | OutOfMemoryError e) {
                    errors[i] = message(e);
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Contender c = contenders.get(i);
            safeTearDown(c);
            if (errors[i] != null) {
                results.add(Result.failed(workload, c, errors[i]));
                continue;
            }
            List<Double> list = Arrays.stream(samples[i]).boxed().toList();
            results.add(new Result(workload, c.name(), c.description(), c.isNabla(),
                    Optional.of(Stats.of(samples[i])), list, "", peakFlops.applyAsDouble(c)));
        }
        return results;
    }

    /**
     * Times single calls (batched when shorter than {@link #MIN_TIMED_SECONDS}) until
     * {@link #SETTLE_WINDOW} in a row agree within {@link #SETTLE_TOLERANCE} and the contender's JIT
     * compiled nothing during them ({@link Contender#compiling()}), or the warm-up budget runs out;
     * returns the last estimate of seconds per call.
     */
    double warmUp(Contender c) {
        long deadline = System.nanoTime() + (long) (settings.maxWarmupSeconds() * 1e9);
        int batch = 1;
        List<Double> recent = new ArrayList<>();
        double estimate = Double.NaN;
        int quietRounds = 0;
        for (int round = 0; round < 10_000; round++) {
            double seconds = c.time(batch);
            estimate = seconds / batch;
            quietRounds = c.compiling() ? 0 : quietRounds + 1;
            boolean timingsSettled = false;
            if (seconds < MIN_TIMED_SECONDS && batch < 1 << 20) {
                batch *= 2;
                recent.clear();
            } else {
                recent.add(estimate);
                timingsSettled = recent.size() >= SETTLE_WINDOW
                        && settled(recent.subList(recent.size() - SETTLE_WINDOW, recent.size()));
                if (timingsSettled && quietRounds >= SETTLE_WINDOW) {
                    break;
                }
            }
            if (System.nanoTime() > deadline) {
                log.accept("  " + c.name() + (timingsSettled ? ": the JIT was still compiling after "
                        : ": timings did not settle within ") + settings.maxWarmupSeconds()
                        + " s of warm-up; measuring anyway");
                break;
            }
        }
        return estimate;
    }

    static boolean settled(List<Double> window) {
        return Stats.of(window.stream().mapToDouble(Double::doubleValue).toArray()).settledWithin(SETTLE_TOLERANCE);
    }

    /** Calls per sample so that a sample lasts about {@code target} seconds (at least one call). */
    static int callsPerSample(double secondsPerCall, double target) {
        if (!(secondsPerCall > 0)) {
            return 1;
        }
        return (int) Math.max(1, Math.min(1 << 20, Math.round(target / secondsPerCall)));
    }

    /** The configured repeats, fewer (not under 3) when the slowest sample would blow the budget. */
    static int repeats(Settings settings, double slowestSampleSeconds) {
        if (slowestSampleSeconds <= 0) {
            return settings.repeats();
        }
        int affordable = (int) (settings.maxSampleBudget() / slowestSampleSeconds);
        return Math.max(Math.min(3, settings.repeats()), Math.min(settings.repeats(), affordable));
    }

    private static void safeTearDown(Contender c) {
        try {
            c.tearDown();
        } catch (RuntimeException e) {
            // Already failing or done; nothing useful to add.
        }
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
