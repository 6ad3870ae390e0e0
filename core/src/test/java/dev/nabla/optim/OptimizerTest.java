package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer's update for two steps against values worked out by hand (SGD) or from the
 * published formulas evaluated in double precision (Adam, AdamW), never from the code under test.
 */
class OptimizerTest {

    private static final Device DEVICE = Device.reference();
    private static final float TOL = 1e-6f;

    /** p = (1, 2) as a trainable leaf. */
    private static Tensor param() {
        return Tensor.of(DEVICE, new float[] {1f, 2f}).keep().requiresGrad();
    }

    private static void setGrad(Tensor p, float... g) {
        p.setGrad(Tensor.of(DEVICE, g));
    }

    /** Sets {@code p}'s gradient to {@code g} and takes one step; returns {@code p}'s values after it. */
    private static float[] step(Optimizer optimizer, Tensor p, float... g) {
        setGrad(p, g);
        optimizer.step();
        return p.toFloatArray();
    }

    private static void twoSteps(Optimizer optimizer, Tensor p) {
        step(optimizer, p, 0.5f, -1f);
        step(optimizer, p, 0.5f, -1f);
    }

    @Test
    void sgdPlain() {
        // g = (0.5, −1), lr 0.1:  p1 = (1 − 0.05, 2 + 0.1) = (0.95, 2.1);  p2 = (0.9, 2.2)
        Tensor p = param();
        var sgd = new SGD(List.of(p), 0.1f);
        assertArrayEquals(new float[] {0.95f, 2.1f}, step(sgd, p, 0.5f, -1f), TOL);
        sgd.step(); // the same gradient again
        assertArrayEquals(new float[] {0.9f, 2.2f}, p.toFloatArray(), TOL);
        assertEquals(2, sgd.stepCount());
        assertTrue(sgd.stateTensors().isEmpty(), "plain SGD keeps no state");
    }

    @Test
    void sgdMomentum() {
        // lr 0.1, μ 0.9, g = (0.5, −1) on both steps.
        // step 1: b = g = (0.5, −1)                          p = (1, 2) − 0.1·b = (0.95, 2.1)
        // step 2: b = 0.9·(0.5, −1) + (0.5, −1) = (0.95, −1.9)  p = (0.95 − 0.095, 2.1 + 0.19) = (0.855, 2.29)
        Tensor p = param();
        var sgd = new SGD(List.of(p), 0.1f, 0.9f);
        assertArrayEquals(new float[] {0.95f, 2.1f}, step(sgd, p, 0.5f, -1f), TOL);
        assertArrayEquals(new float[] {0.855f, 2.29f}, step(sgd, p, 0.5f, -1f), TOL);
        assertArrayEquals(new float[] {0.95f, -1.9f}, sgd.stateTensors().get("param.0.momentum_buffer").toFloatArray(),
                TOL);
    }

    @Test
    void sgdNesterov() {
        // lr 0.1, μ 0.9, Nesterov: d = g + μ·b.
        // step 1: b = g;  d = 1.9·g = (0.95, −1.9);        p = (1 − 0.095, 2 + 0.19) = (0.905, 2.19)
        // step 2: b = 0.9·g + g = 1.9·g;  d = g + 0.9·1.9·g = 2.71·g = (1.355, −2.71)
        //         p = (0.905 − 0.1355, 2.19 + 0.271) = (0.7695, 2.461)
        Tensor p = param();
        var sgd = SGD.builder(List.of(p), 0.1f).momentum(0.9f).nesterov(true).build();
        twoSteps(sgd, p);
        assertArrayEquals(new float[] {0.7695f, 2.461f}, p.toFloatArray(), TOL);
    }

    @Test
    void sgdDampening() {
        // lr 0.1, μ 0.9, τ 0.5: the first step ignores dampening (b = g), then b = 0.9·g + 0.5·g = 1.4·g.
        // p1 = (1, 2) − 0.1·g = (0.95, 2.1);  p2 = p1 − 0.14·g = (0.88, 2.24)
        Tensor p = param();
        var sgd = SGD.builder(List.of(p), 0.1f).momentum(0.9f).dampening(0.5f).build();
        twoSteps(sgd, p);
        assertArrayEquals(new float[] {0.88f, 2.24f}, p.toFloatArray(), TOL);
    }

    @Test
    void sgdWeightDecay() {
        // lr 0.1, λ 0.1:  d = g + 0.1·p
        // step 1: d = (0.5 + 0.1, −1 + 0.2) = (0.6, −0.8);       p = (0.94, 2.08)
        // step 2: d = (0.5 + 0.094, −1 + 0.208) = (0.594, −0.792); p = (0.94 − 0.0594, 2.08 + 0.0792) = (0.8806, 2.1592)
        Tensor p = param();
        var sgd = new SGD(List.of(p), 0.1f, 0f, 0f, 0.1f, false);
        twoSteps(sgd, p);
        assertArrayEquals(new float[] {0.8806f, 2.1592f}, p.toFloatArray(), TOL);
    }

