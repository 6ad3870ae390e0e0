package dev.nabla.cuda;

/**
 * What the CUDA caching allocator did since the device was opened, beyond
 * {@link dev.nabla.backend.MemoryStats} (whose {@code allocations} is {@link #requests}: allocate
 * calls served, from the cache or from the driver).
 *
 * @param requests          allocate calls served (= {@code MemoryStats.allocations()})
 * @param cacheHits         of those, served by a cached block without a driver call
 * @param deviceAllocations successful {@code cuMemAlloc} calls (requests that missed the cache)
 * @param deviceFrees       {@code cuMemFree} calls (cached blocks returned to the driver)
 */
public record AllocatorCounts(long requests, long cacheHits, long deviceAllocations, long deviceFrees) {
}
