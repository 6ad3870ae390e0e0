package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class CpuProviderTest {

    @Test
    void probeFindsTheVectorApi() {
        CpuProvider provider = new CpuProvider();
        Probe probe = provider.probe();
        assertTrue(probe.isAvailable(), probe.reason());
        DeviceInfo info = probe.devices().getFirst();
        assertEquals("cpu:0", info.id());
        assertEquals(DeviceInfo.Kind.CPU, info.kind());
        assertTrue(info.name().startsWith("CPU (Vector API, "), info.name());
        assertSame(provider.open(0), provider.open(0), "one backend instance per process");
        assertEquals(100, provider.priority());
    }

    @Test
    void serviceLoaderFindsTheProvider() {
        boolean found = ServiceLoader.load(BackendProvider.class).stream()
                .anyMatch(p -> p.type() == CpuProvider.class);
        assertTrue(found, "META-INF/services must register dev.nabla.cpu.CpuProvider");
    }
}
