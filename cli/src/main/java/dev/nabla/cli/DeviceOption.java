package dev.nabla.cli;

import dev.nabla.Device;
import picocli.CommandLine.Option;

/**
 * {@code --backend DEVICE}, the option of the commands that run on one device ({@code train},
 * {@code eval}), as a picocli mixin so that both spell and explain it the same way.
 */
final class DeviceOption {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu, reference, opencl[:N] or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String backend;

    /** Opens the device the option names. */
    Device open() {
        return Device.of(backend);
    }
}
