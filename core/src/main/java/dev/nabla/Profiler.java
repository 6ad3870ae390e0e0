package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.OptimizerStep;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Times every backend call made on a device, grouped by operation, like the table of
 * {@code torch.profiler}'s {@code key_averages()}: which kernels a training step runs, how often,
 * and where its time goes.
 *
 * <pre>{@code
 * Profiler profiler = Profiler.of(Device.cpu());
 * Device device = profiler.device();      // create the model, data and optimizer on this device
 * ... warm up ...
 * profiler.reset();
 * for (int i = 0; i < 100; i++) step();
 * System.out.print(profiler.table(100));  // per step: calls, µs, share, GFLOP/s of each op
 * }</pre>
 *
 * <p>{@link #device()} is a separate device with the same hardware: its tensors do not mix with
 * tensors of the profiled device, and {@code Device.of(id)} still returns the unprofiled one.
 * Every call is followed by {@link Backend#synchronize()}, so a GPU's time is the kernel's own
 * (launch included) rather than the time to queue it; this serializes the GPU, so profiled
 * steps run slower than unprofiled ones. Each call also costs the profiler ≈ 0.1–1 µs, which
 * shows up in the table's "outside the backend" line together with autograd and bookkeeping.
 * Calls from every thread are recorded (a data loader's copies, the Cleaner's frees), so with
 * such threads busy the backend total can exceed the profiled thread's share of the wall time.
 * GEMM rows are keyed by shape, transposition and epilogue, the other rows by operation.
 */
public final class Profiler {

    /** Backend methods that are queries, not work: passed through unrecorded. */
    private static final Set<String> UNRECORDED = Set.of("info", "peakFlops", "memoryStats");
    /**
     * Recorded but not followed by a synchronize: bookkeeping that queues no kernel, and which the
     * JVM's Cleaner thread also calls (freeing storage must not wait for the GPU there).
     */
    private static final Set<String> NO_SYNCHRONIZE = Set.of("allocate", "free", "synchronize");

    /** One operation's totals since the last {@link #reset()}. */
    public record Row(String op, long calls, long nanos, double flops) {
    }

    private final Device device;
    private final Map<String, long[]> totals = new HashMap<>();
    private final Map<String, Double> flops = new HashMap<>();
    private long since = System.nanoTime();

    private Profiler(Device base) {
        Backend target = base.backend();
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            // Object's methods answer for the proxy itself, not the backend behind it.
            case "equals" -> args != null && args.length == 1 && proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> target + " (profiled)";
            default -> invoke(target, method, args);
        };
        Backend recording = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, handler);
        this.device = Device.decorated(base, recording, "profiled");
    }

    /** A profiler of {@code base}'s backend; run the work to profile on {@link #device()}. */
    public static Profiler of(Device base) {
        return new Profiler(Objects.requireNonNull(base, "base"));
    }

    /** The device whose backend calls are recorded. */
    public Device device() {
        return device;
    }

    /** Forgets what was recorded and restarts the wall clock (call it after warming up). */
    public synchronized void reset() {
        totals.clear();
        flops.clear();
        since = System.nanoTime();
    }

    /** Nanoseconds since the last {@link #reset()} (or since the profiler was made). */
    public synchronized long elapsedNanos() {
        return System.nanoTime() - since;
    }

    /** What was recorded, most time first. */
    public synchronized List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        totals.forEach((op, t) -> rows.add(new Row(op, t[0], t[1], flops.getOrDefault(op, 0.0))));
        rows.sort(Comparator.comparingLong(Row::nanos).reversed().thenComparing(Row::op));
        return rows;
    }

    /**
     * The recorded operations as a table per unit of work ({@code units} steps since the last
     * reset): calls, microseconds, share of the wall time, GFLOP/s for GEMMs; then the backend's
     * total and the time spent outside it.
     */
    public String table(int units) {
        if (units < 1) {
            throw new IllegalArgumentException("Profiler.table: units must be at least 1, got " + units);
        }
        List<Row> rows = rows();
        double wall = elapsedNanos();
        int width = Math.max(10, rows.stream().mapToInt(r -> r.op().length()).max().orElse(0));
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-" + width + "s  %9s  %10s  %6s  %10s%n", "op", "calls/unit",
                "us/unit", "share", "GFLOP/s"));
        text.append("-".repeat(width + 45)).append('\n');
        long backend = 0;
        for (Row r : rows) {
            backend += r.nanos();
            text.append(String.format(Locale.ROOT, "%-" + width + "s  %9.1f  %10.1f  %5.1f%%", r.op(),
                    (double) r.calls() / units, r.nanos() / 1e3 / units, 100 * r.nanos() / wall));
            if (r.flops() > 0) {
                text.append(String.format(Locale.ROOT, "  %10.1f", r.flops() / r.nanos()));
            }
            text.append('\n');
        }
        text.append(String.format(Locale.ROOT, "backend total %.1f us/unit (%.1f%%); wall %.1f us/unit; outside the"
                        + " backend (autograd, bookkeeping, profiler) %.1f us/unit%n", backend / 1e3 / units,
                100 * backend / wall, wall / 1e3 / units, (wall - backend) / 1e3 / units));
        return text.toString();
    }

    private Object invoke(Backend target, Method method, Object[] args) throws Throwable {
        if (UNRECORDED.contains(method.getName())) {
            return call(target, method, args);
        }
        long start = System.nanoTime();
        Object result = call(target, method, args);
        if (!NO_SYNCHRONIZE.contains(method.getName())) {
            target.synchronize();
        }
        long nanos = System.nanoTime() - start;
        record(key(method, args), nanos, args != null && args.length == 1 && args[0] instanceof GemmSpec g
                ? g.flops() : 0);
        return result;
    }

    private static Object call(Backend target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private synchronized void record(String key, long nanos, double work) {
        long[] t = totals.computeIfAbsent(key, k -> new long[2]);
        t[0]++;
        t[1] += nanos;
        if (work > 0) {
            flops.merge(key, work, Double::sum);
        }
    }

    /** {@code gemm NT 256x1024x784 +bias relu}, {@code binary ADD}, {@code optimizerStep Adam}, {@code allocate}. */
    static String key(Method method, Object[] args) {
        String name = method.getName();
        if (args == null || args.length == 0) {
            return name;
        }
        return switch (args[0]) {
            case GemmSpec g -> "gemm " + (g.transA() ? "T" : "N") + (g.transB() ? "T" : "N") + " " + g.m() + "x"
                    + g.n() + "x" + g.k() + (g.bias().isPresent() ? " +bias" : "")
                    + (g.activation() == dev.nabla.backend.Activation.NONE ? ""
                            : " " + g.activation().name().toLowerCase(Locale.ROOT));
            case Enum<?> op when name.equals("reduce") && args.length > 4 -> name + " " + op.name() + " "
                    + args[2] + "x" + args[3] + "x" + args[4];
            case Enum<?> op -> name + " " + op.name();
            case OptimizerStep step -> name + " " + step.getClass().getSimpleName();
            default -> name;
        };
    }
}
