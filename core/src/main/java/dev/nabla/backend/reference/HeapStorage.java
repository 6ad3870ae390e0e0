package dev.nabla.backend.reference;

import dev.nabla.DType;
import dev.nabla.backend.Storage;

/**
 * Storage on the Java heap: a {@code float[]} for F32, an {@code int[]} for I32, a {@code short[]}
 * of raw bits for BF16 and F16 (two bytes an element, as on a GPU). Shared by the reference backend
 * and the Vector-API CPU backend.
 */
public final class HeapStorage implements Storage {

    private final DType dtype;
    private final long numel;
    private final float[] floats;
    private final int[] ints;
    private final short[] shorts;

    /** Allocates a zeroed block (Java arrays are zeroed; the SPI promises nothing, callers may rely on nothing). */
    public HeapStorage(DType dtype, long numel) {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "allocate: " + numel + " elements exceed the largest Java array; the CPU backends hold at most "
                            + (Integer.MAX_VALUE - 8) + " elements per tensor");
        }
        this.dtype = dtype;
        this.numel = numel;
        this.floats = dtype == DType.F32 ? new float[(int) numel] : null;
        this.ints = dtype == DType.I32 ? new int[(int) numel] : null;
        this.shorts = dtype.isHalf() ? new short[(int) numel] : null;
    }

    /** The backing float array; only for F32 storage. */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("storage holds " + dtype + ", not F32");
        }
        return floats;
    }

    /** The backing int array; only for I32 storage. */
    public int[] ints() {
        if (ints == null) {
            throw new IllegalStateException("storage holds " + dtype + ", not I32");
        }
        return ints;
    }

    /** The backing array of 16-bit patterns; only for BF16 and F16 storage. */
    public short[] shorts() {
        if (shorts == null) {
            throw new IllegalStateException("storage holds " + dtype + ", not a 16-bit type");
        }
        return shorts;
    }

    /** Casts SPI storage back to heap storage; a backend only ever receives its own storage. */
    public static HeapStorage of(Storage storage) {
        return (HeapStorage) storage;
    }

    /** Shorthand for {@code of(storage).floats()}. */
    public static float[] floats(Storage storage) {
        return ((HeapStorage) storage).floats();
    }

    /** Shorthand for {@code of(storage).ints()}. */
    public static int[] ints(Storage storage) {
        return ((HeapStorage) storage).ints();
    }

    /** Shorthand for {@code of(storage).shorts()}. */
    public static short[] shorts(Storage storage) {
        return ((HeapStorage) storage).shorts();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long numel() {
        return numel;
    }

    @Override
    public String toString() {
        return "HeapStorage[" + dtype + " x " + numel + "]";
    }
}
