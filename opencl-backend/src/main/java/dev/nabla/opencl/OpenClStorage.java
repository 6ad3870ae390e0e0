package dev.nabla.opencl;

import dev.nabla.DType;
import dev.nabla.backend.Storage;
import org.jocl.cl_mem;

/**
 * A block of device memory from {@link OpenClAllocator}: {@code numel} elements requested, held
 * in a buffer of {@code capacityBytes} (its size class), possibly reused from the cache.
 */
final class OpenClStorage implements Storage {

    private final DType dtype;
    private final long numel;
    private final cl_mem memory;
    private final long capacityBytes;
    private boolean freed;

    OpenClStorage(DType dtype, long numel, cl_mem memory, long capacityBytes) {
        this.dtype = dtype;
        this.numel = numel;
        this.memory = memory;
        this.capacityBytes = capacityBytes;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long numel() {
        return numel;
    }

    cl_mem memory() {
        return memory;
    }

    long capacityBytes() {
        return capacityBytes;
    }

    /** Marks the storage freed; false if it already was (a double free). Guarded by the allocator. */
    boolean markFreed() {
        if (freed) {
            return false;
        }
        freed = true;
        return true;
    }

    /** The buffer of a storage this backend allocated. */
    static cl_mem memoryOf(Storage storage) {
        return ((OpenClStorage) storage).memory;
    }

    @Override
    public String toString() {
        return "OpenClStorage[" + dtype + " x " + numel + ", " + capacityBytes + " bytes]";
    }
}
