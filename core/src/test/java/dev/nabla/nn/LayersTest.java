package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LayersTest {

    private static final Device DEVICE = Device.reference();

    @Test
    void dropoutZeroesAboutPAndScalesSurvivors() {
        Dropout dropout = new Dropout(0.3f, 11);
        float[] out = dropout.forward(Tensor.ones(DEVICE, 200, 500)).toFloatArray();
        int zeros = 0;
        double sum = 0;
        for (float v : out) {
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(1f / 0.7f, v, 1e-6f, "survivors are scaled by 1/(1 − p)");
            }
            sum += v;
        }
        assertEquals(0.3, zeros / (double) out.length, 0.005);
        assertEquals(1.0, sum / out.length, 0.01, "the mean is preserved in expectation");
        assertEquals(1, dropout.calls());
    }

    @Test
    void dropoutMasksAreReproducibleAndAdvance() {
        Tensor x = Tensor.ones(DEVICE, 4, 64);
        Dropout a = new Dropout(0.5f, 5);
        float[] first = a.forward(x).toFloatArray();
        float[] second = a.forward(x).toFloatArray();
        assertFalse(Arrays.equals(first, second), "each call draws a new mask");
        Dropout b = new Dropout(0.5f, 5);
        assertArrayEquals(first, b.forward(x).toFloatArray(), 0f, "same seed, same masks");
        b.setCalls(0);
        assertArrayEquals(first, b.forward(x).toFloatArray(), 0f, "a restored counter replays the sequence");
        assertArrayEquals(second, b.forward(x).toFloatArray(), 0f);
    }

    @Test
    void dropoutIsIdentityInEvalModeAndForZero() {
        Tensor x = Tensor.rand(DEVICE, 1, 0, 3, 3);
        Dropout dropout = new Dropout(0.5f, 1);
        dropout.eval();
        assertSame(x, dropout.forward(x));
        assertEquals(0, dropout.calls());
        assertSame(x, new Dropout(0f, 1).forward(x));
        assertArrayEquals(new float[9], new Dropout(1f, 1).forward(x).toFloatArray(), 0f);
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5f, 1));
    }

    @Test
    void dropoutGradientIsTheMask() {
        Tensor x = Tensor.ones(DEVICE, 2, 8).requiresGrad();
        Tensor y = new Dropout(0.5f, 9).forward(x);
        y.sum().backward();
        assertArrayEquals(y.toFloatArray(), x.grad().orElseThrow().toFloatArray(), 0f);
    }

    @Test
    void layerNormNormalizesTheLastAxis() {
        LayerNorm norm = new LayerNorm(16, DEVICE);
        // rows with different offsets and scales: 3 + 5·N(0, 1)
        Tensor x = Tensor.randn(DEVICE, 3, 0, 4, 16).mul(5f).add(3f);
        float[] y = norm.forward(x).toFloatArray();
        for (int row = 0; row < 4; row++) {
            double mean = 0;
            double var = 0;
            for (int j = 0; j < 16; j++) {
                mean += y[row * 16 + j] / 16.0;
            }
            for (int j = 0; j < 16; j++) {
                var += Math.pow(y[row * 16 + j] - mean, 2) / 16.0;
            }
            assertEquals(0, mean, 1e-5, "row " + row + " mean");
            // (biased variance of the output is σ²/(σ² + eps) ≈ 1)
            assertEquals(1, var, 1e-4, "row " + row + " variance");
        }
        assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(norm.namedParameters().keySet()));
        assertThrows(IllegalArgumentException.class, () -> norm.forward(Tensor.ones(DEVICE, 2, 8)));
    }

    @Test
    void layerNormMatchesHandComputedValues() {
        // x = (1, 2, 3, 4): μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
        // y = (x − 2.5)/√(1.25 + 1e-5) = (−1.3416355, −0.4472118, 0.4472118, 1.3416355)
        LayerNorm norm = new LayerNorm(4, DEVICE);
        float[] y = norm.forward(Tensor.of(DEVICE, new float[] {1, 2, 3, 4}, 1, 4)).toFloatArray();
        double s = Math.sqrt(1.25 + 1e-5);
        assertArrayEquals(new float[] {(float) (-1.5 / s), (float) (-0.5 / s), (float) (0.5 / s), (float) (1.5 / s)},
                y, 1e-6f);
    }

    @Test
    void layerNormPassesGradCheck() {
        LayerNorm plain = new LayerNorm(6, 1e-5f, false, DEVICE);
        Tensor x = Tensor.randn(DEVICE, 21, 0, 3, 6).mul(2f);
        Tensor gamma = Tensor.rand(DEVICE, 22, 0, 6).add(0.5f);
        Tensor beta = Tensor.randn(DEVICE, 23, 0, 6);
        // y = LN(x)·γ + β, checked in x, γ and β
        GradCheck.check(in -> plain.forward(in.get(0)).mul(in.get(1)).add(in.get(2)), x, gamma, beta)
                .assertPassed();
        // and through the module's own parameters
        LayerNorm affine = new LayerNorm(6, DEVICE);
        GradCheck.check(in -> affine.forward(in.get(0)), x).assertPassed();
    }

    @Test
    void activationsMatchTensorOps() {
        Tensor x = Tensor.of(DEVICE, new float[] {-2f, -0.5f, 0.5f, 2f});
        assertArrayEquals(new float[] {0f, 0f, 0.5f, 2f}, new ReLU().forward(x).toFloatArray());
        assertArrayEquals(x.tanh().toFloatArray(), new Tanh().forward(x).toFloatArray());
        assertArrayEquals(x.sigmoid().toFloatArray(), new Sigmoid().forward(x).toFloatArray());
        // GELU(2) = 2·Φ(2) = 2·0.97724987 = 1.9544997
        assertEquals(1.9544997f, new GELU().forward(x).toFloatArray()[3], 1e-6f);
    }

    @Test
    void initializersFollowTorchNnInit() {
        Tensor w = Tensor.zeros(DEVICE, 200, 300);
        // xavier_uniform: a = √(6 / (300 + 200)) = 0.10954451
        float a = (float) Math.sqrt(6.0 / 500);
        float[] xu = Init.xavierUniform(w, 1).toFloatArray();
        float max = 0;
        for (float v : xu) {
            assertTrue(Math.abs(v) <= a);
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0.99f * a);
        // xavier_normal: std = √(2 / 500) = 0.0632456
        assertEquals(Math.sqrt(2.0 / 500), std(Init.xavierNormal(w, 2).toFloatArray()), 0.002);
        // kaiming_normal (a = 0, fan_in = 300): std = √2/√300 = 0.0816497
        assertEquals(Math.sqrt(2.0 / 300), std(Init.kaimingNormal(w, 0f, 3).toFloatArray()), 0.002);
        // kaiming_uniform (a = 0): bound = √3·√2/√300 = √(6/300) = 0.1414214; std = bound/√3
        assertEquals(Math.sqrt(2.0 / 300), std(Init.kaimingUniform(w, 0f, 4).toFloatArray()), 0.002);
        assertArrayEquals(new float[60000], Init.zeros(w).toFloatArray(), 0f);
        assertArrayEquals(Init.xavierUniform(Tensor.zeros(DEVICE, 200, 300), 1).toFloatArray(), xu, 0f);
        var oneD = assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform(Tensor.zeros(DEVICE, 5), 1));
        assertTrue(oneD.getMessage().contains("fewer than 2 dimensions"), oneD.getMessage());
        assertArrayEquals(new long[] {3 * 5 * 5, 8 * 5 * 5}, Init.fans("test", Tensor.zeros(DEVICE, 8, 3, 5, 5)));
    }

    private static double std(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v / (double) values.length;
        }
        double var = 0;
        for (float v : values) {
            var += (v - mean) * (v - mean) / values.length;
        }
        return Math.sqrt(var);
    }
}
