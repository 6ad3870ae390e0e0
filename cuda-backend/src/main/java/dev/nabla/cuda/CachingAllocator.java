package dev.nabla.cuda;

import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The bookkeeping of a caching device allocator, apart from the driver so that tests can drive
 * it with a fake {@link DeviceMemory}: size-class bins, statistics, and the out-of-memory path
 * (release every cached block, retry once, then an exception naming requested, free and cached
 * bytes).
 *
 * <p>Size classes are the multiples of a quarter of the power of two below the request (at least
 * {@link #MIN_BLOCK_BYTES}), so a block wastes at most 25%; a freed block serves any later request
 * of its class without a driver call.
 *
 * <p>SAFETY: a cached block may be handed out again while kernels queued earlier still read it.
 * That is safe only because the CUDA backend queues everything on one stream: whatever the new
 * owner queues runs after those reads. Returning blocks to the driver ({@link #emptyCache})
 * synchronizes first ({@link DeviceMemory#synchronize}), because queued kernels may still use them.
 *
 * @param <B> the driver's handle of one block
 */
final class CachingAllocator<B> {

    /** cuMemAlloc aligns to at least 256 bytes anyway; smaller classes would only add bins. */
    static final long MIN_BLOCK_BYTES = 512;

    /** The driver side: what {@code cuMemAlloc}, {@code cuMemFree} and {@code cuMemGetInfo} do. */
    interface DeviceMemory<B> {
        /** A new block of {@code bytes}, or null when the driver reports out of memory (other errors throw). */
        B allocate(long bytes);

        /** Returns a block to the driver. */
        void release(B block);

        /** Free bytes on the device as the driver sees them now. */
        long freeBytes();

        /** Waits until queued work has finished (before blocks it may use go back to the driver). */
        void synchronize();
    }

    private final DeviceMemory<B> device;
    private final String deviceName;
    private final Map<Long, ArrayDeque<B>> bins = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;
    /** Requests served (cache hits included): {@code MemoryStats.allocations}, as the SPI defines it. */
    private long requests;
    private long cacheHits;
    /** Successful {@code DeviceMemory.allocate} calls (cuMemAlloc), and blocks given back. */
    private long deviceAllocations;
    private long deviceFrees;

    CachingAllocator(DeviceMemory<B> device, String deviceName) {
        this.device = device;
        this.deviceName = deviceName;
    }

    /** The bytes a request of {@code bytes} occupies: its size class. */
    static long sizeClass(long bytes) {
        return dev.nabla.kernels.host.SizeClasses.of(bytes, MIN_BLOCK_BYTES);
    }

    /** A block of at least {@code requestedBytes} (exactly its size class), from the cache when one is free. */
    synchronized B acquire(long requestedBytes) {
        long size = sizeClass(requestedBytes);
        B block = takeCached(size);
        if (block != null) {
            cacheHits++;
        } else {
            block = device.allocate(size);
            if (block == null) {
                long cachedBefore = bytesCached;
                emptyCache();
                block = device.allocate(size);
                if (block == null) {
                    throw outOfMemory(requestedBytes, size, cachedBefore);
                }
            }
            deviceAllocations++;
        }
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        requests++;
        return block;
    }

    /** Takes back a block of class {@code size} (as {@link #acquire} gave it) into its bin. */
    synchronized void release(B block, long size) {
        bytesInUse -= size;
        bytesCached += size;
        bins.computeIfAbsent(size, s -> new ArrayDeque<>()).push(block);
    }

    /** {@code allocations} counts requests served, cache hits included (the SPI's definition); see {@link #counts}. */
    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, bytesCached, peakBytesInUse, requests);
    }

    /** Requests, cache hits and driver calls, which {@link MemoryStats} has no fields for. */
    synchronized AllocatorCounts counts() {
        return new AllocatorCounts(requests, cacheHits, deviceAllocations, deviceFrees);
    }

    /** Returns every cached block to the driver (after the queued work that might use them). */
    synchronized void emptyCache() {
        if (bytesCached == 0) {
            return;
        }
        device.synchronize();
        for (Map.Entry<Long, ArrayDeque<B>> bin : bins.entrySet()) {
            ArrayDeque<B> blocks = bin.getValue();
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

    private B takeCached(long size) {
        ArrayDeque<B> bin = bins.get(size);
        if (bin == null || bin.isEmpty()) {
            return null;
        }
        bytesCached -= size;
        return bin.pop();
    }

    private OutOfDeviceMemoryException outOfMemory(long requested, long size, long cachedBefore) {
        long free = device.freeBytes();
        String detail = "the " + size + "-byte block did not fit after releasing " + cachedBefore
                + " cached bytes to the driver; " + bytesInUse + " bytes are in use by live tensors"
                + " (call close() on tensors or use Scope to free them)";
        return new OutOfDeviceMemoryException(deviceName, requested, free, detail);
    }
}
