package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.bench.Workload.Elementwise;
import dev.nabla.bench.Workload.Matmul;
import dev.nabla.bench.Workload.MlpStep;
import dev.nabla.bench.Workload.OptimizerUpdate;
import dev.nabla.bench.Workload.Reduce;
import dev.nabla.bench.Workload.CrossEntropy;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void matmulCountsTwoFlopsPerMultiplyAdd() {
        Matmul m = new Matmul(256, 1024, 784, false, true, "fc1.fwd");
        assertEquals(2.0 * 256 * 1024 * 784, m.flops());
        assertEquals("256x1024x784 NT fc1.fwd", m.label());
        assertEquals(Workload.Metric.FLOPS, m.metric());
        assertEquals(false, m.params().get("transA"));
        assertEquals(true, m.params().get("transB"));
        assertEquals(2.0 * 4096 * 4096 * 4096, Matmul.square(4096).flops());
    }

    @Test
    void largeMatmulWarmsUpOnA256CubeWithTheSameTransposition() {
        Matmul big = new Matmul(2048, 2048, 2048, true, false, "");
        Matmul proxy = (Matmul) big.warmupProxy().orElseThrow();
        assertEquals(new Matmul(256, 256, 256, true, false, ""), proxy);
        assertTrue(Matmul.square(128).warmupProxy().isEmpty());
    }

    @Test
    void memoryBoundWorkloadsCountMinimumTraffic() {
        double n = 1024.0 * 4096;
        assertEquals(12 * n, new Elementwise(Elementwise.Op.ADD, 1024, 4096).bytes());
        assertEquals(8 * n + 4 * 4096, new Elementwise(Elementwise.Op.BIAS_ADD, 1024, 4096).bytes());
        assertEquals(8 * n, new Elementwise(Elementwise.Op.RELU, 1024, 4096).bytes());
        assertEquals(4 * n + 4 * 4096, new Reduce(0, 1024, 4096).bytes());
        assertEquals(4 * n + 4 * 1024, new Reduce(1, 1024, 4096).bytes());
        // per row: label read twice, loss written, its gradient read, two row stats written and read
        assertEquals(12.0 * 4096 * 1000 + 28.0 * 4096, new CrossEntropy(4096, 1000).bytes());
        assertEquals(7.0 * 4 * 1000, new OptimizerUpdate("adam", 1000).bytes());
        assertEquals(5.0 * 4 * 1000, new OptimizerUpdate("sgd", 1000).bytes());
    }

    @Test
    void mlpStepCountsForwardAndBothGradientsButNoInputGradientOfTheFirstLayer() {
        MlpStep step = new MlpStep(784, List.of(1024, 1024), 10, 256, "adam", 1e-3f);
        double fc1 = 2.0 * 256 * 784 * 1024;
        double fc2 = 2.0 * 256 * 1024 * 1024;
        double fc3 = 2.0 * 256 * 1024 * 10;
        assertEquals(2 * fc1 + 3 * fc2 + 3 * fc3, step.flops());
        assertEquals(256, step.samplesPerCall());
        assertEquals("784-1024-1024-10", step.architecture());
        assertEquals("784-1024-1024-10 b256 adam", step.label());
    }

    @Test
    void invalidWorkloadsNameTheProblem() {
        assertEquals("matmul: k must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Matmul(1, 1, 0, false, false, "")).getMessage());
        assertEquals("reduce: axis must be 0 or 1, got 2",
                assertThrows(IllegalArgumentException.class, () -> new Reduce(2, 4, 4)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new MlpStep(784, List.of(), 10, 256, "adam", 1e-3f)).getMessage().contains("hidden"));
        assertEquals("unknown optimizer 'rmsprop'; valid: adam, adamw, sgd",
                assertThrows(IllegalArgumentException.class,
                        () -> new OptimizerUpdate("rmsprop", 10)).getMessage());
    }

    @Test
    void everyWorkloadRunsOnTheReferenceBackend() {
        Device reference = Device.reference();
        List<Workload> small = List.of(new Matmul(5, 7, 3, true, true, ""),
                new Elementwise(Elementwise.Op.BIAS_ADD, 3, 4), new Reduce(0, 3, 4), new Reduce(1, 3, 4),
                new CrossEntropy(4, 3), new OptimizerUpdate("adamw", 9), new OptimizerUpdate("sgd", 9),
                new MlpStep(6, List.of(5), 3, 4, "sgd", 0.1f));
        for (Workload w : small) {
            try (Workload.Instance instance = w.prepare(reference)) {
                instance.run();
                instance.run();
            }
        }
    }

    /** The 16-bit forms run, and their results are freed each call: nothing stays allocated. */
    @Test
    void sixteenBitWorkloadsRunOnTheReferenceBackendAndFreeWhatTheyAllocate() {
        Device reference = Device.reference();
        for (DType dtype : List.of(DType.BF16, DType.F16)) {
            List<Workload> small = List.of(new Matmul(5, 7, 3, true, false, "", dtype),
                    new Elementwise(Elementwise.Op.ADD, 3, 4, dtype), new Elementwise(Elementwise.Op.BIAS_ADD, 3, 4, dtype),
                    new Elementwise(Elementwise.Op.RELU, 3, 4, dtype), new MlpStep(6, List.of(5), 3, 4, "adam", 0.1f, dtype));
            for (Workload w : small) {
                try (Workload.Instance instance = w.prepare(reference)) {
                    instance.run();
                    long inUse = reference.backend().memoryStats().bytesInUse();
                    instance.run();
                    assertEquals(inUse, reference.backend().memoryStats().bytesInUse(), w.label() + ": a second call"
                            + " leaves what the first left");
                }
            }
        }
        assertEquals("5x7x3 TN bfloat16", new Matmul(5, 7, 3, true, false, "", DType.BF16).label());
        assertEquals("6-5-3 b4 adam autocast float16+scaler", new MlpStep(6, List.of(5), 3, 4, "adam", 0.1f,
                DType.F16).label());
        assertEquals(6.0 * 1024 * 4096, new Elementwise(Elementwise.Op.ADD, 1024, 4096, DType.BF16).bytes());
        assertEquals("bfloat16", new Matmul(5, 7, 3, false, false, "", DType.BF16).params().get("dtype"));
        assertEquals("matmul: dtype must be F32, BF16 or F16, got I32", assertThrows(IllegalArgumentException.class,
                () -> new Matmul(1, 1, 1, false, false, "", DType.I32)).getMessage());
    }
}
