package dev.nabla;

/**
 * Element types a {@link Tensor} can hold.
 *
 * <p>{@code F32} carries every differentiable value by default; {@code I32} carries labels, indices
 * and the result of {@code argmax}. {@code BF16} and {@code F16} are the 16-bit storage types of
 * mixed precision: two bytes per element on every backend, converted to and from F32 with
 * round-to-nearest-even exactly as PyTorch does ({@link dev.nabla.backend.HalfPrecision}), and
 * computed in F32 inside every op.
 */
public enum DType {
    /** 32-bit IEEE-754 float. */
    F32(4, "float32"),
    /** 32-bit two's-complement integer. */
    I32(4, "int32"),
    /** bfloat16: F32's sign and 8-bit exponent with 7 mantissa bits (F32's upper half). */
    BF16(2, "bfloat16"),
    /** IEEE-754 binary16: 5-bit exponent, 10 mantissa bits, subnormals below 2^-14. */
    F16(2, "float16");

    private final int byteSize;
    private final String pytorchName;

    DType(int byteSize, String pytorchName) {
        this.byteSize = byteSize;
        this.pytorchName = pytorchName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name PyTorch and NumPy use for this type, for messages a PyTorch user recognises. */
    public String pytorchName() {
        return pytorchName;
    }

    /** True for the floating types (F32, BF16, F16): the ones arithmetic and autograd accept. */
    public boolean isFloatingPoint() {
        return this != I32;
    }

    /** True for the 16-bit floating types, BF16 and F16. */
    public boolean isHalf() {
        return this == BF16 || this == F16;
    }

    /**
     * The result type of an element-wise op on floating types {@code a} and {@code b}, as PyTorch
     * promotes: equal types stay, F32 wins over a 16-bit type, and BF16 with F16 gives F32 (neither
     * holds the other's values).
     */
    public static DType promote(DType a, DType b) {
        return a == b ? a : F32;
    }
}
