package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.NoGrad;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of the course notes in {@code shared/seeds/}, reproduced through the
 * public API. Each expected value is the one printed in the notes.
 */
class SeedExamplesTest {

    private static final float TOL = 1e-5f;

    /** Component {@code i} of a 1-D tensor, as a shape-[] tensor (differentiable). */
    private static Tensor at(Tensor v, int i) {
        return v.slice(i, i + 1).reshape();
    }

    @Test
    void gradientOfQuadraticFormAtOneOne() {
        // f(x, y) = x² + 3xy + y²;  ∂f/∂x = 2x + 3y,  ∂f/∂y = 3x + 2y;  at (1,1): (5, 5)
        Tensor grad = Autograd.grad(v -> {
            Tensor x = at(v, 0);
            Tensor y = at(v, 1);
            return x.square().add(x.mul(y).mul(3f)).add(y.square());
        }, Tensor.of(new float[] {1f, 1f}));
        assertArrayEquals(new float[] {5f, 5f}, grad.toFloatArray(), TOL);
    }

    @Test
    void directionalDerivativeAlongDiagonalIsFiveRootTwo() {
        // ∇f(1,1) · (1,1)/√2 = 10/√2 = 5√2 ≈ 7.0710678
        float inv = (float) (1 / Math.sqrt(2));
        Tensor derivative = Autograd.jvp(v -> {
            Tensor x = at(v, 0);
            Tensor y = at(v, 1);
            return x.square().add(x.mul(y).mul(3f)).add(y.square());
        }, Tensor.of(new float[] {1f, 1f}), Tensor.of(new float[] {inv, inv}));
        assertEquals(7.0710678f, derivative.item(), TOL);
        assertEquals(5 * Math.sqrt(2), derivative.item(), 1e-5);
    }

    @Test
    void linearApproximationOfXSquaredPlusFourYSquared() {
        // f(x, y) = x² + 4y²;  ∇f = (2x, 8y);  ∇f(1,1) = (2, 8),  ‖∇f‖ = √68 ≈ 8.246211
        java.util.function.Function<Tensor, Tensor> f = v -> at(v, 0).square().add(at(v, 1).square().mul(4f));
        Tensor grad = Autograd.grad(f, Tensor.of(new float[] {1f, 1f}));
        assertArrayEquals(new float[] {2f, 8f}, grad.toFloatArray(), TOL);
        assertEquals(Math.sqrt(68), grad.square().sum().sqrt().item(), 1e-5);
        assertEquals(8.246211f, grad.square().sum().sqrt().item(), 1e-5f);

        // Δx = (0.01, 0.005):  ∇f · Δx = 2·0.01 + 8·0.005 = 0.06
        Tensor step = Tensor.of(new float[] {0.01f, 0.005f});
        assertEquals(0.06f, grad.mul(step).sum().item(), 1e-7f);
        // actual: f(1.01, 1.005) − f(1, 1) = 5.0602 − 5 = 0.0602
        float actual = f.apply(Tensor.of(new float[] {1.01f, 1.005f})).item() - f.apply(Tensor.of(new float[] {1f, 1f})).item();
        assertEquals(0.0602f, actual, 2e-6f);
    }

    @Test
    void jacobianOfVectorFunctionAtSeveralPoints() {
        // f(x, y) = (x² + y, 2x + 3y);  J = [[2x, 1], [2, 3]]
        java.util.function.Function<Tensor, Tensor> f = v -> {
            Tensor x = v.slice(0, 1);
            Tensor y = v.slice(1, 2);
            Tensor f1 = x.square().add(y);
            Tensor f2 = x.mul(2f).add(y.mul(3f));
            return Tensor.where(Tensor.of(new float[] {1f, 0f}), f1.expand(2), f2.expand(2));
        };
        float[][] points = {{1f, 1f}, {0f, 0f}, {-2f, 5f}, {3.5f, -1f}};
        for (float[] p : points) {
            Tensor jacobian = Autograd.jacobian(f, Tensor.of(p));
            assertArrayEquals(new int[] {2, 2}, jacobian.shape());
            assertArrayEquals(new float[] {2 * p[0], 1f, 2f, 3f}, jacobian.toFloatArray(), TOL,
                    "J at (" + p[0] + ", " + p[1] + ")");
        }
    }

