package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device.ProviderReport;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {

    private static ProviderReport provider(String name, Probe probe) {
        return new ProviderReport(new BackendProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int priority() {
                return 0;
            }

            @Override
            public Probe probe() {
                return probe;
            }

            @Override
            public Backend open(int index) {
                throw new UnsupportedOperationException();
            }
        }, probe);
    }

    private static Probe devices(String backend, int count, DeviceInfo.Kind kind) {
        return Probe.available(java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> new DeviceInfo(backend, i, backend + " device", kind, "")).toList());
    }

    private static final List<ProviderReport> PROVIDERS = List.of(
            provider("cuda", Probe.unavailable("libcuda.so.1 not found")),
            provider("opencl", devices("opencl", 2, DeviceInfo.Kind.GPU)),
            provider("cpu", devices("cpu", 1, DeviceInfo.Kind.CPU)),
            provider("reference", devices("reference", 1, DeviceInfo.Kind.CPU)));

    @Test
    void allLeavesOutCpuDevicesOfOtherBackendsUnlessNamed() {
        List<ProviderReport> pocl = List.of(
                provider("opencl", devices("opencl", 1, DeviceInfo.Kind.CPU)),
                provider("cpu", devices("cpu", 1, DeviceInfo.Kind.CPU)));
        BackendSelection all = BackendSelection.select("all", pocl);
        assertEquals(List.of("cpu:0"), all.devices());
        assertTrue(all.skipped().get("opencl:0").contains("competes with the cpu backend"));
        assertEquals(List.of("opencl:0", "cpu:0"), BackendSelection.select("all,opencl", pocl).devices());
        assertEquals(List.of("opencl:0"), BackendSelection.select("opencl:0", pocl).devices());
    }

    @Test
    void allIsEveryAvailableDeviceButTheReferenceWithReasonsForTheRest() {
        BackendSelection s = BackendSelection.select("all", PROVIDERS);
        assertEquals(List.of("opencl:0", "opencl:1", "cpu:0"), s.devices());
        assertEquals("libcuda.so.1 not found", s.skipped().get("cuda"));
        assertTrue(s.skipped().get("reference").contains("left out of 'all'"));
    }

    @Test
    void namedBackendsAndDevices() {
        assertEquals(List.of("cpu:0", "reference:0", "opencl:1"),
                BackendSelection.select("cpu, reference,opencl:1", PROVIDERS).devices());
        BackendSelection withRef = BackendSelection.select("all,reference", PROVIDERS);
        assertEquals(List.of("opencl:0", "opencl:1", "cpu:0", "reference:0"), withRef.devices());
        assertEquals(Map.of("cuda", "libcuda.so.1 not found"), withRef.skipped());
    }

    @Test
    void unavailableNamedBackendIsSkippedWithItsReason() {
        BackendSelection s = BackendSelection.select("cuda,cpu", PROVIDERS);
        assertEquals(List.of("cpu:0"), s.devices());
        assertEquals(Map.of("cuda", "libcuda.so.1 not found"), s.skipped());
    }

    @Test
    void unknownBackendsAndDevicesAreErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackendSelection.select("tpu", PROVIDERS))
                .getMessage().startsWith("--backend: unknown backend 'tpu'; known: cuda, opencl, cpu, reference"));
        assertEquals("--backend: opencl has no device 'opencl:5'; it has opencl:0, opencl:1",
                assertThrows(IllegalArgumentException.class,
                        () -> BackendSelection.select("opencl:5", PROVIDERS)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackendSelection.select(" ", PROVIDERS));
    }
}
