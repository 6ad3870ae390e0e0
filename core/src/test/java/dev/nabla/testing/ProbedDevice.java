package dev.nabla.testing;

import dev.nabla.Device;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Probe;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The device a GPU backend runs the shared suites on ({@code BackendConformanceTest},
 * {@code BackendEdgeCasesTest}), or a skipped test that gives the provider's reason where there
 * is none (no driver, no GPU, no loadable kernels).
 *
 * <p>Call it from the suite's {@code device()}, which runs before each test, rather than from a
 * {@code @BeforeAll}: Surefire reports a class aborted in {@code @BeforeAll} as "Tests run: 0"
 * without the reason, and each skipped test with it.
 */
public final class ProbedDevice {

    /** One probe per provider and JVM: probing loads native libraries and asks the driver. */
    private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    private ProbedDevice() {
    }

    /**
     * Device {@code index} of {@code provider} ({@code cuda:0}); where it does not exist, the test
     * is skipped with the reason.
     *
     * @param kind how messages name the provider's devices: {@code "no CUDA device: ..."}
     */
    public static Device orSkip(BackendProvider provider, String kind, int index) {
        String name = provider.name();
        Probe probe = PROBES.computeIfAbsent(name, n -> provider.probe());
        Assumptions.assumeTrue(probe.isAvailable(), () -> "no " + kind + " device: " + probe.reason());
        Assumptions.assumeTrue(index < probe.devices().size(), () -> name + ":" + index + " does not exist ("
                + probe.devices().size() + " " + kind + " devices)");
        return Device.of(name + ":" + index);
    }
}
