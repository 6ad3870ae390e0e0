package dev.nabla.backend;

/**
 * Memory held by one device's allocator.
 *
 * @param bytesInUse  bytes in live storage blocks
 * @param bytesCached bytes freed by tensors but kept by a caching allocator for reuse
 * @param peakBytesInUse the highest {@code bytesInUse} seen since the device was opened
 * @param allocations number of allocate calls served
 */
public record MemoryStats(long bytesInUse, long bytesCached, long peakBytesInUse, long allocations) {
}
