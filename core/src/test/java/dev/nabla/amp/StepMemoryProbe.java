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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StepMemoryProbe {
    @Test
    void probe() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            MemoryTrace trace = MemoryTrace.reference();
            var device = trace.device();
            int in = Integer.getInteger("probe.in", 392), h = Integer.getInteger("probe.h", 2048), batch = Integer.getInteger("probe.batch", 256);
            Tensor x = Tensor.randn(device, 7, 0, batch, in);
            Tensor y = Tensor.of(device, new SplittableRandom(3).ints(batch, 0, 10).toArray(), batch);
            Module model = Mlp.of(in, new int[] {h, h}, 10, "relu", 0f, device, 42);
            model.train();
            Optimizer opt = new SGD(model.parameters(), 1e-3f, 0.9f);
            for (int step = 0; step < 2; step++) {
                if (step == 1) trace.resetPeak();
                try (Scope ignored = Scope.open()) {
                    opt.zeroGrad();
                    Tensor loss;
                    try (Autocast ac = dtype == DType.F32 ? Autocast.disabled() : Autocast.open(dtype)) {
                        loss = Losses.crossEntropy(model.forward(x), y);
                    }
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                }
            }
            System.out.println("=== " + dtype + " resident " + String.format("%,d", trace.bytesInUse()));
            System.out.print(trace.peakReport());
        }
    }
}
