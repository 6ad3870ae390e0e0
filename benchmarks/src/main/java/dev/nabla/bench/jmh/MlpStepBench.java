package dev.nabla.bench.jmh;

import dev.nabla.bench.Workload;
import dev.nabla.bench.Workloads;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole training step of a ReLU MLP through the public API (forward, fused cross-entropy,
 * backward, optimizer step, inside a scope). {@code arch} is {@code in-h1-...-classes};
 * samples/s = batch / time.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class MlpStepBench extends WorkloadBench {

    @Param({"784-1024-1024-10:256", "784-512-256-10:128"})
    public String arch;

    @Param({"adam"})
    public String optimizer;

    static Workload.MlpStep parse(String arch, String optimizer) {
        String[] parts = arch.split(":");
        List<Integer> widths = Workloads.parsePositiveInts("arch", parts[0].replace('-', ','));
        int batch = parts.length > 1 ? Integer.parseInt(parts[1]) : 256;
        return new Workload.MlpStep(widths.get(0), widths.subList(1, widths.size() - 1), widths.get(widths.size() - 1),
                batch, optimizer, 1e-3f);
    }

    @Override
    protected Workload workload() {
        return parse(arch, optimizer);
    }

    @Benchmark
    public void step() {
        run();
    }
}
