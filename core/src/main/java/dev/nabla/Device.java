package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device tensors live on: one device of one backend, named like PyTorch's {@code torch.device}
 * ({@code cpu}, {@code cuda:1}, {@code opencl:0}, {@code reference}).
 *
 * <p>Backends are discovered with {@link ServiceLoader}; a backend module on the class path is
 * all it takes. {@link #auto()} prefers a CUDA GPU, then an OpenCL GPU, then the Vector-API CPU
 * backend, then the reference backend, and logs why it skipped the others.
 */
public final class Device {

    private static final System.Logger LOG = System.getLogger("dev.nabla.Device");
    private static final Map<String, Device> OPEN = new ConcurrentHashMap<>();
    private static volatile List<ProviderReport> reports;
    private static volatile Device auto;
    private static volatile Device defaultDevice;

    private final DeviceInfo info;
    private final Backend backend;
    /** What {@link #toString()} says: the id, or the id and a decoration such as "(profiled)". */
    private String label;

    private Device(DeviceInfo info, Backend backend) {
        this.info = info;
        this.backend = backend;
    }

    /**
     * The open device described by its backend, which says what it actually uses (a GPU backend's
     * GEMM path, say, when the probe's guess did not hold), else by the probe.
     */
    private static Device opened(DeviceInfo probed, Backend backend) {
        DeviceInfo actual = backend.info();
        return new Device(actual != null && actual.id().equals(probed.id()) ? actual : probed, backend);
    }

    /**
     * A device with {@code base}'s description and another backend (a decorator such as
     * {@link Profiler}'s). Not registered: {@code Device.of(id)} keeps returning {@code base}.
     */
    static Device decorated(Device base, Backend backend, String label) {
        Device device = new Device(base.info, backend);
        device.label = base.id() + " (" + label + ")";
        return device;
    }

    /**
     * One provider and its probe result: its devices, or why it has none. The probe runs on the
     * first {@link #probe()} call, not when the provider is listed: naming {@code cpu} must not
     * load a GPU driver or OpenCL platform (PoCL's LLVM replaces the JVM's signal handlers, see
     * {@link dev.nabla.backend.NativeSignals}), and it saves their start-up time.
     */
    public static final class ProviderReport {
        private final BackendProvider provider;
        private volatile Probe probe;

        /** A report that probes {@code provider} when first asked. */
        public ProviderReport(BackendProvider provider) {
            this.provider = java.util.Objects.requireNonNull(provider, "provider");
        }

        /** A report with a probe result already known (tests, decorators). */
        public ProviderReport(BackendProvider provider, Probe probe) {
            this(provider);
            this.probe = java.util.Objects.requireNonNull(probe, "probe");
        }

        public BackendProvider provider() {
            return provider;
        }

        public String name() {
            return provider.name();
        }

        /** The provider's devices or the reason it has none; probes on the first call. */
        public Probe probe() {
            Probe result = probe;
            if (result == null) {
                synchronized (this) {
                    result = probe;
                    if (result == null) {
                        probe = result = safeProbe(provider);
                    }
                }
            }
            return result;
        }

        @Override
        public String toString() {
            return "ProviderReport[" + name() + (probe == null ? ", not probed yet]" : ", " + probe + "]");
        }
    }

    /**
     * Every backend provider on the class path in priority order. Listing them probes none: each
     * report probes when its {@link ProviderReport#probe()} is first called.
     */
    public static List<ProviderReport> providers() {
        List<ProviderReport> result = reports;
        if (result == null) {
            synchronized (Device.class) {
                result = reports;
                if (result == null) {
                    List<ProviderReport> found = new ArrayList<>();
                    for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
                        found.add(new ProviderReport(provider));
                    }
                    found.sort(Comparator.comparingInt(r -> r.provider().priority()));
                    reports = result = List.copyOf(found);
                }
            }
        }
        return result;
    }

    private static Probe safeProbe(BackendProvider provider) {
        try {
            return provider.probe();
        } catch (RuntimeException | LinkageError e) {
            return Probe.unavailable("probe failed: " + e);
        }
    }

    /**
     * The best available device: a CUDA GPU, an OpenCL GPU, the CPU backend, or the reference
     * backend, in that order. The choice and the reasons others were skipped go to the log
     * ({@link #autoExplanation()} returns the same text).
     */
    public static Device auto() {
        Device result = auto;
        if (result == null) {
            synchronized (Device.class) {
                result = auto;
                if (result == null) {
                    result = chooseAuto();
                    // DEBUG, not INFO: PyTorch prints nothing here, and the CLI names the device it
                    // uses anyway; `nabla devices` (or this logger at DEBUG) explains the choice.
                    LOG.log(System.Logger.Level.DEBUG, autoExplanation());
                    auto = result;
                }
            }
        }
        return result;
    }

    /** GPUs that {@code auto} passed over because opening them failed, with the reason; by device id. */
    private static final Map<String, String> AUTO_SKIPPED = new ConcurrentHashMap<>();

    private static Device chooseAuto() {
        return chooseAuto(providers(), Device::of, AUTO_SKIPPED);
    }

    /**
     * The first GPU of the highest-priority provider that opens, else {@code cpu:0}, else
     * {@code reference:0}. GPUs that fail to open are recorded in {@code skipped} and passed over.
     */
    static Device chooseAuto(List<ProviderReport> reports, java.util.function.Function<String, Device> open,
                             Map<String, String> skipped) {
        // Every GPU in provider order, then the CPU backends.
        List<String> candidates = new ArrayList<>();
        for (ProviderReport report : reports) {
            for (DeviceInfo device : report.probe().devices()) {
                if (device.kind() == DeviceInfo.Kind.GPU) {
                    candidates.add(device.id());
                }
            }
        }
        for (String fallback : List.of("cpu", "reference")) {
            if (reports.stream().anyMatch(r -> r.name().equals(fallback) && r.probe().isAvailable())) {
                candidates.add(fallback + ":0");
            }
        }
        for (String id : candidates) {
            if (skipped.containsKey(id)) {
                continue;
            }
            try {
                return open.apply(id);
            } catch (RuntimeException | LinkageError e) {
                // NOTE: a device that probes fine can still fail to open (kernels that do not build
                // or fit its limits, a context the driver refuses): auto goes on to the next one.
                // The reference backend is the last resort: its failure is the answer.
                if (id.equals("reference:0")) {
                    throw e;
                }
                String reason = e.getMessage() != null ? e.getMessage() : e.toString();
                skipped.put(id, reason);
                LOG.log(System.Logger.Level.WARNING, "auto device: skipping " + id + ": " + reason);
            }
        }
        throw new IllegalStateException("no backend available: " + describeProviders());
    }

    /** Which device {@link #auto()} chose and why each other provider was passed over. */
    public static String autoExplanation() {
        Device chosen = auto != null ? auto : chooseAuto();
        StringBuilder text = new StringBuilder("auto device: " + chosen.id() + " (" + chosen.info.name() + ")");
        for (ProviderReport report : providers()) {
            List<String> failed = report.probe().devices().stream().map(DeviceInfo::id)
                    .filter(AUTO_SKIPPED::containsKey).map(id -> id + " failed to open, " + AUTO_SKIPPED.get(id)).toList();
            if (report.name().equals(chosen.info.backend())) {
                // Another device of the chosen backend may have failed before this one opened.
                if (!failed.isEmpty()) {
                    text.append("; ").append(report.name()).append(": ").append(String.join("; ", failed));
                }
                continue;
            }
            text.append("; ").append(report.name()).append(": ");
            if (!report.probe().isAvailable()) {
                text.append("unavailable, ").append(report.probe().reason());
            } else if (!failed.isEmpty()) {
                text.append(String.join("; ", failed));
            } else if (report.probe().devices().stream().noneMatch(d -> d.kind() == DeviceInfo.Kind.GPU)) {
                text.append("no GPU device");
            } else {
                text.append("lower priority");
            }
        }
        return text.toString();
    }

    /** The Vector-API CPU backend if it loads, else the reference backend. */
    public static Device cpu() {
        for (ProviderReport report : providers()) {
            if (report.name().equals("cpu") && report.probe().isAvailable()) {
                return of("cpu:0");
            }
        }
        return reference();
    }

    /** The scalar reference backend, the test oracle. */
    public static Device reference() {
        return of("reference:0");
    }

    /**
     * The device named by {@code spec}: {@code backend} or {@code backend:index}, e.g. {@code cpu},
     * {@code cuda:1}, {@code opencl:0}, or {@code auto}.
     *
     * @throws IllegalArgumentException naming the known backends, or the reason the named one is
     *                                  unavailable, or the valid index range
     */
    public static Device of(String spec) {
        String trimmed = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (trimmed.equals("auto")) {
            return auto();
        }
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        int index;
        try {
            index = colon < 0 ? 0 : Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + spec + "': index after ':' must be a number, e.g. cuda:0");
        }
        String key = name + ":" + index;
        Device open = OPEN.get(key);
        if (open != null) {
            return open;
        }
        ProviderReport report = providers().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("device '" + spec + "': unknown backend '" + name
                        + "'; known: " + String.join(", ", providers().stream().map(ProviderReport::name).toList())
                        + " (a backend module missing from the class path is not listed)"));
        Probe probe = report.probe();
        if (!probe.isAvailable()) {
            throw new IllegalArgumentException("device '" + spec + "': backend " + name + " is unavailable: "
                    + probe.reason());
        }
        if (index < 0 || index >= probe.devices().size()) {
            throw new IllegalArgumentException("device '" + spec + "': backend " + name + " has "
                    + probe.devices().size() + " device(s), indices 0.." + (probe.devices().size() - 1));
        }
        return OPEN.computeIfAbsent(key, k -> opened(probe.devices().get(index), report.provider().open(index)));
    }

    /** One line per provider: its devices or the reason it has none. */
    public static String describeProviders() {
        StringBuilder text = new StringBuilder();
        for (ProviderReport report : providers()) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append(report.name()).append(": ");
            text.append(report.probe().isAvailable()
                    ? String.join(", ", report.probe().devices().stream().map(DeviceInfo::id).toList())
                    : "unavailable, " + report.probe().reason());
        }
        return text.toString();
    }

    /**
     * The device factory methods such as {@code Tensor.of} and {@code Tensor.zeros} use when none
     * is given: the CPU backend unless {@link #setDefault} chose another (as
     * {@code torch.set_default_device}).
     */
    public static Device getDefault() {
        Device result = defaultDevice;
        return result != null ? result : cpu();
    }

    /** Sets the device factory methods use when none is given. */
    public static void setDefault(Device device) {
        defaultDevice = java.util.Objects.requireNonNull(device, "device");
    }

    /** The backend that runs this device's operations. */
    public Backend backend() {
        return backend;
    }

    /** What the open backend reports about this device (what it actually uses), else what the probe reported. */
    public DeviceInfo info() {
        return info;
    }

    /** The canonical name, e.g. {@code cuda:0}; {@code Device.of(id())} returns this device. */
    public String id() {
        return info.id();
    }

    /** True for GPU devices, whose memory the garbage collector cannot see. */
    public boolean isGpu() {
        return info.kind() == DeviceInfo.Kind.GPU;
    }

    @Override
    public String toString() {
        return label != null ? label : id();
    }
}
