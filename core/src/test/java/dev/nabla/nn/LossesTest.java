package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Label smoothing, class weights, Huber, MSE and BCE with positive weights against PyTorch 1.13's
 * values, and through finite differences. The expectations were computed once with this script
 * (float64 inputs; the float32 results here agree to ~1e-6):
 *
 * <pre>
 * import torch, torch.nn.functional as F
 * x = torch.tensor([[1.0, -0.5, 2.0], [0.3, 0.8, -1.2], [-2.0, 0.0, 0.5], [1.5, 1.5, -0.7]],
 *                  dtype=torch.float64, requires_grad=True)
 * y = torch.tensor([2, 0, 1, 1]); w = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
 * for kw in [dict(label_smoothing=0.1), dict(weight=w), dict(weight=w, label_smoothing=0.25)]:
 *     l = F.cross_entropy(x, y, **kw); print(l.item(), torch.autograd.grad(l, x)[0].flatten().tolist())
 * p = torch.tensor([0.0, 0.5, -2.0, 3.0, 1.0, -0.25], dtype=torch.float64, requires_grad=True)
 * t = torch.tensor([0.2, 0.5, 1.0, -1.0, 2.0, 0.0], dtype=torch.float64)
 * for d in (1.0, 0.5):
 *     l = F.huber_loss(p, t, delta=d); print(l.item(), torch.autograd.grad(l, p)[0].tolist())
 * print(F.mse_loss(p, t).item())
 * z = torch.tensor([[0.0, 2.0, -3.0], [1.0, -1.0, 0.5]], dtype=torch.float64, requires_grad=True)
 * tt = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]], dtype=torch.float64)
 * l = F.binary_cross_entropy_with_logits(z, tt, pos_weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))
 * print(l.item(), torch.autograd.grad(l, z)[0].flatten().tolist())
 * </pre>
 */
class LossesTest {

    private static final float[] LOGITS = {1.0f, -0.5f, 2.0f, 0.3f, 0.8f, -1.2f, -2.0f, 0.0f, 0.5f, 1.5f, 1.5f, -0.7f};
    private static final int[] LABELS = {2, 0, 1, 1};
    private static final float[] WEIGHTS = {0.2f, 1.0f, 3.0f};

    private static Tensor logits() {
        return Tensor.of(LOGITS, 4, 3).requiresGrad();
    }

    private static Tensor labels() {
        return Tensor.of(LABELS, 4);
    }

    /** The loss and the gradient of the logits. */
    private static void assertLossAndGradient(CrossEntropyOptions options, float loss, float[] gradient) {
        Tensor x = logits();
        Tensor l = Losses.crossEntropy(x, labels(), options);
        l.backward();
        assertEquals(loss, l.item(), 1e-5f, options.toString());
        assertArrayEquals(gradient, x.grad().orElseThrow().toFloatArray(), 1e-5f, options.toString());
    }

    @Test
    void labelSmoothingMatchesPyTorch() {
        assertLossAndGradient(CrossEntropyOptions.defaults().withLabelSmoothing(0.1f), 0.8677017149607613f,
                new float[] {0.05509571f, 0.0058196f, -0.06091531f, -0.14628148f, 0.13519091f, 0.01109056f,
                    0.00381937f, -0.14353631f, 0.13971693f, 0.110105f, -0.114895f, 0.00479001f});
    }

    @Test
    void classWeightsAreAWeightedMeanAsInPyTorch() {
        assertLossAndGradient(CrossEntropyOptions.defaults().withClassWeights(WEIGHTS), 0.5954973181733625f,
                new float[] {0.14637472f, 0.03266061f, -0.17903533f, -0.02506895f, 0.02208065f, 0.00298829f,
                    0.00934824f, -0.12323306f, 0.11388482f, 0.09110641f, -0.10120128f, 0.01009488f});
    }

    @Test
    void classWeightsWithLabelSmoothingMatchPyTorch() {
        assertLossAndGradient(CrossEntropyOptions.defaults().withClassWeights(WEIGHTS).withLabelSmoothing(0.25f),
                0.8573503734271499f,
                new float[] {0.12365296f, 0.01228023f, -0.13593319f, 0.0014302f, 0.03917599f, -0.04060619f,
                    0.00707793f, -0.08427431f, 0.07719638f, 0.09701192f, -0.06003936f, -0.03697256f});
    }

