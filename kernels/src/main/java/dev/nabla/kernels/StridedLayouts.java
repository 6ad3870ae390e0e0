package dev.nabla.kernels;

import dev.nabla.backend.Layout;
import java.util.Arrays;

/**
 * Prepares layouts for the element-wise kernels: merges axes that every operand walks
 * contiguously (so most calls reach the kernel with rank 1 or 2), and packs a layout into the
 * {@code StridedLayout} struct of {@code ops.c}.
 */
public final class StridedLayouts {

    /** Ints in one packed {@code StridedLayout}: shape[MAX_DIMS], strides[MAX_DIMS], rank, offset, contiguous. */
    public static final int PACKED_INTS = 2 * KernelSource.MAX_DIMS + 3;

    private StridedLayouts() {
    }

    /**
     * The same element order seen through fewer axes: axes of size 1 are dropped, and axis
     * {@code d} merges into {@code d + 1} when, in every layout, stepping once along {@code d} is
     * the same as stepping {@code shape[d+1]} times along {@code d + 1}. All layouts must have the
     * same shape.
     */
    public static Layout[] coalesce(Layout... layouts) {
        int[] shape = layouts[0].shape();
        int rank = shape.length;
        int[][] strides = new int[layouts.length][];
        for (int l = 0; l < layouts.length; l++) {
            strides[l] = layouts[l].strides();
        }
        int[] newShape = new int[rank];
        int[][] newStrides = new int[layouts.length][rank];
        int newRank = 0;
        for (int axis = 0; axis < rank; axis++) {
            if (shape[axis] == 1) {
                continue;
            }
            boolean mergeable = newRank > 0;
            for (int l = 0; l < layouts.length && mergeable; l++) {
                mergeable = newStrides[l][newRank - 1] == strides[l][axis] * shape[axis];
            }
            if (mergeable) {
                newShape[newRank - 1] *= shape[axis];
                for (int l = 0; l < layouts.length; l++) {
                    newStrides[l][newRank - 1] = strides[l][axis];
                }
            } else {
                newShape[newRank] = shape[axis];
                for (int l = 0; l < layouts.length; l++) {
                    newStrides[l][newRank] = strides[l][axis];
                }
                newRank++;
            }
        }
        Layout[] result = new Layout[layouts.length];
        int[] finalShape = Arrays.copyOf(newShape, newRank);
        for (int l = 0; l < layouts.length; l++) {
            result[l] = new Layout(finalShape, Arrays.copyOf(newStrides[l], newRank), layouts[l].offset());
        }
        return result;
    }

    /**
     * The {@code StridedLayout} struct as ints, in field order.
     *
     * @throws UnsupportedOperationException if the layout has more than {@link KernelSource#MAX_DIMS}
     *                                       axes (after {@link #coalesce}, only a tensor with that
     *                                       many genuinely strided axes does)
     */
    public static int[] pack(Layout layout) {
        int rank = layout.rank();
        if (rank > KernelSource.MAX_DIMS) {
            throw new UnsupportedOperationException("a strided view with " + rank + " non-mergeable axes ("
                    + layout + ") exceeds the GPU kernels' limit of " + KernelSource.MAX_DIMS
                    + "; call contiguous() on the tensor first");
        }
        int[] packed = new int[PACKED_INTS];
        for (int axis = 0; axis < rank; axis++) {
            packed[axis] = layout.dim(axis);
            packed[KernelSource.MAX_DIMS + axis] = layout.stride(axis);
        }
        packed[2 * KernelSource.MAX_DIMS] = rank;
        packed[2 * KernelSource.MAX_DIMS + 1] = layout.offset();
        packed[2 * KernelSource.MAX_DIMS + 2] = layout.isContiguous() ? 1 : 0;
        return packed;
    }
}
