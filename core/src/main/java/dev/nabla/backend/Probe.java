package dev.nabla.backend;

import java.util.List;

/**
 * What a provider found when asked for devices: either some devices, or the reason there are
 * none (missing driver, missing library, no platform...). The reason is shown to users verbatim.
 */
public record Probe(List<DeviceInfo> devices, String reason) {

    public Probe {
        devices = List.copyOf(devices);
    }

    public static Probe available(List<DeviceInfo> devices) {
        return new Probe(devices, "");
    }

    public static Probe unavailable(String reason) {
        return new Probe(List.of(), reason);
    }

    public boolean isAvailable() {
        return !devices.isEmpty();
    }
}
