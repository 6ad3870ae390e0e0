package dev.nabla.amp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.Activation;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Autocast's op lists, its gradients, its scoping, and what it refuses. */
class AutocastTest {

    private final Device device = Device.reference();

    private Tensor x() {
        return Tensor.of(device, new float[] {0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f}, 2, 3);
    }

    private Tensor w() {
        return Tensor.of(device, new float[] {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, 0.8f, -0.9f, 1f, 1.1f, -1.2f},
                4, 3);
    }

    @Test
    void matmulAndLinearRunInSixteenBitsTheF32ListInF32() {
        for (DType type : new DType[] {DType.BF16, DType.F16}) {
            try (var ac = Autocast.open(type)) {
                assertEquals(Optional.of(type), Autocast.current());
                Tensor x = x();
                Tensor w = w();
                Tensor y = x.matmul(w.t());
                assertEquals(type, y.dtype(), "matmul");
                Tensor z = Tensor.linear(x, w, Tensor.zeros(device, 4), Activation.RELU);
                assertEquals(type, z.dtype(), "linear");
                assertEquals(type, z.relu().dtype(), "relu runs in its input's type");
                assertEquals(DType.F32, y.softmax(1).dtype(), "softmax");
                assertEquals(DType.F32, y.logSoftmax(1).dtype(), "logSoftmax");
                assertEquals(DType.F32, y.sum().dtype(), "sum");
                assertEquals(DType.F32, y.mean(0).dtype(), "mean");
                assertEquals(DType.F32, y.exp().dtype(), "exp");
                assertEquals(DType.F32, y.crossEntropy(Tensor.of(device, new int[] {1, 3})).dtype(), "crossEntropy");
                assertEquals(DType.F32, y.add(Tensor.zeros(device, 4)).dtype(), "add promotes to the wider type");
                assertEquals(DType.F32, x.add(x).dtype(), "F32 inputs of other ops stay F32");
            }
            assertEquals(Optional.empty(), Autocast.current());
            assertEquals(DType.F32, x().matmul(w().t()).dtype(), "after the region");
        }
    }

    @Test
    void gradientsReachF32ParametersThroughTheCasts() {
        Tensor w = w().requiresGrad();
        Tensor x = x();
        Tensor loss;
        try (var ac = Autocast.open(DType.BF16)) {
            loss = x.matmul(w.t()).crossEntropy(Tensor.of(device, new int[] {1, 3}));
            loss.backward();   // inside the region: backward runs with autocast off
        }
        assertEquals(DType.F32, loss.dtype());
        Tensor grad = w.grad().orElseThrow();
        assertEquals(DType.F32, grad.dtype(), "master weights keep F32 gradients");
        Tensor w32 = w().requiresGrad();
        x.matmul(w32.t()).crossEntropy(Tensor.of(device, new int[] {1, 3})).backward();
        float[] expected = w32.grad().orElseThrow().toFloatArray();
        float[] actual = grad.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            // BF16 keeps 8 significant bits: a few rounding steps of 2^-8 on values below 1
            assertEquals(expected[i], actual[i], 0.02f, "dL/dw[" + i + "]");
        }
    }

    @Test
    void regionsNestAndDisableTurnsItOff() {
        try (var outer = Autocast.open(DType.F16)) {
            try (var inner = Autocast.open(DType.BF16)) {
                assertEquals(DType.BF16, x().matmul(w().t()).dtype());
                try (var off = Autocast.disable()) {
                    assertEquals(DType.F32, x().matmul(w().t()).dtype());
                }
                assertEquals(Optional.of(DType.BF16), Autocast.current());
            }
            assertEquals(Optional.of(DType.F16), Autocast.current());
        }
        assertEquals(Optional.empty(), Autocast.current());
    }

    @Test
    void integersAndNonHalfTypesAreRefusedByName() {
        var type = assertThrows(IllegalArgumentException.class, () -> Autocast.open(DType.F32));
        assertTrue(type.getMessage().startsWith("Autocast.open: the autocast type must be BF16 or F16, got F32"));
        assertThrows(IllegalArgumentException.class, () -> Autocast.open(DType.I32));
        try (var ac = Autocast.open(DType.BF16)) {
            Tensor labels = Tensor.of(device, new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
            var e = assertThrows(IllegalArgumentException.class, () -> labels.matmul(w().t()));
            assertEquals("matmul: autocast(BF16) casts floating operands, got I32 of shape [2, 3] on " + device
                    + "; convert it with toType(DType.F32) first", e.getMessage());
        }
    }
}
