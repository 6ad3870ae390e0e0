package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

    private static final Device DEVICE = Device.reference();

    private static Tensor paramWithGrad(float... grad) {
        Tensor p = Tensor.zeros(DEVICE, grad.length).keep().requiresGrad();
        p.setGrad(Tensor.of(DEVICE, grad));
        return p;
    }

    @Test
    void clipsToMaxNormAndReturnsTheNormBefore() {
        // grads (3, 0) and (4): ‖g‖ = √(9 + 16) = 5; max 1 → scale 1/(5 + 1e-6): (0.6, 0) and (0.8)
        Tensor a = paramWithGrad(3f, 0f);
        Tensor b = paramWithGrad(4f);
        Tensor none = Tensor.zeros(DEVICE, 2).keep().requiresGrad();
        float norm = GradClip.clipGradNorm(List.of(a, b, none), 1f);
        assertEquals(5f, norm, 1e-6f);
        assertArrayEquals(new float[] {0.6f, 0f}, a.grad().orElseThrow().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.8f}, b.grad().orElseThrow().toFloatArray(), 1e-6f);
        assertTrue(none.grad().isEmpty());
        // Clipped gradients have norm maxNorm (up to the 1e-6 guard).
        assertEquals(1f, GradClip.clipGradNorm(List.of(a, b), 10f), 1e-6f);
    }

    @Test
    void leavesSmallGradientsUntouched() {
        Tensor a = paramWithGrad(0.3f, -0.4f);
        float norm = GradClip.clipGradNorm(List.of(a), 1f);
        assertEquals(0.5f, norm, 1e-7f);
        assertArrayEquals(new float[] {0.3f, -0.4f}, a.grad().orElseThrow().toFloatArray(), 0f);
    }

    @Test
    void noGradientsMeansZeroNorm() {
        assertEquals(0f, GradClip.clipGradNorm(List.of(Tensor.zeros(DEVICE, 3).keep()), 1f));
    }
}
