package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.Device.ProviderReport;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.NativeSignals;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nabla devices}: every backend provider on the class path in {@code Device.auto()}'s
 * order of preference, each with its devices or the reason it has none, then the device
 * {@code auto} picks and why.
 */
@Command(name = "devices",
        mixinStandardHelpOptions = true,
        description = {
                "List backends and their devices, and the device 'auto' picks.",
                "Backends are listed in the order 'auto' prefers them; an unavailable backend",
                "says why (missing driver, library or platform)."
        })
public final class DevicesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--memory", description = "Open each available device and print its allocator's memory statistics.")
    boolean memory;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (ProviderReport report : Device.providers()) {
            if (!report.probe().isAvailable()) {
                out.println(report.name() + ": unavailable: " + report.probe().reason());
                continue;
            }
            out.println(report.name() + ":");
            for (DeviceInfo device : report.probe().devices()) {
                out.println("  " + device.id() + "  " + device.kind() + "  " + device.name());
                if (!device.description().isBlank()) {
                    out.println("      " + device.description());
                }
                if (memory) {
                    // Opening the device may change what it uses (a cuBLAS that fails to open): print what the open device reports.
                    String opened = openedDescription(device);
                    if (!opened.equals(device.description())) {
                        out.println("      opened: " + opened);
                    }
                    out.println("      memory: " + memoryLine(device));
                }
            }
        }
        out.println();
        out.println(Device.autoExplanation());
        // Data-parallel training's engines (train --nproc / --distributed).
        dev.nabla.distributed.Engines.describe().forEach(out::println);
        // Whether a native library can take the JVM's signal handlers (README, Troubleshooting).
        out.println(NativeSignals.describe());
        out.flush();
        return 0;
    }

    /** What the open device reports it uses (its description), or the probe's when it cannot be opened. */
    private static String openedDescription(DeviceInfo device) {
        try {
            return Device.of(device.id()).info().description();
        } catch (RuntimeException | LinkageError e) {
            return device.description();
        }
    }

    /** The device's memory statistics, or why it could not be opened; never throws. */
    private static String memoryLine(DeviceInfo device) {
        MemoryStats stats;
        try {
            stats = Device.of(device.id()).backend().memoryStats();
        } catch (RuntimeException | LinkageError e) {
            return "cannot open " + device.id() + ": " + Main.describe(e);
        }
        return "in use " + Format.bytes(stats.bytesInUse())
                + ", cached " + Format.bytes(stats.bytesCached())
                + ", peak " + Format.bytes(stats.peakBytesInUse())
                + ", " + stats.allocations() + (stats.allocations() == 1 ? " allocate call" : " allocate calls")
                + " (cache hits included)";
    }
}