    @Test
    void adamFirstStepsMoveByLearningRateTimesSign() {
        // With a constant gradient the bias-corrected moments are exactly m̂ = g and v̂ = g²:
        // step 1: m = 0.1·g, 1 − β1 = 0.1 → m̂ = g;  v = 0.001·g², 1 − β2 = 0.001 → v̂ = g²
        // step 2: m = 0.19·g, 1 − β1² = 0.19 → m̂ = g;  v = 0.001999·g², 1 − β2² = 0.001999 → v̂ = g²
        // so each step moves p by lr·g/(|g| + ε) ≈ lr·sign(g):  p2 ≈ (1 − 0.2, 2 + 0.2) = (0.8, 2.2)
        Tensor p = param();
        var adam = new Adam(List.of(p), 0.1f);
        twoSteps(adam, p);
        assertArrayEquals(new float[] {0.8f, 2.2f}, p.toFloatArray(), 1e-5f);
    }

    /** Adam / AdamW from the paper's formulas in double: the reference for the tests below. */
    private static double[] adamReference(double[] p, double[][] grads, double lr, double beta1, double beta2,
                                          double eps, double weightDecay, boolean decoupled) {
        double[] param = p.clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = grads[t - 1][i];
                if (decoupled) {
                    param[i] *= 1 - lr * weightDecay;       // AdamW: decay the weight itself
                } else {
                    g += weightDecay * param[i];            // Adam: L2 penalty joins the gradient
                }
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                param[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return param;
    }

    private static void assertClose(double[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-6, "element " + i);
        }
    }

    private static final double[][] GRADS = {{0.5, -1.0}, {-0.25, 2.0}};

    private static void stepWithGrads(Optimizer optimizer, Tensor p) {
        for (double[] g : GRADS) {
            step(optimizer, p, (float) g[0], (float) g[1]);
        }
    }

    @Test
    void adamTwoStepsWithChangingGradients() {
        Tensor p = param();
        var adam = Adam.builder(List.of(p)).lr(0.1f).betas(0.8f, 0.99f).build();
        stepWithGrads(adam, p);
        assertClose(adamReference(new double[] {1, 2}, GRADS, 0.1, 0.8f, 0.99f, 1e-8f, 0, false),
                p.toFloatArray());
        assertEquals(2f, adam.stateTensors().get("param.0.step").item());
    }

    @Test
    void adamWithL2WeightDecay() {
        Tensor p = param();
        var adam = new Adam(List.of(p), 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f);
        stepWithGrads(adam, p);
        assertClose(adamReference(new double[] {1, 2}, GRADS, 0.1, 0.9f, 0.999f, 1e-8f, 0.1f, false),
                p.toFloatArray());
    }

    @Test
    void adamWDecouplesWeightDecay() {
        // step 1 by hand: p ← p·(1 − 0.1·0.1) = (0.99, 1.98), then Adam moves it by 0.1·sign(g):
        // p1 ≈ (0.89, 2.08)
        Tensor p = param();
        var adamW = new AdamW(List.of(p), 0.1f, 0.1f);
        assertArrayEquals(new float[] {0.89f, 2.08f}, step(adamW, p, 0.5f, -1f), 1e-5f);
        step(adamW, p, (float) GRADS[1][0], (float) GRADS[1][1]);
        assertClose(adamReference(new double[] {1, 2}, new double[][] {{0.5, -1}, GRADS[1]}, 0.1, 0.9f, 0.999f,
                1e-8f, 0.1f, true), p.toFloatArray());
        assertTrue(adamW.decoupledWeightDecay());
        assertEquals(1e-2f, new AdamW(List.of(param())).weightDecay());
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor a = param();
        Tensor b = param();
        var adam = new Adam(List.of(a, b), 0.1f);
        step(adam, a, 0.5f, -1f);
        assertArrayEquals(new float[] {1f, 2f}, b.toFloatArray());
        assertFalse(adam.stateTensors().containsKey("param.1.exp_avg"));
        // b's first update uses t = 1 (its own count), as PyTorch's per-parameter step.
        assertArrayEquals(new float[] {0.9f, 2.1f}, step(adam, b, 0.5f, -1f), 1e-5f);
        assertEquals(1f, adam.stateTensors().get("param.1.step").item());
        assertEquals(2, adam.stepCount());
    }

    @Test
    void zeroGradClearsGradients() {
        Tensor p = param();
        var sgd = new SGD(List.of(p), 0.1f);
        setGrad(p, 1f, 1f);
        sgd.zeroGrad();
        assertTrue(p.grad().isEmpty());
        sgd.step(); // no gradient: nothing happens
        assertArrayEquals(new float[] {1f, 2f}, p.toFloatArray());
    }

