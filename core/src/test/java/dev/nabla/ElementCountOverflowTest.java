package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 17: element counts that overflow a long (or exceed what kernels index) are refused by name. */
class ElementCountOverflowTest {

    @Test
    void aShapeWhoseElementCountOverflowsALongIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(Device.reference(), 65536, 65536, 65536, 65536));
        assertTrue(e.getMessage().startsWith("zeros: shape [65536, 65536, 65536, 65536]"), e.getMessage());
        assertTrue(e.getMessage().contains("more elements than a long can count"), e.getMessage());
        for (var factory : new org.junit.jupiter.api.function.Executable[] {
            () -> Tensor.ones(Device.reference(), 65536, 65536, 65536, 65536),
            () -> Tensor.empty(Device.reference(), DType.F32, 65536, 65536, 65536, 65536),
            () -> Tensor.of(Device.reference(), new float[0], 0).reshape(65536, 65536, 65536, 65536),
            () -> Tensor.scalar(Device.reference(), 1f).reshape(1, 1, 1, 1).expand(65536, 65536, 65536, 65536),
        }) {
            assertThrows(IllegalArgumentException.class, factory);
        }
    }

    @Test
    void moreElementsThanKernelsIndexAreRefusedNamingTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(Device.reference(), 65536, 65536));
        assertTrue(e.getMessage().startsWith("zeros: shape [65536, 65536] has 4294967296 elements"), e.getMessage());
        assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
    }

    @Test
    void layoutNumelRefusesAProductBeyondALongInsteadOfWrapping() {
        int big = Integer.MAX_VALUE;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.nabla.backend.Layout.numel(new int[] {big, big, big}));
        assertTrue(e.getMessage().contains("more elements than a long can count"), e.getMessage());
        assertEquals((long) big * big, dev.nabla.backend.Layout.numel(new int[] {big, big}));
    }

    @Test
    void aZeroSizeAxisStillMeansNoElements() {
        assertEquals(0, Tensor.zeros(Device.reference(), 0, 65536, 65536).numel());
    }
}
