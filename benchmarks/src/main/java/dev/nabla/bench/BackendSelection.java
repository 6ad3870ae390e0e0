package dev.nabla.bench;

import dev.nabla.Device;
import dev.nabla.Device.ProviderReport;
import dev.nabla.backend.DeviceInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which devices {@code --backend} names, and why the others are skipped.
 *
 * <p>{@code all} is every device of every available backend except {@code reference}: the scalar
 * oracle is one to two orders of magnitude slower than the CPU backend (a 4096³ GEMM would take
 * many minutes), so it runs only when named. CPU devices of other backends (PoCL's OpenCL device)
 * are left out too unless named: they run on the same cores as the {@code cpu} backend and
 * disturb its timings. A list names backends ({@code cpu}, every device of
 * it) or devices ({@code cuda:1}). A named backend that is unavailable is skipped with its probe
 * reason, so scripts written for a GPU machine still run elsewhere.
 *
 * @param devices  what will run, in provider priority order
 * @param skipped  backend or device name to the reason it does not run
 */
public record BackendSelection(List<String> devices, Map<String, String> skipped) {

    /** Backends {@code all} leaves out unless named, with the reason shown to users. */
    public static final Map<String, String> EXCLUDED_FROM_ALL = Map.of("reference",
            "scalar reference backend, left out of 'all' (orders of magnitude slower); name it to run it");

    public static BackendSelection select(String spec) {
        return select(spec, Device.providers());
    }

    static BackendSelection select(String spec, List<ProviderReport> providers) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--backend: empty value; use all or a list such as cpu,cuda:0");
        }
        Set<String> devices = new LinkedHashSet<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                throw new IllegalArgumentException("--backend: empty item in '" + spec + "'");
            }
            names.add(p);
        }
        for (String name : names) {
            if (name.equals("all")) {
                for (ProviderReport r : providers) {
                    if (EXCLUDED_FROM_ALL.containsKey(r.name()) && !names.contains(r.name())) {
                        skipped.putIfAbsent(r.name(), EXCLUDED_FROM_ALL.get(r.name()));
                    } else if (!r.probe().isAvailable()) {
                        skipped.putIfAbsent(r.name(), r.probe().reason());
                    } else {
                        for (DeviceInfo d : r.probe().devices()) {
                            if (d.kind() == DeviceInfo.Kind.CPU && !r.name().equals("cpu")
                                    && !names.contains(r.name()) && !names.contains(d.id())) {
                                // NOTE: e.g. PoCL's OpenCL CPU device shares the cores with the cpu
                                // backend; its lingering worker threads slowed cpu samples by 10-45 %.
                                skipped.putIfAbsent(d.id(), "a CPU device of the " + r.name() + " backend, left out"
                                        + " of 'all' (it competes with the cpu backend for the same cores); name it"
                                        + " to run it");
                            } else {
                                devices.add(d.id());
                            }
                        }
                    }
                }
                continue;
            }
            int colon = name.indexOf(':');
            String backend = colon < 0 ? name : name.substring(0, colon);
            ProviderReport report = providers.stream().filter(r -> r.name().equals(backend)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--backend: unknown backend '" + backend
                            + "'; known: " + String.join(", ", providers.stream().map(ProviderReport::name).toList())
                            + ", all"));
            if (!report.probe().isAvailable()) {
                skipped.putIfAbsent(name, report.probe().reason());
                continue;
            }
            if (colon < 0) {
                report.probe().devices().forEach(d -> devices.add(d.id()));
                continue;
            }
            String id = name;
            if (report.probe().devices().stream().map(DeviceInfo::id).noneMatch(id::equals)) {
                throw new IllegalArgumentException("--backend: " + backend + " has no device '" + name + "'; it has "
                        + String.join(", ", report.probe().devices().stream().map(DeviceInfo::id).toList()));
            }
            devices.add(id);
        }
        // A device that runs after all is not skipped.
        skipped.keySet().removeIf(k -> devices.stream().anyMatch(d -> d.equals(k) || d.startsWith(k + ":")));
        return new BackendSelection(List.copyOf(devices), skipped);
    }
}