    /** Runs {@code steps} steps with gradients that depend on the step number. */
    private static void run(Optimizer optimizer, Tensor p, int from, int to) {
        for (int s = from; s < to; s++) {
            step(optimizer, p, 0.3f * s - 0.5f, (float) Math.sin(s));
        }
    }

    private static Map<String, float[]> save(Optimizer optimizer) {
        Map<String, float[]> out = new HashMap<>();
        optimizer.stateTensors().forEach((name, t) -> out.put(name, t.toFloatArray()));
        return out;
    }

    @Test
    void resumeIsBitForBit() {
        for (String kind : List.of("sgd", "nesterov", "adam", "adamw")) {
            java.util.function.Function<Tensor, Optimizer> make = p -> switch (kind) {
                case "sgd" -> new SGD(List.of(p), 0.05f, 0.9f, 0.1f, 0.01f, false);
                case "nesterov" -> SGD.builder(List.of(p), 0.05f).momentum(0.9f).nesterov(true).build();
                case "adam" -> new Adam(List.of(p), 0.01f);
                default -> new AdamW(List.of(p), 0.01f);
            };
            Tensor straight = param();
            Optimizer a = make.apply(straight);
            run(a, straight, 0, 6);

            Tensor first = param();
            Optimizer b = make.apply(first);
            run(b, first, 0, 3);
            Map<String, float[]> saved = save(b);
            float[] savedParam = first.toFloatArray();
            long savedSteps = b.stepCount();

            Tensor resumed = Tensor.of(DEVICE, savedParam).keep().requiresGrad();
            Optimizer c = make.apply(resumed);
            c.loadState(saved, savedSteps);
            run(c, resumed, 3, 6);
            assertArrayEquals(straight.toFloatArray(), resumed.toFloatArray(), 0f, kind);
            assertEquals(6, c.stepCount());
        }
    }

    @Test
    void loadStateRejectsBadKeysAndSizes() {
        Tensor p = param();
        var adam = new Adam(List.of(p));
        var wrongSize = assertThrows(IllegalArgumentException.class, () -> adam.loadState(
                Map.of("param.0.exp_avg", new float[3], "param.0.exp_avg_sq", new float[2]), 1));
        assertTrue(wrongSize.getMessage().contains("'param.0.exp_avg' has 3 elements"), wrongSize.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> adam.loadState(Map.of("param.0.exp_avg", new float[2]), 1));
        assertTrue(missing.getMessage().contains("missing key 'param.0.exp_avg_sq'"), missing.getMessage());
        var outOfRange = assertThrows(IllegalArgumentException.class,
                () -> adam.loadState(Map.of("param.4.exp_avg", new float[2]), 1));
        assertTrue(outOfRange.getMessage().contains("parameter 4"), outOfRange.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> adam.loadState(Map.of("param.0.momentum_buffer", new float[2]), 1));
        assertTrue(unknown.getMessage().contains("unexpected key 'param.0.momentum_buffer'"), unknown.getMessage());
    }

    @Test
    void pytorchValidationErrors() {
        Tensor p = param();
        var nesterov = assertThrows(IllegalArgumentException.class,
                () -> SGD.builder(List.of(p), 0.1f).nesterov(true).build());
        assertTrue(nesterov.getMessage().contains("Nesterov momentum requires a momentum and zero dampening"));
        assertThrows(IllegalArgumentException.class,
                () -> SGD.builder(List.of(p), 0.1f).momentum(0.9f).dampening(0.1f).nesterov(true).build());
        var lr = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -0.1f));
        assertTrue(lr.getMessage().contains("Invalid learning rate: -0.1"), lr.getMessage());
        var beta = assertThrows(IllegalArgumentException.class,
                () -> Adam.builder(List.of(p)).betas(0.9f, 1f).build());
        assertTrue(beta.getMessage().contains("Invalid beta parameter at index 1"), beta.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, p), 0.1f));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1f));
    }

    @Test
    void hyperParametersUsePytorchNames() {
        var adamW = new AdamW(List.of(param()), 0.002f);
        Map<String, Object> h = adamW.hyperParameters();
        assertEquals("AdamW", h.get("optimizer"));
        assertEquals(0.002f, h.get("lr"));
        assertEquals(List.of(0.9f, 0.999f), h.get("betas"));
        assertEquals(0.01f, h.get("weight_decay"));
    }

    @Test
    void closeFreesState() {
        Tensor p = param();
        var adam = new Adam(List.of(p));
        step(adam, p, 1f, 1f);
        Tensor m = adam.stateTensors().get("param.0.exp_avg");
        adam.close();
        assertTrue(m.isClosed());
    }
}
