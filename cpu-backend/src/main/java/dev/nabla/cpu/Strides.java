package dev.nabla.cpu;

import dev.nabla.backend.Layout;

/**
 * Several layouts of one shape walked together, simplified so kernels see as few axes as possible:
 * axes of size 1 are dropped and neighbouring axes merge wherever every layout steps through them
 * as one (a contiguous tensor becomes one long row; {@code [rows, cols] + [cols]} stays two axes).
 *
 * <p>Kernels walk the result as {@link #rows()} rows of {@link #cols()} elements; along a row,
 * operand {@code k} moves by {@link #innerStride(int) innerStride(k)}, which is 1 (dense), 0
 * (broadcast) or anything else (a strided view).
 */
final class Strides {

    private final int[] shape;
    private final int[][] strides;
    private final int[] offsets;

    private Strides(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
    }

    /** Simplifies {@code layouts}, which must all have the same shape. */
    static Strides of(Layout... layouts) {
        int operands = layouts.length;
        int rank = layouts[0].rank();
        int[] shape = new int[Math.max(1, rank)];
        int[][] strides = new int[operands][shape.length];
        int[] offsets = new int[operands];
        for (int k = 0; k < operands; k++) {
            offsets[k] = layouts[k].offset();
        }
        // Walk axes from the innermost outwards, appending kept axes at the front of the output.
        int kept = 0;
        int position = shape.length;
        for (int axis = rank - 1; axis >= 0; axis--) {
            int size = layouts[0].dim(axis);
            if (size == 1) {
                continue;
            }
            if (kept > 0 && mergeable(layouts, axis, strides, position, shape[position])) {
                shape[position] *= size;
                continue;
            }
            position--;
            kept++;
            shape[position] = size;
            for (int k = 0; k < operands; k++) {
                strides[k][position] = layouts[k].stride(axis);
            }
        }
        if (kept == 0) {
            // A scalar or all-ones shape: one row of one element.
            return new Strides(new int[] {1}, new int[operands][1], offsets);
        }
        int[] finalShape = java.util.Arrays.copyOfRange(shape, position, shape.length);
        int[][] finalStrides = new int[operands][];
        for (int k = 0; k < operands; k++) {
            finalStrides[k] = java.util.Arrays.copyOfRange(strides[k], position, shape.length);
        }
        return new Strides(finalShape, finalStrides, offsets);
    }

    /** True when axis {@code axis} steps, in every layout, exactly over the merged axis after it. */
    private static boolean mergeable(Layout[] layouts, int axis, int[][] strides, int position, int innerSize) {
        for (int k = 0; k < layouts.length; k++) {
            if ((long) layouts[k].stride(axis) != (long) strides[k][position] * innerSize) {
                return false;
            }
        }
        return true;
    }

    int rank() {
        return shape.length;
    }

    int dim(int axis) {
        return shape[axis];
    }

    int stride(int operand, int axis) {
        return strides[operand][axis];
    }

    /** Product of every axis but the last. */
    int rows() {
        int rows = 1;
        for (int axis = 0; axis < shape.length - 1; axis++) {
            rows *= shape[axis];
        }
        return rows;
    }

    /** Size of the last axis. */
    int cols() {
        return shape[shape.length - 1];
    }

    int innerStride(int operand) {
        return strides[operand][shape.length - 1];
    }

    /** Storage index of the first element of {@code row} for operand {@code operand}. */
    int rowOffset(int operand, int row) {
        int index = offsets[operand];
        int rest = row;
        int[] s = strides[operand];
        for (int axis = shape.length - 2; axis >= 0; axis--) {
            int d = shape[axis];
            index += (rest % d) * s[axis];
            rest /= d;
        }
        return index;
    }

    /** Visits every (row, column range) segment, splitting rows, or columns when rows are few, across threads. */
    void forEachSegment(Segment body) {
        int rows = rows();
        int cols = cols();
        int chunks = CpuThreads.chunksFor((long) rows * cols);
        if (rows >= chunks) {
            CpuThreads.parallelRanges(rows, chunks, 1, (start, end) -> {
                for (int row = start; row < end; row++) {
                    body.visit(row, 0, cols);
                }
            });
        } else {
            CpuThreads.parallelRanges(cols, chunks, 64, (start, end) -> {
                for (int row = 0; row < rows; row++) {
                    body.visit(row, start, end);
                }
            });
        }
    }

    /** Work on columns {@code [from, to)} of one row. */
    @FunctionalInterface
    interface Segment {
        void visit(int row, int from, int to);
    }
}
