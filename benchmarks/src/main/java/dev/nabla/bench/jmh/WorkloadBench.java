package dev.nabla.bench.jmh;

import dev.nabla.Device;
import dev.nabla.bench.Workload;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every JMH benchmark here shares: a {@code backend} parameter, one {@link Workload} prepared
 * on that device per trial (JMH inherits the state, setup and class annotations), and a timed call
 * that waits for the device. Subclasses add their parameters, the warm-up and measurement times,
 * and a {@code @Benchmark} method that calls {@link #run()}, which names the benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public abstract class WorkloadBench {

    @Param({"cpu"})
    public String backend;

    private Device device;
    private Workload.Instance instance;

    /** The workload the parameters describe. */
    protected abstract Workload workload();

    @Setup(Level.Trial)
    public void setUp() {
        device = BackendState.open(backend);
        instance = workload().prepare(device);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        instance.close();
    }

    /** One call of the workload, synchronized with the device. */
    protected final void run() {
        BackendState.runSynchronized(device, instance);
    }
}
