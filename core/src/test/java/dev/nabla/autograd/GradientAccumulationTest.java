package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A leaf's first gradient is adopted without a copy only when nothing else can see it; these are
 * the cases where it must not be, and the one where it may.
 */
class GradientAccumulationTest {

    @Test
    void sameGradientTensorHandedToTwoLeavesGivesEachItsOwn() {
        // y = Σ(a + b): add's backward hands one tensor to both inputs; ∂y/∂a = ∂y/∂b = 1
        Tensor a = Tensor.of(new float[] {1f, 2f}).requiresGrad();
        Tensor b = Tensor.of(new float[] {3f, 4f}).requiresGrad();
        a.add(b).mul(3f).sum().backward();
        Tensor ga = a.grad().orElseThrow();
        Tensor gb = b.grad().orElseThrow();
        assertNotSame(ga, gb);
        ga.close();
        assertArrayEquals(new float[] {3f, 3f}, gb.toFloatArray());
        assertFalse(gb.isClosed());
    }

    @Test
    void theCallersSeedIsCopiedNotAdopted() {
        // x is the root itself: its gradient is the seed, which the caller still owns
        Tensor x = Tensor.of(new float[] {1f, 2f}).requiresGrad();
        Tensor seed = Tensor.of(new float[] {5f, 6f});
        x.backward(seed);
        Tensor gx = x.grad().orElseThrow();
        assertNotSame(seed, gx);
        seed.close();
        assertArrayEquals(new float[] {5f, 6f}, gx.toFloatArray());
    }

    @Test
    void aViewOfTheSeedIsCopied() {
        // y = x + 0 hands the seed through unchanged (add-scalar's backward is the identity)
        Tensor x = Tensor.of(new float[] {1f, 2f}).requiresGrad();
        Tensor seed = Tensor.of(new float[] {7f, 8f});
        x.add(0f).backward(seed);
        Tensor gx = x.grad().orElseThrow();
        assertNotSame(seed, gx);
        seed.close();
        assertArrayEquals(new float[] {7f, 8f}, gx.toFloatArray());
    }

    @Test
    void adoptedGradientOutlivesTheStepScopeAndAccumulates() {
        // two backward passes of Σ 2x: the gradient accumulates to 4 and survives both scopes
        Tensor x = Tensor.of(new float[] {1f, 2f, 3f}).requiresGrad();
        for (int step = 0; step < 2; step++) {
            try (Scope ignored = Scope.open()) {
                x.mul(2f).sum().backward();
            }
        }
        Tensor gx = x.grad().orElseThrow();
        assertFalse(gx.isClosed());
        assertArrayEquals(new float[] {4f, 4f, 4f}, gx.toFloatArray());
    }

    @Test
    void matmulGradientsStayCorrectWhenAdopted() {
        // y = Σ x·w: ∂y/∂w[i][j] = Σ_rows x[r][i]; ∂y/∂x[r][i] = Σ_j w[i][j]
        Tensor x = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2).requiresGrad();
        Tensor w = Tensor.of(new float[] {1f, 0f, 2f, 1f}, 2, 2).requiresGrad();
        try (Scope ignored = Scope.open()) {
            x.matmul(w).sum().backward();
        }
        assertArrayEquals(new float[] {4f, 4f, 6f, 6f}, w.grad().orElseThrow().toFloatArray());
        assertArrayEquals(new float[] {1f, 3f, 1f, 3f}, x.grad().orElseThrow().toFloatArray());
    }
}
