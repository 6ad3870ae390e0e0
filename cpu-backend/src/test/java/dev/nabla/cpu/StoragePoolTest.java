package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.reference.HeapStorage;
import org.junit.jupiter.api.Test;

class StoragePoolTest {

    private static final int BIG = (int) StoragePool.MIN_POOLED * 4;

    @Test
    void freedBlocksAreReusedByExactDtypeAndSize() {
        StoragePool pool = new StoragePool(1 << 30);
        HeapStorage a = pool.allocate(DType.F32, BIG);
        pool.free(a);
        assertNotSame(a, pool.allocate(DType.F32, BIG + 1), "another size");
        assertNotSame(a, pool.allocate(DType.I32, BIG), "another dtype");
        assertSame(a, pool.allocate(DType.F32, BIG));
        assertNotSame(a, pool.allocate(DType.F32, BIG), "handed out once only");
    }

    @Test
    void smallBlocksAreNeverKept() {
        StoragePool pool = new StoragePool(1 << 30);
        HeapStorage small = pool.allocate(DType.F32, 16);
        pool.free(small);
        assertEquals(0, pool.stats().bytesCached());
        assertNotSame(small, pool.allocate(DType.F32, 16));
    }

    @Test
    void statsCountLiveCachedAndPeakBytes() {
        StoragePool pool = new StoragePool(1 << 30);
        HeapStorage a = pool.allocate(DType.F32, BIG);
        HeapStorage b = pool.allocate(DType.F32, BIG);
        pool.free(a);
        MemoryStats stats = pool.stats();
        assertEquals(4L * BIG, stats.bytesInUse());
        assertEquals(4L * BIG, stats.bytesCached());
        assertEquals(8L * BIG, stats.peakBytesInUse());
        assertEquals(2, stats.allocations());
        pool.allocate(DType.F32, BIG);
        pool.free(b);
        assertEquals(4L * BIG, pool.stats().bytesInUse());
        pool.clear();
        assertEquals(0, pool.stats().bytesCached());
    }

    @Test
    void capacityBoundsTheCacheByDroppingTheOldestBlocks() {
        StoragePool pool = new StoragePool(8L * BIG);
        HeapStorage a = pool.allocate(DType.F32, BIG);
        HeapStorage b = pool.allocate(DType.F32, BIG);
        HeapStorage c = pool.allocate(DType.F32, 2 * BIG);
        pool.free(a);
        pool.free(b);
        pool.free(c); // 16 BIG bytes would exceed 8 BIG: a and b (oldest) go, c stays
        assertEquals(8L * BIG, pool.stats().bytesCached());
        assertEquals(0, pool.stats().bytesInUse());
        assertNotSame(a, pool.allocate(DType.F32, BIG), "a was dropped");
        assertSame(c, pool.allocate(DType.F32, 2 * BIG));
        HeapStorage huge = pool.allocate(DType.F32, 4 * BIG);
        pool.free(huge); // larger than the whole capacity: never kept
        assertEquals(0, pool.stats().bytesCached());
    }

    @Test
    void aDoubleFreeIsKeptOnce() {
        StoragePool pool = new StoragePool(1 << 30);
        HeapStorage a = pool.allocate(DType.F32, BIG);
        pool.free(a);
        pool.free(a);
        assertEquals(4L * BIG, pool.stats().bytesCached());
        assertSame(a, pool.allocate(DType.F32, BIG));
        assertNotSame(a, pool.allocate(DType.F32, BIG));
    }
}
