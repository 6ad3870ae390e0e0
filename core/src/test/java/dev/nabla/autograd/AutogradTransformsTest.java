package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.nabla.Tensor;
import dev.nabla.backend.BinaryOp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Function transforms are side-effect free and work inside no-grad blocks. */
class AutogradTransformsTest {

    @Test
    void gradLeavesCapturedParametersAlone() {
        // f(x) = Σ x·w with w a parameter: ∇ₓ f = w; w.grad must stay empty
        Tensor w = Tensor.of(new float[] {2f, 3f}).requiresGrad();
        Tensor g = Autograd.grad(x -> x.mul(w).sum(), Tensor.of(new float[] {1f, 1f}));
        assertArrayEquals(new float[] {2f, 3f}, g.toFloatArray());
        assertFalse(w.grad().isPresent(), "w.grad after Autograd.grad");
        Autograd.jacobian(x -> x.mul(w), Tensor.of(new float[] {1f, 1f}));
        assertFalse(w.grad().isPresent(), "w.grad after Autograd.jacobian");
        GradCheck.check(t -> t.get(0).mul(w), Tensor.of(new float[] {1f, 1f})).assertPassed();
        assertFalse(w.grad().isPresent(), "w.grad after GradCheck");
    }

    @Test
    void transformsWorkInsideNoGrad() {
        // ∇ Σx² = 2x;  J(2x) = 2I
        try (var ignored = NoGrad.open()) {
            assertArrayEquals(new float[] {2f, 4f},
                    Autograd.grad(x -> x.square().sum(), Tensor.of(new float[] {1f, 2f})).toFloatArray());
            assertArrayEquals(new float[] {2f, 0f, 0f, 2f},
                    Autograd.jacobian(x -> x.mul(2f), Tensor.of(new float[] {1f, 2f})).toFloatArray());
        }
    }

    @Test
    void gradientsForReturnsWithoutAccumulating() {
        // y = Σ a·b: ∂y/∂a = b, ∂y/∂b = a
        Tensor a = Tensor.of(new float[] {1f, 2f}).requiresGrad();
        Tensor b = Tensor.of(new float[] {3f, 4f}).requiresGrad();
        Tensor y = a.mul(b).sum();
        Tensor[] grads = y.gradientsFor(Tensor.scalar(1f), a, b);
        assertArrayEquals(new float[] {3f, 4f}, grads[0].toFloatArray());
        assertArrayEquals(new float[] {1f, 2f}, grads[1].toFloatArray());
        assertFalse(a.grad().isPresent());
        assertFalse(b.grad().isPresent());
    }

    @Test
    void powGradientsAtZeroAreFiniteAsInPyTorch() {
        // d/dx x⁰ = 0 (not 0·0⁻¹ = NaN);  d/dx x² at 0 = 0;  d/dy x^y at x = 0 is taken as 0
        Tensor x = Tensor.of(new float[] {0f, 2f}).requiresGrad();
        x.pow(0f).sum().backward();
        assertArrayEquals(new float[] {0f, 0f}, x.grad().orElseThrow().toFloatArray());
        Tensor base = Tensor.of(new float[] {0f, 2f}).requiresGrad();
        Tensor exponent = Tensor.of(new float[] {2f, 2f}).requiresGrad();
        base.binaryOp(BinaryOp.POW, exponent).sum().backward();
        assertArrayEquals(new float[] {0f, 4f}, base.grad().orElseThrow().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0f, (float) (4 * Math.log(2))}, exponent.grad().orElseThrow().toFloatArray(),
                1e-5f);
        GradCheck.check(t -> t.get(0).binaryOp(BinaryOp.POW, t.get(1)), Tensor.of(new float[] {0.5f, 1.5f}),
                Tensor.of(new float[] {2f, 3f})).assertPassed();
        List.of(x, base, exponent).forEach(Tensor::zeroGrad);
    }
}
