package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.optim.Adam;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.LinearWarmup;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** nn and optim together: a small MLP learns three Gaussian blobs. */
class TrainingLoopTest {

    private static final Device DEVICE = Device.reference();
    private static final int N = 96;

    /** Three blobs centred at (2, 0), (−1, 1.7), (−1, −1.7) with σ = 0.5. */
    private static Tensor[] blobs() {
        float[] noise = Tensor.randn(DEVICE, 99, 0, N, 2).toFloatArray();
        float[] x = new float[N * 2];
        int[] y = new int[N];
        float[][] centres = {{2f, 0f}, {-1f, 1.7f}, {-1f, -1.7f}};
        for (int i = 0; i < N; i++) {
            y[i] = i % 3;
            x[2 * i] = centres[y[i]][0] + 0.5f * noise[2 * i];
            x[2 * i + 1] = centres[y[i]][1] + 0.5f * noise[2 * i + 1];
        }
        return new Tensor[] {Tensor.of(DEVICE, x, N, 2).keep(), Tensor.of(DEVICE, y, N).keep()};
    }

    private static float[] train(Sequential model, Optimizer optimizer, Runnable afterStep, int steps) {
        Tensor[] data = blobs();
        float[] losses = new float[steps];
        model.train();
        for (int s = 0; s < steps; s++) {
            try (Scope step = Scope.open()) {
                optimizer.zeroGrad();
                Tensor loss = Losses.crossEntropy(model.forward(data[0]), data[1]);
                loss.backward();
                GradClip.clipGradNorm(model.parameters(), 5f);
                optimizer.step();
                afterStep.run();
                losses[s] = loss.item();
            }
        }
        return losses;
    }

    private static float accuracy(Sequential model) {
        Tensor[] data = blobs();
        model.eval();
        try (var ignored = NoGrad.open(); Scope scope = Scope.open()) {
            int[] predicted = model.forward(data[0]).argmax(1).toIntArray();
            int[] labels = data[1].toIntArray();
            int correct = 0;
            for (int i = 0; i < N; i++) {
                correct += predicted[i] == labels[i] ? 1 : 0;
            }
            return correct / (float) N;
        }
    }

    @Test
    void adamWithWarmupAndDropoutLearnsBlobs() {
        Sequential model = Mlp.of(2, new int[] {16}, 3, "gelu", 0.1f, DEVICE, 7);
        Adam adam = new Adam(model, 0.05f);
        var schedule = new LinearWarmup(adam, 5, new CosineAnnealingLR(adam, 55));
        float[] losses = train(model, adam, schedule::step, 60);
        assertTrue(losses[59] < 0.3f * losses[0], "loss should fall: " + losses[0] + " -> " + losses[59]);
        assertTrue(accuracy(model) > 0.95f, "accuracy " + accuracy(model));
    }

    @Test
    void sgdMomentumLearnsBlobsAndIsDeterministic() {
        Function<Long, float[]> run = seed -> {
            Sequential model = Mlp.of(2, new int[] {16, 16}, 3, "relu", 0f, DEVICE, seed);
            SGD sgd = SGD.builder(model.parameters(), 0.1f).momentum(0.9f).build();
            return train(model, sgd, () -> { }, 40);
        };
        float[] losses = run.apply(3L);
        assertTrue(losses[39] < 0.3f * losses[0], "loss should fall: " + losses[0] + " -> " + losses[39]);
        assertArrayEquals(losses, run.apply(3L), 0f, "same seed, same losses");
    }
}
