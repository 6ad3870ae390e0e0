package dev.nabla.backend;

/**
 * What a provider knows about one of its devices, for {@code nabla devices} and logs.
 *
 * @param backend     provider name: {@code reference}, {@code cpu}, {@code opencl}, {@code cuda}
 * @param index       device index within the provider ({@code cuda:1} has index 1)
 * @param name        human-readable device name
 * @param kind        {@code CPU}, {@code GPU} or {@code ACCELERATOR}
 * @param description one line of detail (threads, vector width, memory, driver...)
 */
public record DeviceInfo(String backend, int index, String name, Kind kind, String description) {

    /** Broad class of device, used by {@code Device.auto()} to prefer GPUs. */
    public enum Kind { CPU, GPU, ACCELERATOR }

    /** The string {@code Device.of} accepts for this device, e.g. {@code cuda:0}. */
    public String id() {
        return backend + ":" + index;
    }
}
