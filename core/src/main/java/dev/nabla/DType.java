package dev.nabla;

/**
 * Element types a {@link Tensor} can hold.
 *
 * <p>{@code F32} carries every differentiable value; {@code I32} carries labels, indices and the
 * result of {@code argmax}. Half-precision storage types arrive with mixed precision on GPUs.
 */
public enum DType {
    /** 32-bit IEEE-754 float. */
    F32(4, "float32"),
    /** 32-bit two's-complement integer. */
    I32(4, "int32");

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
}
