package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BatchNorm1d against PyTorch 1.13's numbers; LeakyReLU, SiLU, Residual, Embedding and ResMlp. */
class NewLayersTest {

    private static final Device REF = Device.reference();

    /**
     * Stored expectation: PyTorch 1.13.1 (python3-torch on Debian 12), {@code torch.nn.BatchNorm1d(3)}
     * with weight [1.5, 0.5, −1], bias [0.1, −0.2, 0.3]: a training forward of X1, the gradients of
     * Σ(y ⊙ W), a second training forward of X2, then eval on X2.
     */
    private static final float[] X1 = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.5f, -2.0f, 1.0f, 0.0f, 0.75f, -0.25f, 1.25f};
    private static final float[] X2 = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 0.25f, 0.0f, -2.0f, 1.5f};
    private static final float[] W = {1, 2, 3, -1, 0.5f, 2, 0.25f, -3, 1, 2, 1, -0.5f};
    private static final float[] Y1 = {0.4563347f, -0.8859879f, -1.0255015f, 1.5966059f, -0.028503f, 1.4992633f,
        -2.3943431f, 0.4859879f, 0.9943103f, 0.7414026f, -0.371497f, -0.2680721f};
    private static final float[] DX = {0.5205864f, -0.368183f, -1.4404256f, -1.690459f, 0.670848f, -0.8127511f,
        -0.5083593f, -0.4893019f, 0.2736011f, 1.6782317f, 0.1866368f, 1.9795756f};
    private static final float[] DGAMMA = {-0.3207013f, -7.0313759f, 0.5996317f};
    private static final float[] DBETA = {2.25f, 0.5f, 5.5f};
    private static final float[] RUNNING_MEAN = {0.016875f, 0.01666667f, 0.22020835f};
    private static final float[] RUNNING_VAR = {1.11765623f, 1.28208327f, 1.11723959f};
    private static final float[] EVAL = {1.4949028f, 0.6758019f, -2.3298874f, -1.3427889f, 0.0134307f, 0.2718149f,
        0.076057f, -1.0905213f, -0.910777f};

    @Test
    void batchNormMatchesPyTorch() {
        BatchNorm1d bn = new BatchNorm1d(3, REF);
        bn.loadStateDict(Map.of("weight", Tensor.of(REF, new float[] {1.5f, 0.5f, -1f}, 3),
                "bias", Tensor.of(REF, new float[] {0.1f, -0.2f, 0.3f}, 3),
                "running_mean", Tensor.zeros(REF, 3), "running_var", Tensor.ones(REF, 3),
                "num_batches_tracked", Tensor.zeros(REF)));
        Tensor x = Tensor.of(REF, X1, 4, 3).requiresGrad();
        Tensor y = bn.forward(x);
        assertArrayEquals(Y1, y.toFloatArray(), 2e-6f);
        y.mul(Tensor.of(REF, W, 4, 3)).sum().backward();
        assertArrayEquals(DX, x.grad().orElseThrow().toFloatArray(), 2e-6f);
        var params = bn.namedParameters();
        assertArrayEquals(DGAMMA, params.get("weight").grad().orElseThrow().toFloatArray(), 2e-6f);
        assertArrayEquals(DBETA, params.get("bias").grad().orElseThrow().toFloatArray(), 2e-6f);
        bn.forward(Tensor.of(REF, X2, 3, 3));
        Map<String, Tensor> state = bn.stateDict();
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(state.keySet()), "PyTorch's state-dict keys, in its order");
        assertArrayEquals(RUNNING_MEAN, state.get("running_mean").toFloatArray(), 1e-6f);
        assertArrayEquals(RUNNING_VAR, state.get("running_var").toFloatArray(), 1e-6f);
        assertEquals(2f, state.get("num_batches_tracked").item());
        bn.eval();
        assertArrayEquals(EVAL, bn.forward(Tensor.of(REF, X2, 3, 3)).toFloatArray(), 2e-6f);
    }

    @Test
    void batchNormRefusesWhatPyTorchRefuses() {
        BatchNorm1d bn = new BatchNorm1d(3, REF);
        var one = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(REF, 1, 3)));
        assertTrue(one.getMessage().startsWith("BatchNorm1d: expected more than 1 value per channel when training"),
                one.getMessage());
        var wrong = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(REF, 4, 2)));
        assertEquals("BatchNorm1d: expected input of shape [N, 3] or [N, 3, L], got [4, 2]", wrong.getMessage());
        bn.eval();
        assertArrayEquals(new int[] {1, 3}, bn.forward(Tensor.ones(REF, 1, 3)).shape(), "eval takes one sample");
    }

    @Test
    void batchNormOnThreeDimensionsNormalizesPerChannel() {
        BatchNorm1d bn = new BatchNorm1d(2, REF);
        Tensor x = Tensor.of(REF, new float[] {1, 2, 3, 10, 20, 30, 5, 6, 7, 40, 50, 60}, 2, 2, 3);
        float[] y = bn.forward(x).toFloatArray();
        // channel 0 holds 1,2,3,5,6,7 (mean 4); channel 1 10..60 (mean 35): each normalized has mean 0
        double c0 = y[0] + y[1] + y[2] + y[6] + y[7] + y[8];
        double c1 = y[3] + y[4] + y[5] + y[9] + y[10] + y[11];
        assertEquals(0, c0, 1e-5);
        assertEquals(0, c1, 1e-5);
        GradCheck.check(in -> new BatchNorm1d(2, REF).forward(in.get(0)), x.mul(0.1f)).assertPassed();
    }

    @Test
    void leakyReluAndSilu() {
        Tensor x = Tensor.of(REF, new float[] {-2f, 0f, 3f}, 3).requiresGrad();
        Tensor y = new LeakyReLU(0.1f).forward(x);
        assertArrayEquals(new float[] {-0.2f, 0f, 3f}, y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[] {0.1f, 0.1f, 1f}, x.grad().orElseThrow().toFloatArray(),
                "slope at 0, as PyTorch");
        float[] silu = new SiLU().forward(Tensor.of(REF, new float[] {-1f, 0f, 2f}, 3)).toFloatArray();
        assertArrayEquals(new float[] {(float) (-1 / (1 + Math.E)), 0f, (float) (2 / (1 + Math.exp(-2)))}, silu, 1e-6f);
        GradCheck.check(in -> new SiLU().forward(in.get(0)), Tensor.of(REF, new float[] {-1.5f, 0.3f, 2f}, 3))
                .assertPassed();
        GradCheck.check(in -> new LeakyReLU().forward(in.get(0)), Tensor.of(REF, new float[] {-1.5f, 0.3f, 2f}, 3))
                .assertPassed();
    }

    @Test
    void residualAddsTheInputAndNamesTheBlock() {
        Residual r = new Residual(new Linear(3, 3, REF, 7));
        Tensor x = Tensor.of(REF, new float[] {1, 2, 3}, 1, 3);
        Tensor linear = r.block().forward(x);
        assertArrayEquals(linear.add(x).toFloatArray(), r.forward(x).toFloatArray());
        assertEquals(List.of("block.weight", "block.bias"), List.copyOf(r.stateDict().keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> new Residual(new Linear(3, 2, REF, 1)).forward(x));
        assertTrue(e.getMessage().contains("a skip connection needs the same shape out as in"), e.getMessage());
    }

    @Test
    void embeddingLooksUpAndAccumulatesGradients() {
        Embedding e = new Embedding(5, 2, REF, 3);
        Tensor weight = e.stateDict().get("weight");
        float[] table = weight.toFloatArray();
        Tensor indices = Tensor.of(REF, new int[] {4, 0, 4, 1}, 2, 2);
        Tensor y = e.forward(indices);
        assertArrayEquals(new int[] {2, 2, 2}, y.shape());
        assertArrayEquals(new float[] {table[8], table[9], table[0], table[1], table[8], table[9], table[2], table[3]},
                y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 0, 0, 2, 2}, e.namedParameters().get("weight").grad()
                .orElseThrow().toFloatArray(), "row 4 looked up twice gets twice the gradient");
        assertThrows(IndexOutOfBoundsException.class, () -> e.forward(Tensor.of(REF, new int[] {5}, 1)));
        assertThrows(IllegalArgumentException.class, () -> e.forward(Tensor.of(REF, new float[] {1f}, 1)));
    }

    @Test
    void resMlpBuildsAndLearns() {
        for (String norm : ResMlp.NORMS) {
            Sequential model = ResMlp.of(4, 16, 2, 3, norm, REF, 11);
            Tensor x = Tensor.of(REF, dev.nabla.conformance.BackendConformanceTest.values(1, 32 * 4, -1f, 1f), 32, 4);
            int[] labels = new int[32];
            float[] xs = x.toFloatArray();
            for (int i = 0; i < 32; i++) {
                labels[i] = xs[i * 4] > 0 ? (xs[i * 4 + 1] > 0 ? 0 : 1) : 2;
            }
            Tensor y = Tensor.of(REF, labels, 32);
            var optimizer = new dev.nabla.optim.Adam(model, 1e-2f);
            float first = 0;
            float last = 0;
            for (int step = 0; step < 60; step++) {
                Tensor loss = Losses.crossEntropy(model.forward(x), y);
                optimizer.zeroGrad();
                loss.backward();
                optimizer.step();
                last = loss.item();
                first = step == 0 ? last : first;
            }
            assertTrue(last < 0.3f * first, norm + ": loss " + first + " → " + last);
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> ResMlp.of(4, 16, 2, 3, "group", REF, 1));
        assertEquals("ResMlp: unknown norm 'group'; valid: layer, batch, none", bad.getMessage());
    }
}
