package dev.nabla.backend;

import java.util.Arrays;

/**
 * How a tensor reads its {@link Storage}: element {@code (i0, i1, ...)} lives at
 * {@code offset + i0*strides[0] + i1*strides[1] + ...}.
 *
 * <p>Strides are in elements, not bytes. A stride of 0 repeats one element along that axis: that is
 * how broadcasting reaches the backends without copies. A rank-0 layout (empty shape) is a scalar.
 */
public record Layout(int[] shape, int[] strides, int offset) {

    public Layout {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException(
                    "layout: shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides)
                            + " differ in rank");
        }
        shape = shape.clone();
        strides = strides.clone();
    }

    /** Row-major contiguous layout of the given shape at offset 0. */
    public static Layout contiguous(int... shape) {
        return new Layout(shape, contiguousStrides(shape), 0);
    }

    /** Row-major strides for a shape: the last axis moves fastest. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            strides[axis] = stride;
            stride *= shape[axis];
        }
        return strides;
    }

    /**
     * Number of elements a tensor of this shape has (1 for a scalar). A product beyond a long (e.g.
     * three axes of 2³¹ − 1) is refused rather than wrapped to a small or negative count.
     */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape)
                        + " has more elements than a long can count (over 2^63 - 1)", e);
            }
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return numel(shape);
    }

    /** {@code shape()[axis]}, without the defensive copy. */
    public int dim(int axis) {
        return shape[axis];
    }

    /** {@code strides()[axis]}, without the defensive copy. */
    public int stride(int axis) {
        return strides[axis];
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    /**
     * True when the elements are row-major and dense (no gaps, no repeats). The offset is not
     * checked: a contiguous layout may start anywhere in its block.
     */
    public boolean isContiguous() {
        int expected = 1;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            if (shape[axis] != 1 && strides[axis] != expected) {
                return false;
            }
            expected *= shape[axis];
        }
        return true;
    }

    /**
     * Storage index of the element with the given flat row-major index. Backends that walk a
     * strided layout element by element use this; fast paths check {@link #isContiguous()} first.
     */
    public int indexOf(long flatIndex) {
        int index = offset;
        long rest = flatIndex;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            int d = shape[axis];
            int coordinate = (int) (rest % d);
            rest /= d;
            index += coordinate * strides[axis];
        }
        return index;
    }

    /**
     * The layout seen when this one is broadcast to {@code target} (NumPy rules: align trailing
     * axes; an axis of size 1, or a missing leading axis, repeats with stride 0).
     *
     * @throws IllegalArgumentException if the shapes are not broadcast-compatible
     */
    public Layout broadcastTo(int[] target) {
        if (target.length < shape.length) {
            throw new IllegalArgumentException(
                    "cannot broadcast " + Arrays.toString(shape) + " to " + Arrays.toString(target));
        }
        int[] newStrides = new int[target.length];
        int lead = target.length - shape.length;
        for (int axis = 0; axis < target.length; axis++) {
            if (axis < lead) {
                newStrides[axis] = 0;
                continue;
            }
            int d = shape[axis - lead];
            if (d == target[axis]) {
                newStrides[axis] = d == 1 ? 0 : strides[axis - lead];
            } else if (d == 1) {
                newStrides[axis] = 0;
            } else {
                throw new IllegalArgumentException(
                        "cannot broadcast " + Arrays.toString(shape) + " to " + Arrays.toString(target));
            }
        }
        return new Layout(target, newStrides, offset);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Layout that
                && offset == that.offset
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(strides, that.strides);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + Arrays.hashCode(strides)) + offset;
    }

    @Override
    public String toString() {
        return "Layout" + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " offset " + offset;
    }
}
