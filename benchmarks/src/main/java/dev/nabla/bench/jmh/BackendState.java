package dev.nabla.bench.jmh;

import dev.nabla.Device;
import dev.nabla.Device.ProviderReport;
import dev.nabla.bench.Workload;

/**
 * Opens the device a {@code backend} parameter names and prepares a workload on it; fails the
 * trial (JMH reports it and goes on with the next parameters) with the backend's probe reason
 * when it is unavailable. {@link BenchMain} normally filters unavailable backends out before JMH
 * starts, so this only fires for backends named explicitly with {@code -p backend=...}.
 */
final class BackendState {

    private BackendState() {
    }

    static Device open(String backend) {
        for (ProviderReport r : Device.providers()) {
            if (r.name().equals(backend.contains(":") ? backend.substring(0, backend.indexOf(':')) : backend)
                    && !r.probe().isAvailable()) {
                throw new IllegalStateException("skipped: backend " + backend + " is unavailable: " + r.probe().reason());
            }
        }
        return Device.of(backend);
    }

    /** Runs {@code instance} once and waits for the device, so GPU timings include the work. */
    static void runSynchronized(Device device, Workload.Instance instance) {
        instance.run();
        device.backend().synchronize();
    }
}
