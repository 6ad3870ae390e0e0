package dev.nabla.io;

import dev.nabla.DType;
import java.util.Arrays;

/**
 * One named tensor's content as plain Java data: a dtype, a shape and a row-major array. This is
 * what {@link Safetensors} reads and writes, so checkpointing does not depend on where a tensor
 * lives (heap, GPU); the caller copies in and out.
 *
 * <p>The array is not copied (weights can be large); do not mutate it while it is being written.
 * {@code equals} compares content, unlike a record holding a bare array would.
 */
public sealed interface NamedArray permits NamedArray.F32, NamedArray.I32, NamedArray.Bits16 {

    DType dtype();

    /** Dimensions, outermost first; {@code []} is a scalar holding one element. */
    int[] shape();

    /** Number of elements, the product of the shape. */
    default long numel() {
        return numel(shape());
    }

    /** The float data; throws if this is not an F32 array. */
    default float[] floats() {
        if (this instanceof F32(var s, var data)) {
            return data;
        }
        throw new IllegalStateException("array is " + dtype() + ", not F32");
    }

    /** The int data; throws if this is not an I32 array. */
    default int[] ints() {
        if (this instanceof I32(var s, var data)) {
            return data;
        }
        throw new IllegalStateException("array is " + dtype() + ", not I32");
    }

    /** The raw 16-bit patterns; throws if this is not a BF16 or F16 array. */
    default short[] bits() {
        if (this instanceof Bits16(var d, var s, var data)) {
            return data;
        }
        throw new IllegalStateException("array is " + dtype() + ", not BF16 or F16");
    }

    static F32 f32(float[] data, int... shape) {
        return new F32(shape, data);
    }

    static I32 i32(int[] data, int... shape) {
        return new I32(shape, data);
    }

    /** 32-bit float array. */
    record F32(int[] shape, float[] data) implements NamedArray {
        public F32 {
            checkShape(shape, data.length);
            shape = shape.clone();
        }

        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof F32 other && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "F32" + Arrays.toString(shape);
        }
    }

    /** BF16 or F16 bits from {@code Tensor.toBits()}. */
    static Bits16 bits16(DType dtype, short[] data, int... shape) {
        return new Bits16(dtype, shape, data);
    }

    /** A 16-bit floating array (BF16 or F16) as raw bit patterns, so a save and a load are bit-exact. */
    record Bits16(DType dtype, int[] shape, short[] data) implements NamedArray {
        public Bits16 {
            if (!dtype.isHalf()) {
                throw new IllegalArgumentException("Bits16 holds BF16 or F16, not " + dtype);
            }
            checkShape(shape, data.length);
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bits16 other && dtype == other.dtype && Arrays.equals(shape, other.shape)
                    && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return dtype + Arrays.toString(shape);
        }
    }

    /** 32-bit signed integer array. */
    record I32(int[] shape, int[] data) implements NamedArray {
        public I32 {
            checkShape(shape, data.length);
            shape = shape.clone();
        }

        @Override
        public DType dtype() {
            return DType.I32;
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof I32 other && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "I32" + Arrays.toString(shape);
        }
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static void checkShape(int[] shape, int length) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        if (numel(shape) != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + numel(shape)
                    + " elements but the array has " + length);
        }
    }
}
