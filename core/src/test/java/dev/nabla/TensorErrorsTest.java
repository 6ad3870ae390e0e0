package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Anomaly;
import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Losses;
import org.junit.jupiter.api.Test;

/** Bad input gets an exception that names the op, the shapes, dtypes and devices. */
class TensorErrorsTest {

    @Test
    void mismatchedMatmulNamesShapesAndInnerDimensions() {
        Tensor a = Tensor.zeros(32, 784);
        Tensor b = Tensor.zeros(512, 256);
        var e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertEquals("matmul: [32, 784] @ [512, 256]: inner dimensions 784 and 512 differ (F32 on "
                + a.device() + ", F32 on " + b.device() + ")", e.getMessage());
    }

    @Test
    void dataPtrOfATensorWithoutANativeAddressNamesTheDevice() {
        Tensor t = Tensor.zeros(Device.reference(), 2, 3);
        var e = assertThrows(UnsupportedOperationException.class, t::dataPtr);
        assertEquals("dataPtr: the F32 tensor of shape [2, 3] on " + t.device() + " has no native address"
                + " (ReferenceBackend keeps its memory behind Java objects or handles); only CUDA tensors have one",
                e.getMessage());
    }

    @Test
    void checkpointingATensorTooLargeForSafetensorsNamesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        // A broadcast view of 2^32 elements needs no memory; the save refuses it by name, touching no file.
        Tensor huge = Tensor.zeros(1, 1).expand(65536, 65536);
        var e = assertThrows(IllegalArgumentException.class, () -> dev.nabla.train.Checkpoint.save(dir, 1,
                java.util.Map.of("embedding.weight", huge), java.util.Map.of(), java.util.Map.of()));
        assertTrue(e.getMessage().contains("tensor 'embedding.weight' F32 [65536, 65536] has 4,294,967,296 elements"),
                e.getMessage());
    }

    @Test
    void nonBroadcastableAddNamesBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().startsWith("add: shapes [2, 3] and [4] are not broadcastable"), e.getMessage());
    }

    @Test
    void crossEntropyLabelOutOfRange() {
        Tensor logits = Tensor.zeros(2, 10);
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> Losses.crossEntropy(logits, Tensor.of(new int[] {3, 10})));
        assertEquals("crossEntropy: index 10 at position 1 is out of range for 10 classes (valid: 0..9)",
                e.getMessage());
        var negative = assertThrows(IndexOutOfBoundsException.class,
                () -> Losses.crossEntropy(logits, Tensor.of(new int[] {-1, 0})));
        assertTrue(negative.getMessage().contains("index -1 at position 0"));
    }

    @Test
    void crossEntropyLabelsOfWrongTypeOrShape() {
        Tensor logits = Tensor.zeros(2, 10);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, Tensor.of(new float[] {1, 2})));
        assertTrue(e.getMessage().contains("labels must be I32 of shape [2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, Tensor.of(new int[] {1, 2, 3})));
    }

    @Test
    void i32WhereF32IsNeeded() {
        Tensor labels = Tensor.of(new int[] {1, 2, 3});
        var e = assertThrows(IllegalArgumentException.class, labels::exp);
        assertEquals("exp: expected a floating-point tensor (F32, BF16 or F16), got I32 of shape [3] on " + labels.device()
                + "; convert with toType(DType.F32)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).add(labels));
        assertThrows(IllegalArgumentException.class, () -> labels.requiresGrad());
    }

    @Test
    void backwardOnNonScalarWithoutSeed() {
        Tensor x = Tensor.ones(2, 3).requiresGrad();
        var e = assertThrows(IllegalStateException.class, () -> x.mul(2f).backward());
        assertEquals("backward: output has shape [2, 3]; backward() needs a scalar (one element) or an explicit "
                + "gradient: backward(Tensor gradient)", e.getMessage());
    }

    @Test
    void backwardWithoutAnythingRequiringGrad() {
        var e = assertThrows(IllegalStateException.class, () -> Tensor.ones(2).sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void useOfAClosedTensor() {
        Tensor t = Tensor.ones(2, 2);
        t.close();
        var e = assertThrows(IllegalStateException.class, () -> t.add(t));
        assertTrue(e.getMessage().startsWith("add: tensor [2, 2] F32 on"), e.getMessage());
        assertTrue(e.getMessage().contains("was closed"), e.getMessage());
        t.close(); // idempotent
    }

    @Test
    void tensorsClosedByTheirScope() {
        Tensor kept;
        Tensor dropped;
        try (Scope ignored = Scope.open()) {
            kept = Tensor.ones(3).mul(2f).keep();
            dropped = Tensor.ones(3);
        }
        assertTrue(dropped.isClosed());
        assertFalse(kept.isClosed());
        assertThrows(IllegalStateException.class, dropped::toFloatArray);
        assertEquals(6f, kept.sum().item());
    }

    @Test
    void viewsKeepStorageAliveAfterTheBaseCloses() {
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor view = base.t();
        base.close();
        assertEquals(3f, view.toFloatArray()[1]);
    }

    @Test
    void mixingDevicesSaysToMove() {
        Device reference = Device.reference();
        Device other = Device.getDefault();
        if (other == reference) {
            return; // only one device on this class path: nothing to mix
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(reference, 2).add(Tensor.zeros(other, 2)));
        assertTrue(e.getMessage().contains(".to(device)"), e.getMessage());
    }

    @Test
    void factoryArgumentsAreChecked() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertEquals("Tensor.of: 3 values do not fill shape [2, 2] (4 elements)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(6).reshape(4, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).sum(2));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).slice(2, 5));
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).item());
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).toIntArray());
    }

    @Test
    void unknownOrUnavailableDevicesExplainThemselves() {
        var e = assertThrows(IllegalArgumentException.class, () -> Device.of("tpu:0"));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'"), e.getMessage());
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
        var index = assertThrows(IllegalArgumentException.class, () -> Device.of("reference:3"));
        assertTrue(index.getMessage().contains("has 1 device(s)"), index.getMessage());
    }

    @Test
    void noGradRecordsNothingAndDetachLeavesTheGraph() {
        Tensor x = Tensor.ones(2).requiresGrad();
        try (var ignored = NoGrad.open()) {
            assertFalse(x.mul(2f).isRequiresGrad());
        }
        assertTrue(x.mul(2f).isRequiresGrad());
        assertFalse(x.mul(2f).detach().isRequiresGrad());
    }

    @Test
    void anomalyModeNamesTheFirstOpProducingNaN() {
        Tensor x = Tensor.of(new float[] {-1f, 4f}).requiresGrad();
        Anomaly.enable();
        try {
            var e = assertThrows(ArithmeticException.class, () -> x.mul(2f).sqrt().sum());
            assertTrue(e.getMessage().startsWith("anomaly: sqrt produced NaN at flat index 0"), e.getMessage());
        } finally {
            Anomaly.disable();
        }
    }

    @Test
    void seedGradientMustBeFloatingPoint() {
        Tensor x = Tensor.ones(2).requiresGrad();
        var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward(Tensor.of(new int[] {1, 1})));
        assertTrue(e.getMessage().startsWith("backward (the seed gradient): expected a floating-point tensor"),
                e.getMessage());
    }

    @Test
    void argmaxOverAnEmptyAxis() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 0).argmax(1));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    }

    @Test
    void copyIntoAnExpandedViewIsRefused() {
        Tensor base = Tensor.zeros(1, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> base.expand(4, 3).copyFrom(Tensor.ones(4, 3)));
        assertTrue(e.getMessage().contains("expanded view"), e.getMessage());
    }

    @Test
    void emptyInnerDimensionGivesZerosPlusBias() {
        // [2, 0] @ [0, 3] = 0;  linear with no input features = bias in every row
        assertArrayEquals(new float[6], Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)).toFloatArray());
        Tensor y = Tensor.linear(Tensor.zeros(2, 0), Tensor.zeros(3, 0), Tensor.of(new float[] {1, 2, 3}));
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, y.toFloatArray());
    }

    @Test
    void tensorsBeyondTwoToTheThirtyOneElementsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Device.reference(), DType.F32, 65536, 32769));
        assertTrue(e.getMessage().contains("at most 2147483647"), e.getMessage());
    }
}
