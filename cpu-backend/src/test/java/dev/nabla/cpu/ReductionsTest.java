package dev.nabla.cpu;

import static dev.nabla.cpu.Fixtures.assertClose;
import static dev.nabla.cpu.Fixtures.randomStorage;
import static dev.nabla.cpu.Fixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.DType;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Reductions and argmax against the reference backend. */
class ReductionsTest {

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(7);

    /** {outer, extent, inner}: row sums, column sums, odd widths, and sizes that go parallel. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {3, 17, 1}, {5, 1025, 1}, {1, 100_003, 1}, {2, 3, 17}, {7, 33, 1025}, {1, 300, 257},
        {4, 1, 5}, {1025, 3, 1}, {64, 40, 17}, {2, 50_000, 1}};

    @Test
    void reduceMatchesReference() {
        for (int[] s : SHAPES) {
            int n = s[0] * s[1] * s[2];
            HeapStorage src = randomStorage(random, n, 1);
            for (ReduceOp op : ReduceOp.values()) {
                HeapStorage expected = zeros(s[0] * s[2]);
                HeapStorage actual = zeros(s[0] * s[2]);
                reference.reduce(op, src, s[0], s[1], s[2], expected);
                cpu.reduce(op, src, s[0], s[1], s[2], actual);
                // NOTE: float sums of up to 1e5 terms of size 1 (reference sums in double).
                double absolute = op == ReduceOp.SUM ? 2e-7 * s[1] + 1e-6 : 0;
                assertClose(op + " " + s[0] + "x" + s[1] + "x" + s[2], expected, actual, absolute, 1e-6);
            }
        }
    }

    @Test
    void maxAndMinPropagateNaN() {
        for (int[] s : new int[][] {{3, 40, 1}, {2, 40, 19}}) {
            int n = s[0] * s[1] * s[2];
            HeapStorage src = randomStorage(random, n, 1);
            src.floats()[s[1] * s[2] + 5] = Float.NaN; // in the second outer block
            for (ReduceOp op : ReduceOp.values()) {
                HeapStorage expected = zeros(s[0] * s[2]);
                HeapStorage actual = zeros(s[0] * s[2]);
                reference.reduce(op, src, s[0], s[1], s[2], expected);
                cpu.reduce(op, src, s[0], s[1], s[2], actual);
                assertClose(op + " with NaN", expected, actual, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void argmaxMatchesReferenceWithTiesAndNaN() {
        for (int[] s : SHAPES) {
            int n = s[0] * s[1] * s[2];
            HeapStorage src = randomStorage(random, n, 1);
            float[] values = src.floats();
            for (int i = 0; i < n; i++) {
                values[i] = Math.round(values[i] * 4); // few distinct values: many ties
            }
            if (n > 10) {
                values[n / 2] = Float.NaN;
                values[n / 3] = Float.NaN;
            }
            HeapStorage expected = new HeapStorage(DType.I32, s[0] * s[2]);
            HeapStorage actual = new HeapStorage(DType.I32, s[0] * s[2]);
            reference.argmax(src, s[0], s[1], s[2], expected);
            cpu.argmax(src, s[0], s[1], s[2], actual);
            assertArrayEquals(expected.ints(), actual.ints(), "argmax " + s[0] + "x" + s[1] + "x" + s[2]);
        }
    }

    @Test
    void slabsDependOnTheShapeOnly() {
        assertEquals(1, Reductions.slabs(Reductions.SLAB_THRESHOLD - 1, 1000));
        assertEquals(2, Reductions.slabs(Reductions.SLAB_THRESHOLD, 1000));
        assertEquals(Reductions.MAX_SLABS, Reductions.slabs(1L << 30, 1000));
        assertEquals(1, Reductions.slabs(1L << 30, 1), "never more slabs than rows");
    }

    @Test
    void columnSumsAreTheSameWithOneThreadAndWithMany() {
        // A bias gradient of 128 x 512 (split into slabs): the result may not depend on who runs the slabs.
        HeapStorage src = randomStorage(random, 128 * 512, 1);
        HeapStorage pooled = zeros(512);
        HeapStorage serial = zeros(512);
        cpu.reduce(ReduceOp.SUM, src, 1, 128, 512, pooled);
        CpuThreads.parallelFor(2, chunk -> {
            if (chunk == 0) {
                // Inside a chunk the pool is busy: this call runs every slab on this thread.
                cpu.reduce(ReduceOp.SUM, src, 1, 128, 512, serial);
            }
        });
        assertArrayEquals(pooled.floats(), serial.floats());
    }
}
