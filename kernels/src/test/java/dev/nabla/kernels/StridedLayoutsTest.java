package dev.nabla.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.Layout;
import org.junit.jupiter.api.Test;

class StridedLayoutsTest {

    @Test
    void contiguousLayoutsCollapseToOneAxis() {
        Layout[] l = StridedLayouts.coalesce(Layout.contiguous(4, 3, 5), Layout.contiguous(4, 3, 5));
        assertArrayEquals(new int[] {60}, l[0].shape());
        assertArrayEquals(new int[] {1}, l[1].strides());
    }

    @Test
    void broadcastAxesMergeOnlyWhereEveryOperandAgrees() {
        // [3, 1] broadcast to [4, 3, 5]: strides (0, 1, 0); the output walks (15, 5, 1). Nothing merges.
        Layout b = Layout.contiguous(3, 1).broadcastTo(new int[] {4, 3, 5});
        Layout[] l = StridedLayouts.coalesce(Layout.contiguous(4, 3, 5), b);
        assertArrayEquals(new int[] {4, 3, 5}, l[0].shape());
        assertArrayEquals(new int[] {0, 1, 0}, l[1].strides());
        // A row vector broadcast over rows: [2, 3, 4] + [4]: the two leading axes merge.
        Layout row = Layout.contiguous(4).broadcastTo(new int[] {2, 3, 4});
        Layout[] merged = StridedLayouts.coalesce(Layout.contiguous(2, 3, 4), row);
        assertArrayEquals(new int[] {6, 4}, merged[0].shape());
        assertArrayEquals(new int[] {0, 1}, merged[1].strides());
    }

    @Test
    void sizeOneAxesDropAndOffsetsSurvive() {
        Layout view = new Layout(new int[] {1, 6, 1, 17}, new int[] {999, 1, 7, 6}, 5);
        Layout[] l = StridedLayouts.coalesce(view);
        assertArrayEquals(new int[] {6, 17}, l[0].shape());
        assertArrayEquals(new int[] {1, 6}, l[0].strides());
        assertEquals(5, l[0].offset());
        for (int i = 0; i < 6 * 17; i++) {
            assertEquals(view.indexOf(i), l[0].indexOf(i), "element " + i);
        }
    }

    @Test
    void scalarsPackAsContiguousRankZero() {
        int[] packed = StridedLayouts.pack(StridedLayouts.coalesce(new Layout(new int[0], new int[0], 3))[0]);
        assertEquals(StridedLayouts.PACKED_INTS, packed.length);
        assertEquals(0, packed[2 * KernelSource.MAX_DIMS]);
        assertEquals(3, packed[2 * KernelSource.MAX_DIMS + 1]);
        assertEquals(1, packed[2 * KernelSource.MAX_DIMS + 2]);
    }

    @Test
    void tooManyStridedAxesIsAClearError() {
        int rank = KernelSource.MAX_DIMS + 1;
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        for (int axis = 0; axis < rank; axis++) {
            shape[axis] = 2;
            strides[axis] = 1 << (2 * (rank - axis)); // gaps everywhere: nothing merges
        }
        Layout layout = StridedLayouts.coalesce(new Layout(shape, strides, 0))[0];
        var e = assertThrows(UnsupportedOperationException.class, () -> StridedLayouts.pack(layout));
        assertTrue(e.getMessage().contains("contiguous()"), e.getMessage());
    }
}