    @Test
    void plainOptionsAreTheFusedCrossEntropy() {
        Tensor fused = Losses.crossEntropy(logits(), labels());
        Tensor viaOptions = Losses.crossEntropy(logits(), labels(), CrossEntropyOptions.defaults());
        assertEquals(fused.item(), viaOptions.item(), 0f);
        // equal weights and no smoothing: the weighted path computes the same mean
        Tensor equalWeights = Losses.crossEntropy(logits(), labels(),
                CrossEntropyOptions.defaults().withClassWeights(new float[] {2f, 2f, 2f}));
        assertEquals(fused.item(), equalWeights.item(), 1e-6f);
    }

    @Test
    void crossEntropyGradientsMatchFiniteDifferences() {
        CrossEntropyOptions[] all = {
            CrossEntropyOptions.defaults().withLabelSmoothing(0.3f),
            CrossEntropyOptions.defaults().withClassWeights(WEIGHTS),
            CrossEntropyOptions.defaults().withClassWeights(WEIGHTS).withLabelSmoothing(1f)};
        for (CrossEntropyOptions options : all) {
            GradCheck.check(in -> Losses.crossEntropy(in.get(0), labels(), options), Tensor.of(LOGITS, 4, 3))
                    .assertPassed();
        }
    }

    @Test
    void balancedWeightsAreSklearns() {
        // sklearn: compute_class_weight("balanced", classes=[0, 1, 2], y=[0]*6 + [1]*3 + [2]*1)
        //        = 10 / (3 · [6, 3, 1]) = [0.5556, 1.1111, 3.3333]
        assertArrayEquals(new float[] {10f / 18f, 10f / 9f, 10f / 3f},
                CrossEntropyOptions.balancedWeights(new long[] {6, 3, 1}), 1e-6f);
        // a class without rows gets 0, not an infinite weight: 4 / (3 · 2) = 2/3 for the others
        assertArrayEquals(new float[] {2f / 3f, 0f, 2f / 3f}, CrossEntropyOptions.balancedWeights(new long[] {2, 0, 2}),
                1e-6f);
    }

