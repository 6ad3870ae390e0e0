package dev.nabla.opencl;

import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clReleaseMemObject;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/**
 * A caching allocator: freed buffers go to a bin for their size class and serve later requests
 * of that class without a driver call. Classes are the multiples of a quarter of the power of two
 * below the request (at least 256 bytes), so a block wastes at most 25%.
 *
 * <p>Out of memory: the budget is the device's global memory. When a request does not fit
 * beside the blocks in use and in the cache, or the driver refuses it, every cached block is
 * released and the request retried once; if it still fails, an
 * {@link OutOfDeviceMemoryException} names the requested and available bytes.
 *
 * <p>SAFETY: a cached block may be handed out while kernels queued earlier still read it. That
 * is safe only because every command goes to one in-order queue: whatever the new owner
 * enqueues runs after those reads. clReleaseMemObject likewise defers the real release until
 * queued commands using the buffer have finished.
 */
final class OpenClAllocator {

    static final long MIN_BLOCK_BYTES = 256;

    private final cl_context context;
    private final String deviceName;
    private final long budgetBytes;
    private final long maxBlockBytes;
    private final Map<Long, ArrayDeque<cl_mem>> bins = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;
    private long allocations;

    /**
     * @param budgetBytes   total device memory the allocator may hold (CL_DEVICE_GLOBAL_MEM_SIZE)
     * @param maxBlockBytes largest single buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE)
     */
    private Runnable drain = () -> { };

    OpenClAllocator(cl_context context, String deviceName, long budgetBytes, long maxBlockBytes) {
        this.context = context;
        this.deviceName = deviceName;
        this.budgetBytes = budgetBytes;
        this.maxBlockBytes = maxBlockBytes;
    }

    /** The bytes a request of {@code bytes} occupies: its size class. */
    static long sizeClass(long bytes) {
        return dev.nabla.kernels.host.SizeClasses.of(bytes, MIN_BLOCK_BYTES);
    }

    /**
     * Work to run before retrying an allocation that failed for memory: waiting for queued
     * commands, since the driver frees a released buffer only once commands using it finish.
     */
    void setDrain(Runnable drain) {
        this.drain = drain;
    }

    synchronized OpenClStorage allocate(DType dtype, long numel) {
        long requested = numel * dtype.byteSize();
        long size = sizeClass(requested);
        if (size > maxBlockBytes && requested <= maxBlockBytes) {
            // NOTE: the class rounds up by as much as 25 %; near the device's largest buffer take
            // the request itself (256-byte aligned) rather than refuse memory that is there.
            size = Math.min(maxBlockBytes, (requested + 255) / 256 * 256);
        }
        if (size > maxBlockBytes) {
            throw new OutOfDeviceMemoryException(deviceName, requested, maxBlockBytes,
                    "the device's largest single buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE) is " + maxBlockBytes + " bytes");
        }
        cl_mem memory = takeCached(size);
        if (memory == null) {
            memory = createWithRetry(requested, size);
        }
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        allocations++;
        return new OpenClStorage(dtype, numel, memory, size);
    }

    synchronized void free(OpenClStorage storage) {
        if (!storage.markFreed()) {
            throw new IllegalStateException(deviceName + ": " + storage + " freed twice");
        }
        bytesInUse -= storage.capacityBytes();
        bytesCached += storage.capacityBytes();
        bins.computeIfAbsent(storage.capacityBytes(), size -> new ArrayDeque<>()).push(storage.memory());
    }

    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, bytesCached, peakBytesInUse, allocations);
    }

    /** Returns every cached block to the driver. */
    synchronized void emptyCache() {
        for (ArrayDeque<cl_mem> bin : bins.values()) {
            for (cl_mem memory : bin) {
                clReleaseMemObject(memory);
            }
        }
        bins.clear();
        bytesCached = 0;
    }

    private cl_mem takeCached(long size) {
        ArrayDeque<cl_mem> bin = bins.get(size);
        if (bin == null || bin.isEmpty()) {
            return null;
        }
        bytesCached -= size;
        return bin.pop();
    }

    private cl_mem createWithRetry(long requested, long size) {
        if (bytesInUse + bytesCached + size > budgetBytes) {
            drain.run();
            emptyCache();
        }
        if (bytesInUse + size > budgetBytes) {
            throw outOfMemory(requested, "");
        }
        try {
            return create(size);
        } catch (CLException first) {
            if (!isOutOfMemory(first)) {
                throw new IllegalStateException(deviceName + ": clCreateBuffer(" + size + " bytes) failed: "
                        + first.getMessage(), first);
            }
            drain.run();
            emptyCache();
            try {
                return create(size);
            } catch (CLException second) {
                throw outOfMemory(requested, "the driver refused the buffer: " + second.getMessage());
            }
        }
    }

    private cl_mem create(long size) {
        return clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, null);
    }

    private OutOfDeviceMemoryException outOfMemory(long requested, String detail) {
        long available = Math.max(0, budgetBytes - bytesInUse);
        String text = bytesInUse + " bytes in use by live tensors of " + budgetBytes + " on the device"
                + (detail.isEmpty() ? "" : "; " + detail);
        return new OutOfDeviceMemoryException(deviceName, requested, available, text);
    }

    private static boolean isOutOfMemory(CLException e) {
        int status = e.getStatus();
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
                || status == CL_OUT_OF_HOST_MEMORY;
    }
}
