package dev.nabla.bench;

import dev.nabla.Device;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;

/** Times workloads on one Nabla device; GPU work is synchronized before the clock stops. */
public final class NablaContender implements Contender {

    private final Device device;
    private final Set<String> warmedProxies = new HashSet<>();
    private Workload.Instance instance;
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private long compileMillis = -1;

    public NablaContender(Device device) {
        this.device = device;
    }

    public Device device() {
        return device;
    }

    @Override
    public String name() {
        return device.id();
    }

    @Override
    public String description() {
        String d = device.info().description();
        return device.info().name() + (d.isBlank() ? "" : " (" + d + ")");
    }

    @Override
    public boolean isNabla() {
        return true;
    }

    @Override
    public void setUp(Workload workload) {
        tearDown();
        // Compile the code paths on a small problem first: a cold JIT runs a large GEMM's first
        // calls tens of times slower than C2 code does.
        workload.warmupProxy().ifPresent(proxy -> {
            if (warmedProxies.add(proxy.label())) {
                try (Workload.Instance small = proxy.prepare(device)) {
                    long end = System.nanoTime() + 1_500_000_000L;
                    for (int i = 0; i < 200 && System.nanoTime() < end; i++) {
                        small.run();
                    }
                    device.backend().synchronize();
                }
            }
        });
        instance = workload.prepare(device);
        device.backend().synchronize();
    }

    @Override
    public double time(int calls) {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            instance.run();
        }
        device.backend().synchronize();
        return (System.nanoTime() - start) * 1e-9;
    }

    /**
     * Whether the JIT's total compilation time grew since the last call. NOTE: measured here, a
     * workload's first samples sometimes ran 2-4× slow for a whole workload although its timings
     * had "settled": C2 was still compiling on one of the two cores, so the pool's second thread
     * barely ran (memory-bound kernels at one core's bandwidth).
     */
    @Override
    public boolean compiling() {
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return false;
        }
        long now = jit.getTotalCompilationTime();
        boolean grew = now != compileMillis;
        compileMillis = now;
        return grew;
    }

    @Override
    public void tearDown() {
        if (instance != null) {
            instance.close();
            instance = null;
        }
    }

    @Override
    public void close() {
        tearDown();
    }
}
