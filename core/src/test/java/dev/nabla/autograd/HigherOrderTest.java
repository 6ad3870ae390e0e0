package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.conformance.BackendConformanceTest;
import dev.nabla.nn.Losses;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Derivatives of derivatives (issue 12): the differentiable backward ({@code createGraph}), the
 * transforms built on it, and second-derivative checks of every op, on the reference backend.
 * The conformance suite compares double backward on the other backends.
 */
class HigherOrderTest {

    private final Device ref = Device.reference();

    /** Component {@code i} of a 1-D tensor as a scalar, differentiably. */
    private static Tensor at(Tensor v, int i) {
        return v.slice(0, i, i + 1).reshape();
    }

    // ---- the course notes' examples ----------------------------------------------------------

    @Test
    void hessianOfXSquaredPlusThreeXYPlusYSquared() {
        // f = x² + 3xy + y²: f_xx = 2, f_xy = f_yx = 3, f_yy = 2, everywhere
        Tensor h = Autograd.hessian(v -> at(v, 0).square().add(at(v, 0).mul(at(v, 1)).mul(3f)).add(at(v, 1).square()),
                Tensor.of(ref, new float[] {1f, 1f}));
        assertArrayEquals(new int[] {2, 2}, h.shape());
        assertArrayEquals(new float[] {2f, 3f, 3f, 2f}, h.toFloatArray());
    }

    @Test
    void hessianOfXSquaredPlusFourYSquared() {
        Tensor h = Autograd.hessian(v -> at(v, 0).square().add(at(v, 1).square().mul(4f)),
                Tensor.of(ref, new float[] {1f, 1f}));
        assertArrayEquals(new float[] {2f, 0f, 0f, 8f}, h.toFloatArray());
    }

    @Test
    void oneNewtonStepLandsOnTheMinimumOfAQuadratic() {
        // f = (x − 3)² + 2(y + 1)²; from (0, 0): ∇f = (−6, 4), H = diag(2, 4); x − H⁻¹∇f = (3, −1)
        Function<Tensor, Tensor> f = v -> at(v, 0).sub(3f).square().add(at(v, 1).add(1f).square().mul(2f));
        Tensor x = Tensor.of(ref, new float[] {0f, 0f});
        float[] g = Autograd.grad(f, x).toFloatArray();
        float[] h = Autograd.hessian(f, x).toFloatArray();
        float det = h[0] * h[3] - h[1] * h[2];
        float[] step = {(h[3] * g[0] - h[1] * g[1]) / det, (-h[2] * g[0] + h[0] * g[1]) / det};
        assertArrayEquals(new float[] {3f, -1f}, new float[] {0f - step[0], 0f - step[1]});
        assertArrayEquals(new float[] {0f, 0f}, Autograd.grad(f, Tensor.of(ref, new float[] {3f, -1f})).toFloatArray(),
                "the gradient vanishes where the step landed");
    }

    @Test
    void secondDerivativeOfXCubedPlusTwoXAtTwoIsTwelve() {
        // p = x³ + 2x: p'(2) = 3·4 + 2 = 14, p''(2) = 6·2 = 12
        Function<Tensor, Tensor> p = v -> v.pow(3f).add(v.mul(2f)).sum();
        Tensor two = Tensor.of(ref, new float[] {2f});
        assertEquals(14f, Autograd.grad(p, two).item());
        float second = Autograd.hessian(p, two).item();
        assertEquals(12f, second);
        for (float h : new float[] {0.1f, 0.01f}) {
            double exact = Math.pow(2 + h, 3) + 2 * (2 + h);
            double linear = 12 + 14 * h;
            double quadratic = linear + 0.5 * second * h * h;
            assertTrue(Math.abs(exact - quadratic) < Math.abs(exact - linear),
                    "h = " + h + ": quadratic error " + Math.abs(exact - quadratic) + ", linear " + Math.abs(exact - linear));
        }
        // the notes' h = 0.01: the linear error is 0.000601, O(h²)
        assertEquals(0.000601, Math.pow(2.01, 3) + 2 * 2.01 - (12 + 14 * 0.01), 1e-9);
    }

