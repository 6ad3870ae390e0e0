package dev.nabla.kernels.host;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import dev.nabla.backend.Storage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The caching device allocator of every GPU backend, apart from the driver so that tests can
 * drive it with a fake {@link DeviceMemory}: size-class bins, statistics, and the out-of-memory
 * path (release every cached block, retry once, then an exception naming requested, available
 * and cached bytes).
 *
 * <p>Size classes are the multiples of a quarter of the power of two below the request (at least
 * {@link #MIN_BLOCK_BYTES}), so a block wastes at most 25%; a freed block serves any later request
 * of its class without a driver call.
 *
 * <p>SAFETY: a cached block may be handed out again while kernels queued earlier still read it.
 * That is safe only because each backend queues everything on one in-order queue or stream:
 * whatever the new owner queues runs after those reads. Returning blocks to the driver
 * ({@link #emptyCache}) synchronizes first ({@link DeviceMemory#synchronize}), because queued
 * kernels may still use them.
 *
 * @param <H> the driver's handle of one block
 */
public final class CachingAllocator<H> {

    /**
     * The smallest class. NOTE: below 512 bytes live scalars, biases and per-row statistics;
     * giving them one class instead of five (256, 320, 384, 448, 512) lets any small tensor reuse
     * any small cached block, for at most 512 wasted bytes each. Drivers align blocks to 256 bytes
     * or more anyway, so the finer classes the OpenCL backend once had saved little real memory.
     * PyTorch's CUDA caching allocator settled on the same minimum.
     */
    public static final long MIN_BLOCK_BYTES = 512;

    /** A request near the device's largest buffer is rounded to this instead of to its class. */
    private static final long ALIGNMENT_BYTES = 256;

    /** The driver side: allocate, release and query device memory, and wait for queued work. */
    public interface DeviceMemory<H> {
        /** A new block of {@code bytes}, or null when the driver reports out of memory (other errors throw). */
        H allocate(long bytes);

        /** Returns a block to the driver. */
        void release(H block);

        /** Free bytes on the device as the driver sees them now; negative where the API cannot say. */
        long freeBytes();

        /** Waits until queued work has finished (before blocks it may use go back to the driver). */
        void synchronize();
    }

    /**
     * What the allocator enforces itself, beyond what the driver refuses.
     *
     * @param budgetBytes   total bytes the allocator may hold, in use and cached
     * @param maxBlockBytes the largest single block
     * @param maxBlockName  where {@code maxBlockBytes} comes from, for the message when a request exceeds it
     */
    public record Limits(long budgetBytes, long maxBlockBytes, String maxBlockName) {
        /** Only the driver's own refusals. */
        public static final Limits NONE = new Limits(Long.MAX_VALUE, Long.MAX_VALUE, "");
    }

    /**
     * What the allocator did, beyond {@link MemoryStats} (whose {@code allocations} is {@code requests}).
     *
     * @param requests          allocate calls served, from the cache or from the driver
     * @param cacheHits         of those, served by a cached block without a driver call
     * @param deviceAllocations successful {@link DeviceMemory#allocate} calls (requests that missed the cache)
     * @param deviceFrees       cached blocks returned to the driver
     */
    public record Counts(long requests, long cacheHits, long deviceAllocations, long deviceFrees) {
    }

    private final DeviceMemory<H> device;
    private final String deviceName;
    private final Limits limits;
    private final Map<Long, ArrayDeque<H>> bins = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;
    private long requests;
    private long cacheHits;
    private long deviceAllocations;
    private long deviceFrees;

    public CachingAllocator(DeviceMemory<H> device, String deviceName) {
        this(device, deviceName, Limits.NONE);
    }

    public CachingAllocator(DeviceMemory<H> device, String deviceName, Limits limits) {
        this.device = device;
        this.deviceName = deviceName;
        this.limits = limits;
    }

    /** The bytes a request of {@code bytes} occupies: its size class. */
    public static long sizeClass(long bytes) {
        return SizeClasses.of(bytes, MIN_BLOCK_BYTES);
    }

    /** Storage for {@code numel} elements in a block of its size class, from the cache when one is free. */
    public synchronized DeviceStorage<H> allocate(DType dtype, long numel) {
        long requested = numel * dtype.byteSize();
        long size = blockSize(requested);
        H block = takeCached(size);
        if (block != null) {
            cacheHits++;
        } else {
            block = allocateFromDevice(requested, size);
            deviceAllocations++;
        }
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        requests++;
        return new DeviceStorage<>(dtype, numel, block, size);
    }

    /**
     * Takes the block of {@code storage} back into its bin.
     *
     * @throws IllegalStateException if it was freed before
     */
    public synchronized void free(Storage storage) {
        DeviceStorage<?> freed = (DeviceStorage<?>) storage;
        if (!freed.markFreed()) {
            throw new IllegalStateException(deviceName + ": " + storage + " freed twice");
        }
        @SuppressWarnings("unchecked") // only this allocator's storages come back to it
        H block = (H) freed.handle();
        bytesInUse -= freed.capacityBytes();
        bytesCached += freed.capacityBytes();
        bins.computeIfAbsent(freed.capacityBytes(), s -> new ArrayDeque<>()).push(block);
    }

    /** {@code allocations} counts requests served, cache hits included (the SPI's definition); see {@link #counts}. */
    public synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, bytesCached, peakBytesInUse, requests);
    }

    /** Requests, cache hits and driver calls, which {@link MemoryStats} has no fields for. */
    public synchronized Counts counts() {
        return new Counts(requests, cacheHits, deviceAllocations, deviceFrees);
    }

    /** Returns every cached block to the driver (after the queued work that might use them). */
    public synchronized void emptyCache() {
        if (bytesCached == 0) {
            return;
        }
        device.synchronize();
        for (Map.Entry<Long, ArrayDeque<H>> bin : bins.entrySet()) {
            ArrayDeque<H> blocks = bin.getValue();
            while (!blocks.isEmpty()) {
                // NOTE: one at a time, so that if the driver refuses one (a sticky error after a
                // kernel fault), the blocks not yet released stay cached and counted.
                device.release(blocks.peek());
                blocks.pop();
                bytesCached -= bin.getKey();
                deviceFrees++;
            }
        }
        bins.clear();
    }

    private long blockSize(long requested) {
        long max = limits.maxBlockBytes();
        long size = sizeClass(requested);
        if (size > max && requested <= max) {
            // NOTE: the class rounds up by as much as 25 %; near the device's largest buffer take
            // the request itself (aligned) rather than refuse memory that is there.
            size = Math.min(max, (requested + ALIGNMENT_BYTES - 1) / ALIGNMENT_BYTES * ALIGNMENT_BYTES);
        }
        if (size > max) {
            throw new OutOfDeviceMemoryException(deviceName, requested, max,
                    "the device's largest single buffer (" + limits.maxBlockName() + ") is " + max + " bytes");
        }
        return size;
    }

    private H allocateFromDevice(long requested, long size) {
        long cachedBefore = bytesCached;
        if (bytesInUse + bytesCached + size > limits.budgetBytes()) {
            emptyCache();
        }
        H block = withinBudget(size) ? device.allocate(size) : null;
        if (block == null) {
            emptyCache();
            block = withinBudget(size) ? device.allocate(size) : null;
            if (block == null) {
                throw outOfMemory(requested, size, cachedBefore);
            }
        }
        return block;
    }

    private boolean withinBudget(long size) {
        return bytesInUse + size <= limits.budgetBytes();
    }

    private H takeCached(long size) {
        ArrayDeque<H> bin = bins.get(size);
        if (bin == null || bin.isEmpty()) {
            return null;
        }
        bytesCached -= size;
        return bin.pop();
    }

    private OutOfDeviceMemoryException outOfMemory(long requested, long size, long cachedBefore) {
        long available = device.freeBytes();
        String budget = "";
        if (limits.budgetBytes() != Long.MAX_VALUE) {
            long left = Math.max(0, limits.budgetBytes() - bytesInUse);
            available = available < 0 ? left : Math.min(available, left);
            budget = " of the " + limits.budgetBytes() + " the device has";
        }
        String detail = "the " + size + "-byte block did not fit after releasing " + cachedBefore
                + " cached bytes to the driver; " + bytesInUse + " bytes are in use by live tensors" + budget
                + " (call close() on tensors or use Scope to free them)";
        return new OutOfDeviceMemoryException(deviceName, requested, available, detail);
    }
}
