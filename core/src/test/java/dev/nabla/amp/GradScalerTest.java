package dev.nabla.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.optim.SGD;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradScalerTest {

    private final Device device = Device.reference();

    /**
     * The scale and growth count after each update for a scripted sequence of clean (F) and
     * overflowing (I) steps, growth interval 3. Expected values follow PyTorch's
     * {@code _amp_update_scale_} (aten/src/ATen/native/cuda/AmpKernels.cu: on Inf, scale ·= backoff
     * and tracker = 0; else tracker + 1, and at the interval scale ·= growth and tracker = 0).
     * NOTE: worked out by hand from that kernel: the torch 1.13 here has no CPU kernel for
     * {@code _amp_update_scale_} and no CUDA device to run {@code torch.cuda.amp.GradScaler} on.
     */
    @Test
    void scaleTrajectoryFollowsPyTorchsUpdateRule() {
        String script = "FFFFIFFFIIFFFF";
        float[] expectedScale = {65536, 65536, 131072, 131072, 65536, 65536, 65536, 131072, 65536, 32768, 32768,
            32768, 65536, 65536};
        int[] expectedTracker = {1, 2, 0, 1, 0, 1, 2, 0, 0, 0, 1, 2, 0, 1};
        Tensor param = Tensor.of(device, new float[] {1f, -2f}).requiresGrad();
        SGD sgd = new SGD(List.of(param), 0.5f);
        GradScaler scaler = new GradScaler(65536f, 2.0, 0.5, 3);
        float[] scales = new float[script.length()];
        int[] trackers = new int[script.length()];
        for (int i = 0; i < script.length(); i++) {
            boolean overflow = script.charAt(i) == 'I';
            float s = scaler.scale();
            // the gradient a scaled loss would produce: s · [0.25, -1] (or an Inf in one element)
            param.setGrad(Tensor.of(device, new float[] {0.25f * s, overflow ? Float.POSITIVE_INFINITY : -s}));
            float[] before = param.toFloatArray();
            boolean stepped = scaler.step(sgd);
            assertEquals(!overflow, stepped, "step " + i + " (" + script.charAt(i) + ")");
            assertEquals(overflow, scaler.foundInf(sgd));
            float[] after = param.toFloatArray();
            if (overflow) {
                assertArrayEquals(before, after, "step " + i + ": a step with an Inf gradient must not move the weights");
            } else {
                // unscaled exactly (a power of two): p − 0.5 · [0.25, −1]
                assertArrayEquals(new float[] {before[0] - 0.125f, before[1] + 0.5f}, after, "step " + i);
            }
            scaler.update();
            scales[i] = scaler.scale();
            trackers[i] = scaler.growthTracker();
        }
        assertArrayEquals(expectedScale, scales);
        assertArrayEquals(expectedTracker, trackers);
    }

    @Test
    void nanGradientsBackOffAndGrowthNeverOverflowsTheScale() {
        Tensor param = Tensor.of(device, new float[] {1f}).requiresGrad();
        SGD sgd = new SGD(List.of(param), 0.1f);
        GradScaler scaler = new GradScaler(Float.MAX_VALUE, 2.0, 0.5, 1);
        param.setGrad(Tensor.of(device, new float[] {1f}));
        assertTrue(scaler.step(sgd));
        scaler.update();
        assertEquals(Float.MAX_VALUE, scaler.scale(), "growth to Inf is not taken");
        assertEquals(0, scaler.growthTracker());
        param.setGrad(Tensor.of(device, new float[] {Float.NaN}));
        assertFalse(scaler.step(sgd));
        scaler.update();
        assertEquals(Float.MAX_VALUE / 2, scaler.scale());
    }

    @Test
    void scaledTrainingMatchesUnscaledTrainingBitForBit() {
        // Multiplying by 2^16 and dividing back is exact in F32, so the weights must agree exactly.
        float[] w0 = {0.3f, -0.7f, 0.1f, 0.9f, -0.2f, 0.05f};
        float[] x = {1f, 2f, -1f, 0.5f, 0.25f, -3f};
        Tensor plain = Tensor.of(device, w0, 3, 2).requiresGrad();
        Tensor scaled = Tensor.of(device, w0, 3, 2).requiresGrad();
        SGD plainSgd = new SGD(List.of(plain), 0.01f, 0.9f);
        SGD scaledSgd = new SGD(List.of(scaled), 0.01f, 0.9f);
        GradScaler scaler = new GradScaler();
        Tensor input = Tensor.of(device, x, 2, 3);
        for (int step = 0; step < 5; step++) {
            plainSgd.zeroGrad();
            input.matmul(plain).square().mean().backward();
            plainSgd.step();
            scaledSgd.zeroGrad();
            scaler.scale(input.matmul(scaled).square().mean()).backward();
            assertTrue(scaler.step(scaledSgd));
            scaler.update();
        }
        assertArrayEquals(plain.toFloatArray(), scaled.toFloatArray());
    }

    @Test
    void f16ForwardWithScalingKeepsGradientsThatWouldUnderflow() {
        // A gradient of 1e-8 is below F16's smallest subnormal (6e-8): unscaled it flushes to 0 on its
        // way back through the F16 part. The loss is F32, as autocast keeps it (an F16 loss times the
        // default 65536 would itself overflow F16's 65504).
        Tensor w = Tensor.of(device, new float[] {1f}).requiresGrad();
        Tensor one = Tensor.of(device, DType.F16, new float[] {1f});
        Tensor loss = w.to(DType.F16).mul(one).sum().to(DType.F32).mul(1e-8f);
        GradScaler scaler = new GradScaler();
        SGD sgd = new SGD(List.of(w), 1f);
        scaler.scale(loss).backward();
        scaler.unscale(sgd);
        float grad = w.grad().orElseThrow().item();
        assertNotEquals(0f, grad);
        assertEquals(1e-8f, grad, 1e-10f);
        w.zeroGrad();
        loss.backward();
        assertEquals(0f, w.grad().orElseThrow().item(), "without scaling the F16 gradient underflows");
    }

    @Test
    void stateDictRoundTripsAndNamesWhatIsMissing() {
        GradScaler scaler = new GradScaler(1024f, 4.0, 0.25, 7);
        Tensor param = Tensor.of(device, new float[] {1f}).requiresGrad();
        SGD sgd = new SGD(List.of(param), 0.1f);
        param.setGrad(Tensor.of(device, new float[] {1f}));
        scaler.step(sgd);
        scaler.update();
        Map<String, Object> state = scaler.stateDict();
        assertEquals(Map.of("scale", 1024.0, "growth_factor", 4.0, "backoff_factor", 0.25, "growth_interval", 7,
                "_growth_tracker", 1), state);
        GradScaler restored = GradScaler.fromStateDict(state);
        assertEquals(scaler.stateDict(), restored.stateDict());
        Map<String, Object> broken = new HashMap<>(state);
        broken.remove("_growth_tracker");
        var e = assertThrows(IllegalArgumentException.class, () -> GradScaler.fromStateDict(broken));
        assertEquals("GradScaler state: '_growth_tracker' is missing; expected the keys of stateDict()", e.getMessage());
    }

    @Test
    void misuseIsNamed() {
        GradScaler scaler = new GradScaler();
        Tensor param = Tensor.of(device, new float[] {1f}).requiresGrad();
        SGD sgd = new SGD(List.of(param), 0.1f);
        var noChecks = assertThrows(IllegalStateException.class, scaler::update);
        assertTrue(noChecks.getMessage().startsWith("GradScaler.update: no inf checks were recorded"));
        param.setGrad(Tensor.of(device, new float[] {1f}));
        scaler.unscale(sgd);
        assertThrows(IllegalStateException.class, () -> scaler.unscale(sgd));
        scaler.step(sgd);
        assertThrows(IllegalStateException.class, () -> scaler.step(sgd));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(0f, 2.0, 0.5, 10));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1f, 2.0, 1.5, 10));
    }
}
