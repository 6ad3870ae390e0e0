package dev.nabla.cuda;

import dev.nabla.DType;
import dev.nabla.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * A block of device memory from the caching allocator: {@code numel} elements requested, held in
 * a block of {@code capacityBytes} (its size class), possibly reused from the cache.
 */
final class CudaStorage implements Storage {

    private final DType dtype;
    private final long numel;
    private final DeviceBlock block;
    private final long capacityBytes;
    private boolean freed;

    CudaStorage(DType dtype, long numel, DeviceBlock block, long capacityBytes) {
        this.dtype = dtype;
        this.numel = numel;
        this.block = block;
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

    DeviceBlock block() {
        return block;
    }

    long capacityBytes() {
        return capacityBytes;
    }

    /** The block's start, as JCuda passes it to kernels and copies. */
    CUdeviceptr pointer() {
        return block.pointer();
    }

    /** The device address of element {@code elementOffset} (4-byte elements), for cuBLAS. */
    long address(long elementOffset) {
        return block.address() + 4L * elementOffset;
    }

    /** Marks the storage freed; false if it already was (a double free). Guarded by the backend. */
    synchronized boolean markFreed() {
        if (freed) {
            return false;
        }
        freed = true;
        return true;
    }

    static CudaStorage of(Storage storage) {
        return (CudaStorage) storage;
    }

    @Override
    public String toString() {
        return "CudaStorage[" + dtype + " x " + numel + ", " + capacityBytes + " bytes]";
    }
}
