package dev.nabla.kernels.host;

import dev.nabla.DType;
import dev.nabla.backend.Storage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A block of device memory from a {@link CachingAllocator}: {@code numel} elements requested,
 * held in a block of {@code capacityBytes} (its size class), possibly reused from the cache.
 *
 * @param <H> the driver's handle of the block (an OpenCL {@code cl_mem}, a CUDA device pointer)
 */
public final class DeviceStorage<H> implements Storage {

    private final DType dtype;
    private final long numel;
    private final H handle;
    private final long capacityBytes;
    // NOTE: atomic rather than guarded by a caller's lock, so that two threads freeing the same
    // storage cannot both return its block to the cache whichever path they take.
    private final AtomicBoolean freed = new AtomicBoolean();

    public DeviceStorage(DType dtype, long numel, H handle, long capacityBytes) {
        this.dtype = dtype;
        this.numel = numel;
        this.handle = handle;
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

    public H handle() {
        return handle;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Marks the storage freed; false if it already was (a double free). */
    boolean markFreed() {
        return freed.compareAndSet(false, true);
    }

    /**
     * The handle of {@code storage}, which a backend allocated with handles of {@code type}.
     *
     * @throws ClassCastException if another backend allocated it
     */
    public static <H> H handle(Storage storage, Class<H> type) {
        return type.cast(((DeviceStorage<?>) storage).handle);
    }

    @Override
    public String toString() {
        return "DeviceStorage[" + dtype + " x " + numel + ", " + capacityBytes + " bytes]";
    }
}
