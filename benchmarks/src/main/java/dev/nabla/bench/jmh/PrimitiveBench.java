package dev.nabla.bench.jmh;

import dev.nabla.bench.Workload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory-bound primitive families through the backend SPI, on {@code [rows, cols]} tensors:
 * element-wise ({@code add}, row-broadcast {@code bias-add}, {@code relu}), reductions
 * ({@code sum0} column sums as for a bias gradient, {@code sum1} row sums), the fused softmax
 * cross-entropy forward+backward ({@code xent}, logits {@code [rows, cols]}) and the fused
 * optimizer updates ({@code adam}, {@code adamw}, {@code sgd} over rows·cols parameters).
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class PrimitiveBench extends WorkloadBench {

    @Param({"add", "bias-add", "relu", "sum0", "sum1", "xent", "adam", "sgd"})
    public String op;

    @Param({"1024x4096", "256x1024"})
    public String shape;

    static Workload workload(String op, String shape) {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        return switch (op) {
            case "add" -> new Workload.Elementwise(Workload.Elementwise.Op.ADD, rows, cols);
            case "bias-add" -> new Workload.Elementwise(Workload.Elementwise.Op.BIAS_ADD, rows, cols);
            case "relu" -> new Workload.Elementwise(Workload.Elementwise.Op.RELU, rows, cols);
            case "sum0" -> new Workload.Reduce(0, rows, cols);
            case "sum1" -> new Workload.Reduce(1, rows, cols);
            case "xent" -> new Workload.CrossEntropy(rows, cols);
            case "adam", "adamw", "sgd" -> new Workload.OptimizerUpdate(op, rows * cols);
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    @Override
    protected Workload workload() {
        return workload(op, shape);
    }

    @Benchmark
    public void primitive() {
        run();
    }
}