    @Test
    void badCrossEntropyOptionsAreNamedErrors() {
        assertThrows(IllegalArgumentException.class, () -> CrossEntropyOptions.defaults().withLabelSmoothing(1.5f));
        var negative = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyOptions.defaults().withClassWeights(new float[] {1f, -1f}));
        assertEquals("crossEntropy: class weight 1 is -1.0; weights must be finite and non-negative ([1.0, -1.0])",
                negative.getMessage());
        var count = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits(), labels(),
                CrossEntropyOptions.defaults().withClassWeights(new float[] {1f, 1f})));
        assertEquals("crossEntropy: 2 class weights for logits [4, 3] with 3 classes; give one weight per class",
                count.getMessage());
        var label = assertThrows(IndexOutOfBoundsException.class, () -> Losses.crossEntropy(logits(),
                Tensor.of(new int[] {0, 3, 1, 1}, 4), CrossEntropyOptions.defaults().withLabelSmoothing(0.1f)));
        assertEquals("crossEntropy: label 3 at row 1 is out of range for 3 classes (valid: 0..2)", label.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits(),
                Tensor.of(new int[] {0, 1, 1, 0}, 4), CrossEntropyOptions.defaults().withClassWeights(new float[] {0f, 0f, 1f})));
        assertEquals("crossEntropy: every label of this batch has class weight 0 (weights [0.0, 0.0, 1.0]); the"
                + " weighted mean would divide by zero", zero.getMessage());
        // the options keep their own copy of the weights
        float[] weights = {1f, 2f};
        CrossEntropyOptions options = CrossEntropyOptions.defaults().withClassWeights(weights);
        weights[0] = 100f;
        assertArrayEquals(new float[] {1f, 2f}, options.classWeights().orElseThrow(), 0f);
        assertEquals(options, new CrossEntropyOptions(0f, Optional.of(new float[] {1f, 2f})));
    }

    private static final float[] PREDICTION = {0.0f, 0.5f, -2.0f, 3.0f, 1.0f, -0.25f};
    private static final float[] TARGET = {0.2f, 0.5f, 1.0f, -1.0f, 2.0f, 0.0f};

    @Test
    void huberMatchesPyTorchOnBothSidesOfDelta() {
        // element 2 (|d| = 3), 3 (|d| = 4) and 4 (|d| = 1 = δ, a tie) sit on or past δ = 1
        Tensor p = Tensor.of(PREDICTION).requiresGrad();
        Tensor loss = Losses.huber(p, Tensor.of(TARGET));
        loss.backward();
        assertEquals(1.091875f, loss.item(), 1e-6f);
        assertArrayEquals(new float[] {-0.03333333f, 0f, -0.16666667f, 0.16666667f, -0.16666667f, -0.04166667f},
                p.grad().orElseThrow().toFloatArray(), 1e-6f);

        Tensor q = Tensor.of(PREDICTION).requiresGrad();
        Tensor half = Losses.huber(q, Tensor.of(TARGET), 0.5f);
        half.backward();
        assertEquals(0.6127083333333333f, half.item(), 1e-6f);
        assertArrayEquals(new float[] {-0.03333333f, 0f, -0.08333333f, 0.08333333f, -0.08333333f, -0.04166667f},
                q.grad().orElseThrow().toFloatArray(), 1e-6f);

        assertThrows(IllegalArgumentException.class, () -> Losses.huber(p, Tensor.of(TARGET), 0f));
        assertThrows(IllegalArgumentException.class, () -> Losses.huber(p, Tensor.of(new float[] {1f})));
    }

    @Test
    void mseIsTheMeanAsInPyTorch() {
        assertEquals(4.350416666666667f, Losses.mse(Tensor.of(PREDICTION), Tensor.of(TARGET)).item(), 1e-6f);
    }

    @Test
    void bceWithPositiveWeightsMatchesPyTorch() {
        Tensor z = Tensor.of(new float[] {0f, 2f, -3f, 1f, -1f, 0.5f}, 2, 3).requiresGrad();
        Tensor t = Tensor.of(new float[] {0f, 1f, 1f, 1f, 0f, 0.5f}, 2, 3);
        Tensor loss = Losses.bceWithLogits(z, t, new float[] {1f, 2f, 0.5f});
        loss.backward();
        assertEquals(0.6172296652673813f, loss.item(), 1e-6f);
        assertArrayEquals(new float[] {0.08333333f, -0.03973431f, -0.07938118f, -0.04482357f, 0.04482357f,
            0.03614075f}, z.grad().orElseThrow().toFloatArray(), 1e-6f);
        // all-ones weights are plain BCE, and finite for huge logits
        Tensor big = Tensor.of(new float[] {1e4f, -1e4f, 0f}, 1, 3);
        Tensor target = Tensor.of(new float[] {1f, 1f, 0f}, 1, 3);
        assertEquals(Losses.bceWithLogits(big, target).item(),
                Losses.bceWithLogits(big, target, new float[] {1f, 1f, 1f}).item(), 1e-3f);
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.bceWithLogits(z, t, new float[] {1f}));
        assertEquals("bceWithLogits: 1 positive weights for logits [2, 3] with 3 labels in the last axis",
                e.getMessage());
    }

    @Test
    void regressionAndMultiLabelGradientsMatchFiniteDifferences() {
        Tensor target = Tensor.of(TARGET, 2, 3);
        // points away from the kinks |d| = δ, where finite differences straddle two branches
        Tensor prediction = Tensor.of(new float[] {0.05f, 0.9f, -2.0f, 3.0f, 1.3f, -0.25f}, 2, 3);
        GradCheck.check(in -> Losses.huber(in.get(0), target), prediction).assertPassed();
        GradCheck.check(in -> Losses.huber(in.get(0), target, 0.5f), prediction).assertPassed();
        GradCheck.check(in -> Losses.mse(in.get(0), in.get(1)), prediction, target).assertPassed();
        Tensor targets = Tensor.of(new float[] {0f, 1f, 1f, 1f, 0f, 0.5f}, 2, 3);
        GradCheck.check(in -> Losses.bceWithLogits(in.get(0), targets, new float[] {1f, 3f, 0.5f}), prediction)
                .assertPassed();
    }
}
