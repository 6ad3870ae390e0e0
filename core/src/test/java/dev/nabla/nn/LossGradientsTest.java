package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** Loss gradients at the points where composite forms are most fragile. */
class LossGradientsTest {

    @Test
    void bceWithLogitsGradientAtZeroIsSigmoidMinusTarget() {
        // d/dx mean(BCE(σ(x), t)) = (σ(x) − t) / N;  x = (0, 0, 1, −1), t = (0, 1, 0, 1), N = 4
        // → (0.5, −0.5, σ(1), σ(−1) − 1) / 4 = (0.125, −0.125, 0.18276, −0.18276)  (PyTorch's values)
        Tensor x = Tensor.of(new float[] {0f, 0f, 1f, -1f}).requiresGrad();
        Losses.bceWithLogits(x, Tensor.of(new float[] {0f, 1f, 0f, 1f})).backward();
        assertArrayEquals(new float[] {0.125f, -0.125f, 0.18276466f, -0.18276466f},
                x.grad().orElseThrow().toFloatArray(), 1e-6f);
    }
}
