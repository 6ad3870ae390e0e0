package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.DType;
import dev.nabla.backend.Layout;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** The dense fast path of {@code copyInto} (one arraycopy) against the reference's element loop. */
class CopyIntoTest {

    @Test
    void denseBlocksLandWhereTheReferencePutsThemForEveryDtype() {
        for (DType dtype : DType.values()) {
            HeapStorage src = new HeapStorage(dtype, 40);
            HeapStorage fast = new HeapStorage(dtype, 60);
            HeapStorage slow = new HeapStorage(dtype, 60);
            fillDistinct(src);
            // rows 2..4 of a [5, 8] source into rows 3..5 of a [7, 8] destination (both offset views)
            Layout from = new Layout(new int[] {3, 8}, new int[] {8, 1}, 16);
            Layout to = new Layout(new int[] {3, 8}, new int[] {8, 1}, 24);
            new CpuBackend().copyInto(src, from, fast, to);
            new ReferenceBackend().copyInto(src, from, slow, to);
            assertArrayEquals(bits(slow), bits(fast), dtype.toString());
            // a transposed (non-dense) source still takes the element loop
            Layout transposed = new Layout(new int[] {5, 8}, new int[] {1, 5}, 0);
            Layout dense = new Layout(new int[] {5, 8}, new int[] {8, 1}, 4);
            new CpuBackend().copyInto(src, transposed, fast, dense);
            new ReferenceBackend().copyInto(src, transposed, slow, dense);
            assertArrayEquals(bits(slow), bits(fast), dtype + " transposed");
        }
    }

    private static void fillDistinct(HeapStorage s) {
        for (int i = 0; i < s.numel(); i++) {
            switch (s.dtype()) {
                case F32 -> HeapStorage.floats(s)[i] = i + 0.5f;
                case I32 -> HeapStorage.ints(s)[i] = i * 3;
                case BF16, F16 -> HeapStorage.shorts(s)[i] = (short) (i * 7 + 1);
            }
        }
    }

    private static long[] bits(HeapStorage s) {
        long[] out = new long[(int) s.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (s.dtype()) {
                case F32 -> Float.floatToRawIntBits(HeapStorage.floats(s)[i]);
                case I32 -> HeapStorage.ints(s)[i];
                case BF16, F16 -> HeapStorage.shorts(s)[i];
            };
        }
        return out;
    }
}
