package dev.nabla.amp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.optim.Adam;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The region itself: which dtypes it takes, nesting and close order, per-thread state, the weight
 * cast cache, backward with autocast off. The op lists are in {@code AutocastConformance}, run on
 * every backend.
 */
class AutocastTest {

    @Test
    void onlySixteenBitFloatingTypesOpenARegion() {
        var i32 = assertThrows(IllegalArgumentException.class, () -> Autocast.open(DType.I32));
        assertEquals("Autocast.open: dtype must be BF16 or F16 (a 16-bit floating type), got I32 (int32)",
                i32.getMessage());
        var f32 = assertThrows(IllegalArgumentException.class, () -> Autocast.open(DType.F32));
        assertEquals("Autocast.open: dtype must be BF16 or F16 (a 16-bit floating type), got F32 (float32)",
                f32.getMessage());
        assertFalse(Autocast.isEnabled(), "a refused open leaves no region behind");
    }

    @Test
    void stateIsPerThreadAndVirtualThreadsStartWithoutARegion() throws Exception {
        try (var ac = Autocast.open(DType.BF16)) {
            assertEquals(Optional.of(DType.BF16), Autocast.lowerPrecisionType());
            AtomicReference<DType> seen = new AtomicReference<>(DType.I32);
            Thread t = Thread.ofVirtual().start(() -> {
                seen.set(Tensor.ones(2, 2).matmul(Tensor.ones(2, 2)).dtype());
                try (var inner = Autocast.open(DType.F16)) {
                    assertEquals(Optional.of(DType.F16), Autocast.lowerPrecisionType());
                }
            });
            t.join();
            assertEquals(DType.F32, seen.get(), "another thread is outside this thread's region");
            assertEquals(Optional.of(DType.BF16), Autocast.lowerPrecisionType(), "untouched by the other thread");
        }
        assertEquals(Optional.empty(), Autocast.lowerPrecisionType());
    }

    @Test
    void regionsCloseInnermostFirstAndCloseIsIdempotent() {
        Autocast outer = Autocast.open(DType.BF16);
        Autocast inner = Autocast.disabled();
        var e = assertThrows(IllegalStateException.class, outer::close);
        assertEquals("Autocast.close: regions must close innermost first; this BF16 region is not the innermost"
                + " open one (disabled)", e.getMessage());
        inner.close();
        inner.close();
        assertTrue(Autocast.isEnabled());
        outer.close();
        assertFalse(Autocast.isEnabled());
    }

    @Test
    void aWeightUsedTwiceIsCastOnceAndTheCacheEmptiesOnClose() {
        Tensor w = Tensor.randn(4, 3).requiresGrad();
        Tensor x = Tensor.randn(2, 3);
        Tensor activation = Tensor.randn(3, 4);
        try (var ac = Autocast.open(DType.BF16)) {
            Tensor[] first = Autocast.lowerPrecisionOperands(x, w);
            Tensor[] second = Autocast.lowerPrecisionOperands(x.mul(2f), w);
            assertSame(first[1], second[1], "the parameter's BF16 copy is reused");
            assertEquals(1, Autocast.cachedCasts(DType.BF16));
            // an activation (no requiresGrad) and a non-leaf are cast each time, not kept
            Autocast.lowerPrecisionOperands(activation, w.mul(1f));
            assertEquals(1, Autocast.cachedCasts(DType.BF16));
            try (var nested = Autocast.open(DType.F16)) {
                Autocast.lowerPrecisionOperands(x, w);
                assertEquals(1, Autocast.cachedCasts(DType.F16), "one copy per dtype");
            }
            assertEquals(1, Autocast.cachedCasts(DType.BF16), "an inner region's close keeps the outer cache");
            // two uses of the weight, one cast: both products record the same cast node, and the
            // weight's gradient is the sum of both uses
            Tensor loss = x.matmul(w.t()).sum().add(x.mul(2f).matmul(w.t()).sum());
            loss.backward();
        }
        assertEquals(0, Autocast.cachedCasts(DType.BF16), "cleared when the outermost region closes");
        assertEquals(0, Autocast.cachedCasts(DType.F16));
        Tensor grad = w.grad().orElseThrow();
        assertEquals(DType.F32, grad.dtype());
        // d/dw of sum(x wᵀ) + sum(2x wᵀ) is 3 · (column sums of x) in every row
        float[] xs = x.toFloatArray();
        float[] g = grad.toFloatArray();
        for (int row = 0; row < 4; row++) {
            for (int col = 0; col < 3; col++) {
                float expected = 3 * (xs[col] + xs[3 + col]);
                assertEquals(expected, g[row * 3 + col], 0.03f * Math.abs(expected) + 0.03f, "dL/dw[" + row + "," + col + "]");
            }
        }
    }

    @Test
    void aCastClosedByAnInnerScopeIsCastAgain() {
        Tensor w = Tensor.randn(4, 3).requiresGrad();
        try (var ac = Autocast.open(DType.BF16)) {
            Tensor first;
            try (Scope step = Scope.open()) {
                first = Autocast.lowerPrecisionOperands(w)[0];
            }
            assertTrue(first.isClosed());
            Tensor again = Autocast.lowerPrecisionOperands(w)[0];
            assertFalse(again.isClosed());
            assertEquals(DType.BF16, again.dtype());
        }
    }

    @Test
    void backwardInsideARegionRunsWithAutocastOff() {
        Tensor w = Tensor.randn(3, 3).requiresGrad();
        Tensor x = Tensor.randn(5, 3);
        try (var ac = Autocast.open(DType.BF16)) {
            x.matmul(w).sum().backward();
            assertTrue(Autocast.isEnabled(), "the region is still open after backward");
        }
        // dW = xᵀ · ones: in F32 from BF16 operands, never a BF16 GEMM of F32 gradients
        assertEquals(DType.F32, w.grad().orElseThrow().dtype());
    }

    @Test
    void optimizersStillRefuseSixteenBitParametersInsideARegion() {
        try (var ac = Autocast.open(DType.BF16)) {
            Tensor weight = Tensor.zeros(DType.BF16, 2, 2).requiresGrad();
            var e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(weight), 1e-3f));
            assertEquals("Adam: parameter 0 [2, 2] is BF16; only F32 tensors can be optimized", e.getMessage());
        }
    }
}
