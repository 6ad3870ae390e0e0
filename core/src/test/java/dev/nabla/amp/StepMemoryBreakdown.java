package dev.nabla.amp;

import dev.nabla.DType;
import dev.nabla.MemoryTrace;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Module;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Not a check: prints which blocks make up the peak of an MLP training step (SGD with momentum,
 * F32 and BF16 autocast, the second of two steps) on a {@link MemoryTrace} reference device, for
 * docs/benchmarks.md. Runs only when asked, e.g. (minutes on the scalar reference backend):
 * <pre>
 * NABLA_STEP_MEMORY_BREAKDOWN=784,4096,4096,10,512 mvn -B -o verify -pl core -am \
 *     -Dtest=StepMemoryBreakdown -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * (the widths, then the batch). The step is the bench's {@code mlp-step}: gradients cleared, the
 * forward pass and loss under {@link Autocast}, backward, the optimizer step, inside one Scope.
 */
@EnabledIfEnvironmentVariable(named = "NABLA_STEP_MEMORY_BREAKDOWN", matches = ".+")
class StepMemoryBreakdown {

    @Test
    void printPeaks() {
        int[] spec = Arrays.stream(System.getenv("NABLA_STEP_MEMORY_BREAKDOWN").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        int[] hidden = Arrays.copyOfRange(spec, 1, spec.length - 2);
        int in = spec[0];
        int classes = spec[spec.length - 2];
        int batch = spec[spec.length - 1];
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            MemoryTrace trace = MemoryTrace.reference();
            Tensor x = Tensor.randn(trace.device(), 7, 0, batch, in);
            Tensor y = Tensor.of(trace.device(), new SplittableRandom(3).ints(batch, 0, classes).toArray(), batch);
            Module model = Mlp.of(in, hidden, classes, "relu", 0f, trace.device(), 42);
            model.train();
            Optimizer optimizer = new SGD(model.parameters(), 1e-3f, 0.9f);
            for (int step = 0; step < 2; step++) {
                if (step == 1) {
                    trace.resetPeak();
                }
                try (Scope ignored = Scope.open()) {
                    optimizer.zeroGrad();
                    Tensor loss;
                    try (Autocast ac = dtype == DType.F32 ? Autocast.disabled() : Autocast.open(dtype)) {
                        loss = Losses.crossEntropy(model.forward(x), y);
                    }
                    loss.backward();
                    optimizer.step();
                }
            }
            System.out.printf(Locale.ROOT, "=== %s, resident between steps %,d B%n", dtype, trace.bytesInUse());
            System.out.print(trace.peakReport());
        }
    }
}
