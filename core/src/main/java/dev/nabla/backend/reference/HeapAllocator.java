package dev.nabla.backend.reference;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.Storage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the bytes of live heap storage, so tests can show a training loop inside scopes keeps
 * memory flat even though the garbage collector does the actual freeing.
 */
public final class HeapAllocator {

    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();

    public HeapStorage allocate(DType dtype, long numel) {
        HeapStorage storage = new HeapStorage(dtype, numel);
        long now = inUse.addAndGet(storage.byteSize());
        peak.accumulateAndGet(now, Math::max);
        allocations.incrementAndGet();
        return storage;
    }

    public void free(Storage storage) {
        inUse.addAndGet(-storage.byteSize());
    }

    public MemoryStats stats() {
        return new MemoryStats(inUse.get(), 0, peak.get(), allocations.get());
    }
}
