package dev.nabla.bench;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.MemoryStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Peak device memory of an {@link Workload.MlpStep} training step, from the allocator's own
 * statistics ({@code Backend.memoryStats()}): what the step holds at its highest point, parameters,
 * gradients, optimizer state and activations included. The allocator's peak counts from the
 * device's opening, so run one configuration per JVM:
 * <pre>
 * java -cp ... dev.nabla.bench.StepMemory cpu bf16 adam 784,4096,4096,10 512
 * </pre>
 * prints one line: the configuration, the peak in bytes and MiB, and the bytes in use between
 * steps (what stays resident). Two steps run, so that lazily created optimizer state is counted.
 */
public final class StepMemory {

    private StepMemory() {
    }

    /** The figures of one configuration. */
    public record Measurement(Workload.MlpStep step, String device, long peakBytes, long residentBytes,
                              long beforeBytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s on %s: peak %,d bytes (%.1f MiB), resident between steps %,d bytes"
                    + " (%.1f MiB), before the model %,d bytes", step.label(), device, peakBytes, mib(peakBytes),
                    residentBytes, mib(residentBytes), beforeBytes);
        }

        private static double mib(long bytes) {
            return bytes / (1024.0 * 1024.0);
        }
    }

    /** Runs {@code steps} steps of {@code step} on {@code device} and reads the allocator's figures. */
    public static Measurement measure(Workload.MlpStep step, Device device, int steps) {
        long before = device.backend().memoryStats().bytesInUse();
        long resident;
        try (Workload.Instance instance = step.prepare(device)) {
            for (int i = 0; i < steps; i++) {
                instance.run();
            }
            device.backend().synchronize();
            resident = device.backend().memoryStats().bytesInUse();
        }
        MemoryStats stats = device.backend().memoryStats();
        return new Measurement(step, device.toString(), stats.peakBytesInUse(), resident, before);
    }

    /** {@code DEVICE f32|bf16|f16 sgd|adam|adamw WIDTHS BATCH}, e.g. {@code cpu bf16 adam 784,4096,4096,10 512}. */
    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: StepMemory DEVICE f32|bf16|f16 sgd|adam|adamw IN,H1,...,CLASSES BATCH");
            System.exit(2);
        }
        Device device = Device.of(args[0]);
        DType dtype = Workloads.parseDtype(args[1]);
        List<Integer> widths = Workloads.parsePositiveInts("WIDTHS", args[3]);
        if (widths.size() < 3) {
            throw new IllegalArgumentException("WIDTHS: inputs, at least one hidden width and classes, got " + args[3]);
        }
        List<Integer> hidden = new ArrayList<>(widths.subList(1, widths.size() - 1));
        int batch = Integer.parseInt(args[4]);
        var step = new Workload.MlpStep(widths.getFirst(), hidden, widths.getLast(), batch, args[2], 1e-3f, dtype);
        System.out.println(measure(step, device, 2));
    }
}
