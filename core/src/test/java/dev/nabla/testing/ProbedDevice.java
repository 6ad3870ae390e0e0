package dev.nabla.testing;

import dev.nabla.Device;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Probe;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * The device a GPU backend runs the shared suites on ({@code BackendConformanceTest},
 * {@code BackendEdgeCasesTest}), or a skipped test that gives the provider's reason where there
 * is none (no driver, no GPU, no loadable kernels).
 *
 * <p>A skip is not a pass where the backend is required: {@code NABLA_REQUIRE=cuda} (or
 * {@code opencl}, or both comma-separated; also the system property {@code nabla.require}, which
 * the root pom passes to test JVMs) turns "backend unavailable" into a failed test with the
 * probe's reason. Every test that needs a CUDA or OpenCL device skips through
 * {@link #assumeAvailable}, so the rule is the same everywhere.
 *
 * <p>Call it from the suite's {@code device()}, which runs before each test, rather than from a
 * {@code @BeforeAll}: Surefire reports a class aborted in {@code @BeforeAll} as "Tests run: 0"
 * without the reason, and each skipped test with it.
 */
public final class ProbedDevice {

    /** The environment variable and the system property that name the required backends. */
    public static final String REQUIRE_VARIABLE = "NABLA_REQUIRE";
    public static final String REQUIRE_PROPERTY = "nabla.require";

    /** One probe per provider and JVM: probing loads native libraries and asks the driver. */
    private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    private ProbedDevice() {
    }

    /**
     * Device {@code index} of {@code provider} ({@code cuda:0}); where it does not exist, the test
     * is skipped with the reason, or fails with it if the backend is required.
     *
     * @param kind how messages name the provider's devices: {@code "no CUDA device: ..."}
     */
    public static Device orSkip(BackendProvider provider, String kind, int index) {
        String name = provider.name();
        Probe probe = PROBES.computeIfAbsent(name, n -> provider.probe());
        assumeAvailable(name, kind, probe);
        if (index >= probe.devices().size()) {
            unavailable(name, name + ":" + index + " does not exist (" + probe.devices().size() + " " + kind
                    + " devices)", required());
        }
        return Device.of(name + ":" + index);
    }

    /**
     * Skips the test (or fails it, where {@code provider} is required) with the probe's reason
     * when the probe found no device.
     */
    public static void assumeAvailable(String provider, String kind, Probe probe) {
        assumeAvailable(provider, kind, probe, required());
    }

    /** {@link #assumeAvailable(String, String, Probe)} with the required backends given. */
    static void assumeAvailable(String provider, String kind, Probe probe, Set<String> required) {
        if (!probe.isAvailable()) {
            unavailable(provider, "no " + kind + " device: " + probe.reason(), required);
        }
    }

    private static void unavailable(String provider, String reason, Set<String> required) {
        if (required.contains(provider.toLowerCase(Locale.ROOT))) {
            throw new AssertionFailedError(provider + " is required (" + REQUIRE_VARIABLE + " or -D" + REQUIRE_PROPERTY
                    + "), but " + reason);
        }
        Assumptions.abort(reason);
    }

    /** The backends {@code NABLA_REQUIRE} and {@code nabla.require} name, lower case. */
    public static Set<String> required() {
        return required(System.getenv(REQUIRE_VARIABLE), System.getProperty(REQUIRE_PROPERTY));
    }

    /** The union of the comma-separated names in {@code variable} and {@code property}; either may be null. */
    static Set<String> required(String variable, String property) {
        return Stream.of(variable, property)
                .filter(s -> s != null)
                .flatMap(s -> Arrays.stream(s.split(",")))
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