    // ---- the transforms agree with each other ----------------------------------------------

    /** A small MLP loss as a function of its flattened parameters, with every activation kind. */
    private static Function<Tensor, Tensor> mlpLoss(Device device) {
        Tensor input = Tensor.of(device, BackendConformanceTest.values(1, 4 * 3, -1f, 1f), 4, 3);
        Tensor labels = Tensor.of(device, new int[] {0, 2, 1, 2});
        return p -> {
            Tensor w1 = p.slice(0, 0, 15).reshape(5, 3);
            Tensor b1 = p.slice(0, 15, 20);
            Tensor w2 = p.slice(0, 20, 35).reshape(3, 5);
            Tensor h = Tensor.linear(input, w1, b1);
            h = h.tanh().add(h.gelu()).add(h.sigmoid()).add(h.relu());
            return Losses.crossEntropy(h.matmul(w2.t()), labels);
        };
    }

    @Test
    void hvpIsTheHessianTimesTheVector() {
        Tensor params = Tensor.of(ref, BackendConformanceTest.values(2, 35, -0.8f, 0.8f));
        Tensor v = Tensor.of(ref, BackendConformanceTest.values(3, 35, -1f, 1f));
        Function<Tensor, Tensor> f = mlpLoss(ref);
        float[] expected = Autograd.hessian(f, params).matmul(v).toFloatArray();
        float[] actual = Autograd.hvp(f, params, v).toFloatArray();
        assertArrayEquals(expected, actual, 1e-5f);
        float[] h = Autograd.hessian(f, params).toFloatArray();
        for (int i = 0; i < 35; i++) {
            for (int j = 0; j < i; j++) {
                assertEquals(h[i * 35 + j], h[j * 35 + i], 1e-5f, "the Hessian is symmetric at (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void jvpAndVjpAgreeWithTheJacobian() {
        Function<Tensor, Tensor> f = x -> x.matmul(Tensor.of(ref, BackendConformanceTest.values(4, 12, -1f, 1f), 3, 4)).tanh().mul(x.sum());
        Tensor x = Tensor.of(ref, BackendConformanceTest.values(5, 6, -1f, 1f), 2, 3);
        Tensor jacobian = Autograd.jacobian(f, x);   // [8, 6]
        Tensor v = Tensor.of(ref, BackendConformanceTest.values(6, 6, -1f, 1f), 2, 3);
        assertArrayEquals(jacobian.matmul(v.reshape(-1)).toFloatArray(), Autograd.jvp(f, x, v).toFloatArray(), 1e-5f);
        Tensor u = Tensor.of(ref, BackendConformanceTest.values(7, 8, -1f, 1f), 2, 4);
        assertArrayEquals(u.reshape(1, -1).matmul(jacobian).toFloatArray(), Autograd.vjp(f, x, u).toFloatArray(), 1e-5f);
        assertArrayEquals(new int[] {2, 4}, Autograd.jvp(f, x, v).shape());
    }

    @Test
    void createGraphLeavesDifferentiableGradsAndPlainBackwardLeavesNone() {
        Tensor x = Tensor.of(ref, new float[] {1f, 2f}).requiresGrad();
        Tensor y = x.pow(3f).sum();
        y.backward(y.onesLike(), true);
        Tensor grad = x.grad().orElseThrow();
        assertArrayEquals(new float[] {3f, 12f}, grad.toFloatArray());   // 3x²
        assertTrue(grad.isRequiresGrad(), "with createGraph the gradient carries a graph");
        Tensor second = grad.gradientsFor(grad.onesLike(), x)[0];
        assertArrayEquals(new float[] {6f, 12f}, second.toFloatArray());  // 6x

        Tensor z = Tensor.of(ref, new float[] {1f, 2f}).requiresGrad();
        z.pow(3f).sum().backward();
        assertFalse(z.grad().orElseThrow().isRequiresGrad(), "a plain backward records nothing");
        assertTrue(z.grad().orElseThrow().gradFn().isEmpty());
    }

    // ---- every op's second derivative ----------------------------------------------------------

    private static void assertGradGrad(String what, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        GradCheck.Report report = GradCheck.gradgradcheck(f, inputs);
        assertTrue(report.passed(), what + ": " + report);
    }

    @Test
    void everyUnaryOpHasACheckedSecondDerivative() {
        for (UnaryOp op : UnaryOp.values()) {
            // positive inputs away from the kinks and poles (ABS, RELU at 0; LOG, 1/x near 0)
            boolean positiveOnly = switch (op) {
                case LOG, SQRT, RECIPROCAL, POW -> true;
                default -> false;
            };
            float[] data = BackendConformanceTest.values(op.ordinal() + 10, 6, positiveOnly ? 0.5f : -2f, 2f);
            for (int i = 0; i < data.length; i++) {
                if (Math.abs(data[i]) < 0.2f) {
                    data[i] = Math.copySign(0.2f, data[i]);
                }
            }
            float param = op == UnaryOp.POW ? 2.5f : -1.5f;
            assertGradGrad("unary " + op, t -> t.get(0).unaryOp(op, param), Tensor.of(ref, data, 2, 3));
        }
    }

    @Test
    void binaryOpsAndFusedActivationGradientsHaveCheckedSecondDerivatives() {
        Tensor a = Tensor.of(ref, BackendConformanceTest.values(20, 6, 0.5f, 2f), 2, 3);
        Tensor b = Tensor.of(ref, BackendConformanceTest.values(21, 3, 0.5f, 2f), 3);
        assertGradGrad("add", t -> t.get(0).add(t.get(1)).square(), a, b);
        assertGradGrad("sub", t -> t.get(0).sub(t.get(1)).square(), a, b);
        assertGradGrad("mul", t -> t.get(0).mul(t.get(1)), a, b);
        assertGradGrad("div", t -> t.get(0).div(t.get(1)), a, b);
        assertGradGrad("pow", t -> t.get(0).binaryOp(BinaryOp.POW, t.get(1)), a, b);
        Tensor signed = Tensor.of(ref, new float[] {-1.5f, -0.7f, 0.4f, 1.1f, 2f, -2.2f}, 2, 3);
        Tensor g = Tensor.of(ref, BackendConformanceTest.values(22, 6, -1f, 1f), 2, 3);
        assertGradGrad("relu_grad", t -> t.get(0).binaryOp(BinaryOp.RELU_GRAD, t.get(1)), signed, g);
        assertGradGrad("gelu_grad", t -> t.get(0).binaryOp(BinaryOp.GELU_GRAD, t.get(1)), signed, g);
        assertGradGrad("maximum", t -> t.get(0).maximum(t.get(1)).square(), signed, g.mul(3f));
        assertGradGrad("minimum", t -> t.get(0).minimum(t.get(1)).square(), signed, g.mul(3f));
    }

    @Test
    void structuralOpsAndLossesHaveCheckedSecondDerivatives() {
        Tensor a = Tensor.of(ref, BackendConformanceTest.values(30, 15, -1f, 1f), 3, 5);
        Tensor w = Tensor.of(ref, BackendConformanceTest.values(31, 10, -1f, 1f), 2, 5);
        Tensor bias = Tensor.of(ref, BackendConformanceTest.values(32, 2, -1f, 1f), 2);
        Tensor labels = Tensor.of(ref, new int[] {1, 0, 1});
        assertGradGrad("matmul", t -> t.get(0).matmul(t.get(1).t()).tanh(), a, w);
        assertGradGrad("linear+relu+square", t -> Tensor.linear(t.get(0), t.get(1), t.get(2)).relu().square(), a, w, bias);
        assertGradGrad("cross-entropy", t -> Losses.crossEntropy(t.get(0).matmul(t.get(1).t()), labels), a, w);
        assertGradGrad("softmax", t -> t.get(0).softmax(1).square(), a);
        assertGradGrad("logSoftmax", t -> t.get(0).logSoftmax(0).square(), a);
        assertGradGrad("sum, expand, reshape", t -> t.get(0).sum(new int[] {1}, true).expand(3, 5).reshape(15).square(), a);
        assertGradGrad("slice", t -> t.get(0).slice(1, 1, 4).square(), a);
        assertGradGrad("transpose", t -> t.get(0).transpose(0, 1).square().matmul(t.get(0)), a);
        assertGradGrad("where", t -> Tensor.where(a.gt(0f), t.get(0).square(), t.get(0).exp()), a);
        assertGradGrad("max", t -> t.get(0).square().max(1, false), a);
        Tensor index = Tensor.of(ref, new int[] {4, 0, 2}, 3, 1);
        assertGradGrad("gather", t -> t.get(0).square().gather(1, index).exp(), a);
        assertGradGrad("to (same device)", t -> t.get(0).to(ref).square(), a);
    }

    // ---- anomaly mode covers backward and unrecorded forward ops -------------------------------

    @Test
    void anomalyModeNamesTheForwardOpWhoseBackwardMadeAnInfinity() {
        // d sqrt(x) = 1 / (2 sqrt(x)): +∞ at x = 0, although the forward values (0, 2) are finite
        Tensor x = Tensor.of(ref, new float[] {0f, 4f}).requiresGrad();
        Anomaly.enable();
        try {
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> x.sqrt().sum().backward());
            assertEquals("anomaly: the backward of sqrt produced Infinity at flat index 0 of the gradient of its"
                    + " input 0, shape [2] (is an input outside the op's domain, e.g. sqrt or log at 0?)", e.getMessage());
        } finally {
            Anomaly.disable();
        }
        x.zeroGrad();
        x.sqrt().sum().backward();   // without anomaly mode: PyTorch's result, silently
        assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0.25f}, x.grad().orElseThrow().toFloatArray());
    }

