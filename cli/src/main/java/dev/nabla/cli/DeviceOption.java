package dev.nabla.cli;

import dev.nabla.Device;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --backend DEVICE}, the option of the commands that run on one device ({@code train},
 * {@code eval}), as a picocli mixin so that both spell and explain it the same way.
 */
final class DeviceOption {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu, reference, opencl[:N] or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String backend;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /**
     * Opens the device the option names. A name that is not a device here (unknown backend, bad
     * index, backend unavailable) is a usage error (exit 2), as for {@code bench --backend}.
     */
    Device open() {
        try {
            return Device.of(backend);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--backend: " + e.getMessage(), e);
        }
    }
}
