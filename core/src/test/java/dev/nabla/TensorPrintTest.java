package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tensors print nested by axis, as torch does, with shape, dtype, device and autograd state. */
class TensorPrintTest {

    @Test
    void valuesAreNestedByAxis() {
        Device d = Device.reference();
        assertEquals("Tensor[2, 2] F32 reference:0 [[7.0, 11.0], [9.0, 13.0]]",
                Tensor.of(d, new float[] {7, 11, 9, 13}, 2, 2).toString());
        assertEquals("Tensor[3] I32 reference:0 [1, 2, 3]", Tensor.of(d, new int[] {1, 2, 3}, 3).toString());
        assertEquals("Tensor[] F32 reference:0 2.5", Tensor.of(d, new float[] {2.5f}).reshape().toString());
        assertEquals("Tensor[2, 1, 2] F32 reference:0 [[[1.0, 2.0]], [[3.0, 4.0]]]",
                Tensor.of(d, new float[] {1, 2, 3, 4}, 2, 1, 2).toString());
        assertEquals("Tensor[2, 0] F32 reference:0 [[], []]", Tensor.zeros(d, 2, 0).toString());
        Tensor x = Tensor.of(d, new float[] {1, 2}, 2).requiresGrad();
        assertTrue(x.mul(2f).toString().startsWith("Tensor[2] F32 reference:0 grad_fn=mul_scalar [2.0, 4.0]"),
                x.mul(2f).toString());
        assertEquals("Tensor[200] F32 reference:0", Tensor.zeros(d, 200).toString());
    }
}