    @Test
    void anomalyModeChecksForwardOpsThatRecordNothing() {
        Tensor x = Tensor.of(ref, new float[] {1f, -1f});   // requires no grad
        Anomaly.enable();
        try {
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> x.log());
            assertTrue(e.getMessage().startsWith("anomaly: log produced NaN at flat index 1"), e.getMessage());
            try (var ignored = NoGrad.open()) {
                assertThrows(ArithmeticException.class, () -> x.sqrt());
            }
        } finally {
            Anomaly.disable();
        }
    }

    // ---- bad input ---------------------------------------------------------------------------

    @Test
    void badInputGetsNamedErrors() {
        Tensor x = Tensor.of(ref, new float[] {1f, 2f});
        IllegalArgumentException nonScalar = assertThrows(IllegalArgumentException.class,
                () -> Autograd.hessian(v -> v.square(), x));
        assertTrue(nonScalar.getMessage().startsWith("Autograd.hessian: f must return a scalar, got shape [2]"),
                nonScalar.getMessage());
        IllegalArgumentException direction = assertThrows(IllegalArgumentException.class,
                () -> Autograd.hvp(v -> v.square().sum(), x, Tensor.of(ref, new float[] {1f, 2f, 3f})));
        assertEquals("Autograd.hvp: direction v has shape [3], but the input has shape [2]", direction.getMessage());
        IllegalStateException noGraph = assertThrows(IllegalStateException.class,
                () -> x.square().sum().backward(Tensor.scalar(ref, 1f), true));
        assertTrue(noGraph.getMessage().startsWith("backward: tensor of shape [] does not require grad"),
                noGraph.getMessage());
    }
}