    @Test
    void twoGradientDescentSteps() {
        // f(x, y) = (x − 3)² + 2(y + 1)²;  ∇f = (2(x − 3), 4(y + 1));  η = 0.1, start (0, 0), f = 11
        java.util.function.Function<Tensor, Tensor> f = v ->
                at(v, 0).sub(3f).square().add(at(v, 1).add(1f).square().mul(2f));
        Tensor point = Tensor.of(new float[] {0f, 0f}).requiresGrad();
        assertEquals(11f, f.apply(point).item(), TOL);

        float[][] expectedPoints = {{0.6f, -0.4f}, {1.08f, -0.64f}};
        float[] expectedValues = {6.48f, 3.9456f};
        float[][] expectedGradients = {{-6f, 4f}, {-4.8f, 2.4f}};
        for (int step = 0; step < 2; step++) {
            point.zeroGrad();
            f.apply(point).backward();
            assertArrayEquals(expectedGradients[step], point.grad().orElseThrow().toFloatArray(), TOL);
            try (var ignored = NoGrad.open()) {
                point = point.sub(point.grad().orElseThrow().mul(0.1f)).detach().requiresGrad();
            }
            assertArrayEquals(expectedPoints[step], point.toFloatArray(), TOL);
            assertEquals(expectedValues[step], f.apply(point).item(), 1e-5f);
        }
    }

    @Test
    void tangentLineOfXSquaredAtThree() {
        // f(x) = x², f'(3) = 6;  f(3.01) ≈ 9 + 6·0.01 = 9.06;  exact 9.0601, error 0.0001 = O(h²)
        Tensor slope = Autograd.grad(x -> x.square().sum(), Tensor.of(new float[] {3f}));
        assertEquals(6f, slope.item(), TOL);
        float prediction = 9f + slope.item() * 0.01f;
        assertEquals(9.06f, prediction, TOL);
        float exact = Tensor.of(new float[] {3.01f}).square().item();
        assertEquals(9.0601f, exact, 1e-5f);
        assertEquals(0.0001f, exact - prediction, 2e-6f);
    }

    @Test
    void tangentLineOfCubicAtTwo() {
        // p(x) = x³ + 2x, p'(x) = 3x² + 2, p'(2) = 14, p(2) = 12;  p(2.01) ≈ 12.14, exact 12.140601
        java.util.function.Function<Tensor, Tensor> p = x -> x.pow(3f).add(x.mul(2f)).sum();
        Tensor x0 = Tensor.of(new float[] {2f});
        assertEquals(14f, Autograd.grad(p, x0).item(), TOL);
        assertEquals(12f, p.apply(x0).item(), TOL);
        float prediction = 12f + 14f * 0.01f;
        assertEquals(12.14f, prediction, TOL);
        float exact = p.apply(Tensor.of(new float[] {2.01f})).item();
        assertEquals(12.140601f, exact, 1e-5f);
        assertEquals(0.000601f, exact - prediction, 5e-6f);
    }

    @Test
    void matrixProductFromTheNotes() {
        // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2);
        assertArrayEquals(new float[] {19, 22, 43, 50}, a.matmul(b).toFloatArray(), 0f);
    }

    @Test
    void linearTransformationZEqualsWxPlusB() {
        // z = W x + b with W = [[1, 2, 3], [4, 5, 6]], x = (1, 0, −1), b = (0.5, −0.5)
        // z = (1 − 3 + 0.5, 4 − 6 − 0.5) = (−1.5, −2.5)
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad();
        Tensor x = Tensor.of(new float[] {1, 0, -1}).requiresGrad();
        Tensor b = Tensor.of(new float[] {0.5f, -0.5f}).requiresGrad();
        Tensor z = w.matmul(x).add(b);
        assertArrayEquals(new float[] {-1.5f, -2.5f}, z.toFloatArray(), TOL);

        // L = Σ z:  ∂L/∂W[i][j] = x[j],  ∂L/∂b = 1,  ∂L/∂x = Wᵀ·1 = (5, 7, 9)
        z.sum().backward();
        assertArrayEquals(new float[] {1, 0, -1, 1, 0, -1}, w.grad().orElseThrow().toFloatArray(), TOL);
        assertArrayEquals(new float[] {1, 1}, b.grad().orElseThrow().toFloatArray(), TOL);
        assertArrayEquals(new float[] {5, 7, 9}, x.grad().orElseThrow().toFloatArray(), TOL);
    }
}
