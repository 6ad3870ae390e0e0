package dev.nabla.cpu;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU backend's allocator: heap storage, with freed blocks of at least {@link #MIN_POOLED}
 * elements kept by exact (dtype, size) and handed out again.
 *
 * <p>Why: a training step allocates the same few dozen blocks every step (activations, gradients,
 * their copies) and frees them when its scope closes. A fresh {@code new float[n]} must be zeroed
 * and its churn drives young collections; from half a G1 region on (2 MiB with 4 MiB regions) it
 * is a humongous allocation, outside the thread-local buffers, taking whole regions. Measured in
 * the 784-512-256-10 batch-128 step, the 29 allocations of a step took 0.66 ms of its 3.1 ms (2.7
 * of 21 ms in the 784-1024-1024-10 batch-256 step). Reused blocks are not zeroed: the SPI promises
 * no contents ({@code Tensor.zeros} fills explicitly).
 *
 * <p>Bounded: at most {@link #capacity()} bytes are kept (an eighth of the maximum heap, at most
 * 1 GiB); past that the blocks freed longest ago are dropped to the garbage collector. Thread-safe (the tensor
 * {@code Cleaner} frees from its own thread). Blocks under {@link #MIN_POOLED} elements are cheap
 * to allocate from a thread-local buffer and are never kept.
 */
final class StoragePool {

    /** Smaller blocks are allocated fresh every time (a TLAB bump, cheaper than the pool's lock). */
    static final long MIN_POOLED = 4096;

    private final long capacity;
    private final Map<Long, ArrayDeque<Cached>> free = new HashMap<>();
    /** Stamps cached blocks in the order they were freed; the oldest is evicted first. */
    private long clock;
    private long bytesInUse;
    private long bytesCached;
    private long peak;
    private long allocations;

    StoragePool() {
        this(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8));
    }

    StoragePool(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    HeapStorage allocate(DType dtype, long numel) {
        HeapStorage reused = null;
        if (numel >= MIN_POOLED) {
            synchronized (this) {
                ArrayDeque<Cached> blocks = free.get(key(dtype, numel));
                Cached cached = blocks == null ? null : blocks.pollLast();
                if (cached != null) {
                    reused = cached.block();
                }
                if (reused != null) {
                    bytesCached -= reused.byteSize();
                    count(reused.byteSize());
                    return reused;
                }
            }
        }
        HeapStorage fresh = new HeapStorage(dtype, numel);
        synchronized (this) {
            count(fresh.byteSize());
        }
        return fresh;
    }

    void free(Storage storage) {
        HeapStorage block = HeapStorage.of(storage);
        long bytes = block.byteSize();
        synchronized (this) {
            bytesInUse -= bytes;
            if (block.numel() < MIN_POOLED || bytes > capacity) {
                return;
            }
            ArrayDeque<Cached> blocks = free.computeIfAbsent(key(block.dtype(), block.numel()),
                    k -> new ArrayDeque<>());
            for (Cached cached : blocks) {
                if (cached.block() == block) {
                    // Freed twice: keeping it twice would hand one array to two tensors.
                    bytesInUse += bytes;
                    return;
                }
            }
            while (bytesCached + bytes > capacity) {
                evictOldest();
            }
            blocks.addLast(new Cached(block, clock++));
            bytesCached += bytes;
        }
    }

    /** Drops every cached block (tests; memory pressure is handled by the capacity bound). */
    synchronized void clear() {
        free.clear();
        bytesCached = 0;
    }

    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, bytesCached, peak, allocations);
    }

    /**
     * Drops the block freed longest ago, so blocks of a shape no longer used (an evaluation batch,
     * an earlier model) make room for the current ones instead of holding the cache full.
     */
    private void evictOldest() {
        ArrayDeque<Cached> oldest = null;
        for (ArrayDeque<Cached> blocks : free.values()) {
            Cached head = blocks.peekFirst();
            if (head != null && (oldest == null || head.stamp() < oldest.peekFirst().stamp())) {
                oldest = blocks;
            }
        }
        bytesCached -= oldest.pollFirst().block().byteSize();
    }

    private record Cached(HeapStorage block, long stamp) {
    }

    private void count(long bytes) {
        bytesInUse += bytes;
        peak = Math.max(peak, bytesInUse);
        allocations++;
    }

    private static Long key(DType dtype, long numel) {
        return numel * DType.values().length + dtype.ordinal();
    }
}
