package dev.nabla.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import dev.nabla.optim.Adam;
import dev.nabla.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link GradScaler} against PyTorch's dynamic loss scaling. PyTorch 1.13's CPU build has no
 * {@code _amp_update_scale_} (only CUDA's), so the expected trajectory is worked out by hand from
 * ATen's kernel ({@code aten/src/ATen/native/cuda/AmpKernels.cu}, {@code amp_update_scale_cuda_kernel}):
 * on a non-finite gradient {@code scale *= backoff; tracker = 0}; else {@code tracker + 1 ==
 * interval ? (scale *= growth if finite; tracker = 0) : tracker++}.
 */
class GradScalerTest {

    private static final float INF = Float.POSITIVE_INFINITY;

    /** Steps 4 (Inf) and 6 (NaN) are skipped and back off; every third good step in a row grows the scale. */
    @Test
    void scaleTrajectoryAndSkippedStepsFollowPyTorchsUpdateRule() {
        float[][] inputs = {{1, 2}, {1, 2}, {1, 2}, {1, INF}, {1, 2}, {Float.NaN, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}};
        float[] scales = {8, 8, 16, 8, 8, 4, 4, 4, 8, 8};
        int[] trackers = {1, 2, 0, 0, 1, 0, 1, 2, 0, 1};
        boolean[] taken = {true, true, true, false, true, false, true, true, true, true};
        Tensor w = Tensor.of(new float[] {0.5f, -0.25f}, 2).requiresGrad();
        SGD sgd = new SGD(List.of(w), 0.125f);
        GradScaler scaler = new GradScaler(8f, 2f, 0.5f, 3, true);
        float[] expected = {0.5f, -0.25f};
        for (int step = 0; step < inputs.length; step++) {
            sgd.zeroGrad();
            float scaleUsed = scaler.getScale();
            Tensor loss = w.mul(Tensor.of(inputs[step], 2)).sum();
            scaler.scale(loss).backward();
            assertEquals(inputs[step][0] * scaleUsed, w.grad().orElseThrow().toFloatArray()[0], "scaled gradient");
            assertEquals(taken[step], scaler.step(sgd), "step " + (step + 1) + " taken");
            scaler.update();
            assertEquals(scales[step], scaler.getScale(), "scale after step " + (step + 1));
            assertEquals(trackers[step], scaler.growthTracker(), "growth tracker after step " + (step + 1));
            if (taken[step]) {
                // The true (unscaled) gradient is x; the scales are powers of two, so unscaling is exact.
                expected[0] -= 0.125f * inputs[step][0];
                expected[1] -= 0.125f * inputs[step][1];
            }
            assertArrayEquals(expected, w.toFloatArray(), "parameters after step " + (step + 1));
        }
    }

    @Test
    void growthThatWouldOverflowToInfinityKeepsTheScale() {
        Tensor w = Tensor.of(new float[] {1}, 1).requiresGrad();
        SGD sgd = new SGD(List.of(w), 0f);
        float max = 0x1p127f;
        GradScaler scaler = new GradScaler(max, 2f, 0.5f, 1, true);
        scaler.scale(w.mul(1e-30f).sum()).backward();
        assertTrue(scaler.step(sgd));
        scaler.update();
        assertEquals(max, scaler.getScale());
        assertEquals(0, scaler.growthTracker());
    }

    /** Unscaling before clipping: the gradients the optimizer sees are the true ones, and a second unscale is refused. */
    @Test
    void unscaleLeavesTrueGradientsAndIsOncePerIteration() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad();
        Adam adam = new Adam(List.of(w), 1e-3f);
        GradScaler scaler = new GradScaler();
        scaler.scale(w.mul(Tensor.of(new float[] {0.5f, -1f, 3f}, 3)).sum()).backward();
        scaler.unscale(adam);
        assertArrayEquals(new float[] {0.5f, -1f, 3f}, w.grad().orElseThrow().toFloatArray());
        var twice = assertThrows(IllegalStateException.class, () -> scaler.unscale(adam));
        assertEquals("GradScaler.unscale: already called on this optimizer since the last update()", twice.getMessage());
        assertTrue(scaler.step(adam));
        var again = assertThrows(IllegalStateException.class, () -> scaler.step(adam));
        assertEquals("GradScaler.step: already called on this optimizer since the last update()", again.getMessage());
        scaler.update();
        var nothing = assertThrows(IllegalStateException.class, scaler::update);
        assertEquals("GradScaler.update: no step() or unscale() was recorded since the last update()",
                nothing.getMessage());
    }

    @Test
    void stateDictRoundTripsWithPyTorchsKeysAndRefusesOtherFactors() {
        GradScaler scaler = new GradScaler(1024f, 2f, 0.5f, 100, true);
        Tensor w = Tensor.of(new float[] {1}, 1).requiresGrad();
        SGD sgd = new SGD(List.of(w), 0.1f);
        for (int i = 0; i < 3; i++) {
            sgd.zeroGrad();
            scaler.scale(w.sum()).backward();
            scaler.step(sgd);
            scaler.update();
        }
        Map<String, Object> state = scaler.stateDict();
        assertEquals(Map.of("scale", 1024f, "growth_factor", 2f, "backoff_factor", 0.5f, "growth_interval", 100,
                "_growth_tracker", 3), state);
        GradScaler restored = new GradScaler(65536f, 2f, 0.5f, 100, true);
        restored.loadStateDict(state);
        assertEquals(1024f, restored.getScale());
        assertEquals(3, restored.growthTracker());
        GradScaler other = new GradScaler(65536f, 4f, 0.5f, 100, true);
        var e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(state));
        assertEquals("GradScaler.loadStateDict: growth_factor 2.0 differs from this scaler's 4.0", e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> restored.loadStateDict(Map.of("scale", 2f)));
        assertEquals("GradScaler.loadStateDict: '_growth_tracker' is missing", missing.getMessage());
    }

    @Test
    void disabledIsAPassThrough() {
        GradScaler scaler = new GradScaler(8f, 2f, 0.5f, 3, false);
        Tensor w = Tensor.of(new float[] {1}, 1).requiresGrad();
        SGD sgd = new SGD(List.of(w), 1f);
        Tensor loss = w.mul(Tensor.of(new float[] {INF}, 1)).sum();
        assertTrue(scaler.scale(loss) == loss);
        loss.backward();
        assertTrue(scaler.step(sgd), "disabled: the step is taken whatever the gradients");
        scaler.update();
        assertEquals(1f, scaler.getScale());
        assertEquals(Map.of(), scaler.stateDict());
        assertFalse(scaler.isEnabled());
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("GradScaler: growthFactor must be > 1.0, got 1.0", assertThrows(IllegalArgumentException.class,
                () -> new GradScaler(1f, 1f, 0.5f, 1, true)).getMessage());
        assertEquals("GradScaler: initScale must be finite and positive, got Infinity",
                assertThrows(IllegalArgumentException.class, () -> new GradScaler(INF, 2f, 0.5f, 1, true)).getMessage());
        assertEquals("GradScaler: backoffFactor must be in (0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> new GradScaler(1f, 2f, 1f, 1, true)).getMessage());
        assertEquals("GradScaler: growthInterval must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new GradScaler(1f, 2f, 0.5f, 0, true)).getMessage());
    }
}
