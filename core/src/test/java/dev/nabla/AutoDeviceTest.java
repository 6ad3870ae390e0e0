package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code auto} takes the first GPU that opens and falls back past one that probes but fails to open. */
class AutoDeviceTest {

    /** A provider that only reports devices; opening goes through the test's function. */
    private record FakeProvider(String name, int priority, Probe probe) implements BackendProvider {
        @Override
        public Backend open(int index) {
            throw new UnsupportedOperationException("opened through the test's function");
        }
    }

    private static Device.ProviderReport gpuProvider(String name, int priority) {
        DeviceInfo gpu = new DeviceInfo(name, 0, "Fake GPU", DeviceInfo.Kind.GPU, "fake");
        return new Device.ProviderReport(new FakeProvider(name, priority, Probe.available(List.of(gpu))),
                Probe.available(List.of(gpu)));
    }

    private static Device.ProviderReport reference() {
        return Device.providers().stream().filter(r -> r.name().equals("reference")).findFirst().orElseThrow();
    }

    @Test
    void aGpuThatFailsToOpenIsSkippedWithItsReason() {
        List<String> tried = new ArrayList<>();
        Map<String, String> skipped = new HashMap<>();
        List<Device.ProviderReport> reports = List.of(gpuProvider("brokengpu", 5), gpuProvider("goodgpu", 6), reference());
        Device chosen = Device.chooseAuto(reports, id -> {
            tried.add(id);
            if (id.equals("brokengpu:0")) {
                throw new IllegalStateException("opencl: Fake GPU cannot run kernel gemm (128) with 256 work-items");
            }
            return Device.of("reference:0");
        }, skipped);
        assertEquals(List.of("brokengpu:0", "goodgpu:0"), tried);
        assertSame(Device.of("reference:0"), chosen);
        assertTrue(skipped.get("brokengpu:0").contains("cannot run kernel gemm"), skipped.toString());
    }

    @Test
    void aBrokenCpuBackendFallsBackToTheReference() {
        Map<String, String> skipped = new HashMap<>();
        Device.ProviderReport cpu = new Device.ProviderReport(new FakeProvider("cpu", 50,
                Probe.available(List.of(new DeviceInfo("cpu", 0, "Fake CPU", DeviceInfo.Kind.CPU, "fake")))),
                Probe.available(List.of(new DeviceInfo("cpu", 0, "Fake CPU", DeviceInfo.Kind.CPU, "fake"))));
        Device chosen = Device.chooseAuto(List.of(cpu, reference()), id -> {
            if (id.equals("cpu:0")) {
                throw new IllegalStateException("cpu: no Vector API");
            }
            return Device.of(id);
        }, skipped);
        assertEquals("reference:0", chosen.id());
        assertEquals("cpu: no Vector API", skipped.get("cpu:0"));
    }

    @Test
    void withEveryGpuBrokenAutoFallsBackToTheCpuBackends() {
        Map<String, String> skipped = new HashMap<>();
        List<String> tried = new ArrayList<>();
        Device chosen = Device.chooseAuto(List.of(gpuProvider("brokengpu", 5), reference()), id -> {
            tried.add(id);
            if (id.startsWith("brokengpu")) {
                throw new UnsatisfiedLinkError("libfake.so: cannot open shared object file");
            }
            return Device.of(id);
        }, skipped);
        assertEquals(List.of("brokengpu:0", "reference:0"), tried);
        assertEquals("reference:0", chosen.id());
        assertEquals(1, skipped.size());
    }
}
