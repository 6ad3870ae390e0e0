package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.OptimizerStep;
import dev.nabla.optim.Adam;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a 16-bit tensor is refused, and how: each message names the op, shapes, dtypes and device. */
class HalfPrecisionErrorsTest {

    private final Device device = Device.reference();

    @Test
    void matmulOfMixedDtypesIsRefusedAsInPyTorch() {
        // torch.mm(bf16, f32): "expected mat1 and mat2 to have the same dtype"
        Tensor a = Tensor.zeros(device, DType.BF16, 2, 3);
        Tensor b = Tensor.zeros(device, 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertEquals("matmul: operands must have one dtype, got BF16 [2, 3], F32 [3, 4] on " + device
                + "; convert with to(DType.BF16)", e.getMessage());
        Tensor weight = Tensor.zeros(device, DType.F16, 4, 3);
        Tensor bias = Tensor.zeros(device, 4);
        var linear = assertThrows(IllegalArgumentException.class, () -> Tensor.linear(b.t(), weight, bias));
        assertTrue(linear.getMessage().startsWith("linear: operands must have one dtype, got F32 [4, 3], F16 [4, 3],"
                + " F32 [4]"), linear.getMessage());
    }

    @Test
    void integersAreRefusedByFloatingOps() {
        Tensor labels = Tensor.of(device, new int[] {1, 2});
        Tensor half = Tensor.zeros(device, DType.BF16, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> half.add(labels));
        assertEquals("add: expected a floating-point tensor (F32, BF16 or F16), got I32 of shape [2] on " + device
                + "; convert with toType(DType.F32)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> labels.softmax(0));
        assertThrows(IllegalArgumentException.class, () -> labels.to(DType.BF16).matmul(labels));
        var grad = assertThrows(IllegalArgumentException.class, () -> labels.requiresGrad());
        assertTrue(grad.getMessage().startsWith("requiresGrad: only floating-point tensors"), grad.getMessage());
    }

    @Test
    void optimizersRefuseSixteenBitParameters() {
        Tensor weight = Tensor.zeros(device, DType.BF16, 2, 2).requiresGrad();
        var e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(weight), 1e-3f));
        assertEquals("Adam: parameter 0 [2, 2] is BF16; only F32 tensors can be optimized", e.getMessage());
        // The SPI-level step refuses too, naming the role and the way out.
        Tensor param = Tensor.zeros(device, 3);
        Tensor grad = Tensor.zeros(device, DType.F16, 3);
        var step = assertThrows(IllegalArgumentException.class,
                () -> param.optimizerStep(new OptimizerStep.Sgd(0.1f, 0f, 0f, 0f, false, true), grad, null, null));
        assertTrue(step.getMessage().startsWith("optimizerStep (Sgd): gradient or state [3] on " + device
                + " is F16; optimizers keep F32 state"), step.getMessage());
    }

    @Test
    void rawBitsNeedASixteenBitType() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(device, 2).toBits());
        assertEquals("toBits: tensor of shape [2] on " + device + " is F32, not BF16 or F16; use toFloatArray() or"
                + " toIntArray()", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofBits(device, DType.F32, new short[2]));
        var fill = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ofBits(device, DType.BF16, new short[3], 2, 2));
        assertTrue(fill.getMessage().contains("3 values do not fill shape [2, 2]"), fill.getMessage());
    }
}
