package dev.nabla.bench.jmh;

import dev.nabla.bench.Workload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM through the backend SPI: square sizes 256–4096 ({@code NN}) and the GEMMs of one training
 * step of a 784-1024-1024-10 MLP at batch 256 in the three transposition cases autograd uses
 * (forward {@code X·Wᵀ}, input gradient {@code dY·W}, weight gradient {@code dYᵀ·X}).
 * Shapes are {@code MxNxK:XY}; GFLOP/s = 2·M·N·K / time.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench extends WorkloadBench {

    @Param({"256x256x256:NN", "512x512x512:NN", "1024x1024x1024:NN", "2048x2048x2048:NN", "4096x4096x4096:NN",
            "256x1024x784:NT", "256x1024x1024:NT", "256x10x1024:NT",
            "256x784x1024:NN", "256x1024x1024:NN", "256x1024x10:NN",
            "1024x784x256:TN", "1024x1024x256:TN", "10x1024x256:TN"})
    public String shape;

    /** {@code MxNxK:XY} as a workload. */
    static Workload.Matmul parse(String shape) {
        String[] parts = shape.split(":");
        String[] mnk = parts[0].split("x");
        String trans = parts.length > 1 ? parts[1] : "NN";
        return new Workload.Matmul(Integer.parseInt(mnk[0]), Integer.parseInt(mnk[1]), Integer.parseInt(mnk[2]),
                trans.charAt(0) == 'T', trans.charAt(1) == 'T', "");
    }

    @Override
    protected Workload workload() {
        return parse(shape);
    }

    @Benchmark
    public void gemm() {
        run();
    }
}
