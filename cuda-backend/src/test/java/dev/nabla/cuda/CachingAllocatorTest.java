package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The allocator's bookkeeping against a fake device with a fixed capacity. */
class CachingAllocatorTest {

    /** A device of {@code capacity} bytes; blocks are numbered. Records what the allocator asked. */
    static class FakeDevice implements CachingAllocator.DeviceMemory<long[]> {
        final long capacity;
        long used;
        int synchronizations;
        final List<String> calls = new ArrayList<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long[] allocate(long bytes) {
            calls.add("allocate " + bytes);
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            return new long[] {bytes};
        }

        @Override
        public void release(long[] block) {
            calls.add("release " + block[0]);
            used -= block[0];
        }

        @Override
        public long freeBytes() {
            return capacity - used;
        }

        @Override
        public void synchronize() {
            synchronizations++;
            calls.add("synchronize");
        }
    }

    @Test
    void sizeClassesWasteAtMostAQuarter() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(640, CachingAllocator.sizeClass(513));
        assertEquals(4096, CachingAllocator.sizeClass(4096));
        assertEquals(5120, CachingAllocator.sizeClass(4097));
        for (long bytes = 1; bytes < 50_000_000; bytes = bytes * 3 / 2 + 1) {
            long size = CachingAllocator.sizeClass(bytes);
            assertTrue(size >= bytes && (bytes <= 512 || size <= bytes * 1.25), bytes + " -> " + size);
        }
    }

    @Test
    void freedBlocksAreCachedAndReusedWithoutADriverCall() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "cuda:0 (fake)");
        long[] a = allocator.acquire(4000); // class 4096
        allocator.release(a, 4096);
        assertEquals(new MemoryStats(0, 4096, 4096, 1), allocator.stats());
        long[] b = allocator.acquire(4040); // same class: the same block
        assertSame(a, b);
        assertEquals(List.of("allocate 4096"), device.calls);
        assertEquals(new MemoryStats(4096, 0, 4096, 2), allocator.stats());
        long[] c = allocator.acquire(100);
        assertEquals(new MemoryStats(4096 + 512, 0, 4096 + 512, 3), allocator.stats());
        allocator.release(b, 4096);
        allocator.release(c, 512);
        assertEquals(new MemoryStats(0, 4096 + 512, 4096 + 512, 3), allocator.stats());
        allocator.emptyCache();
        assertEquals(0, allocator.stats().bytesCached());
        assertEquals(0, device.used);
        assertEquals(1, device.synchronizations, "blocks go back to the driver only after queued work");
        // MemoryStats.allocations counts requests served (the SPI's definition); the driver calls are apart.
        assertEquals(new AllocatorCounts(3, 1, 2, 2), allocator.counts());
    }

    @Test
    void countsSeparateRequestsFromDriverAllocations() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "cuda:0 (fake)");
        for (int step = 0; step < 100; step++) {
            long[] activations = allocator.acquire(10_000);
            long[] gradients = allocator.acquire(10_000);
            allocator.release(activations, CachingAllocator.sizeClass(10_000));
            allocator.release(gradients, CachingAllocator.sizeClass(10_000));
        }
        assertEquals(200, allocator.stats().allocations(), "requests served");
        assertEquals(new AllocatorCounts(200, 198, 2, 0), allocator.counts());
        assertEquals(2, device.calls.stream().filter(c -> c.startsWith("allocate")).count());
    }

    @Test
    void aReleaseTheDriverRefusesLeavesTheRestCachedAndCounted() {
        FakeDevice device = new FakeDevice(1 << 20) {
            int releases;

            @Override
            public void release(long[] block) {
                if (++releases == 2) {
                    throw new CudaException("cuMemFree", 700, "cuMemFree failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)");
                }
                super.release(block);
            }
        };
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "cuda:0 (fake)");
        long[] a = allocator.acquire(512);
        long[] b = allocator.acquire(512);
        long[] c = allocator.acquire(512);
        allocator.release(a, 512);
        allocator.release(b, 512);
        allocator.release(c, 512);
        assertThrows(CudaException.class, allocator::emptyCache);
        assertEquals(2 * 512, allocator.stats().bytesCached(), "the refused block and the one after it");
        assertEquals(1, allocator.counts().deviceFrees());
    }

    @Test
    void outOfMemoryReleasesTheCacheRetriesOnceThenNamesRequestedFreeAndCachedBytes() {
        FakeDevice device = new FakeDevice(64 * 1024);
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "cuda:0 (fake)");
        long[] held = allocator.acquire(32 * 1024);
        long[] cached1 = allocator.acquire(8 * 1024);
        long[] cached2 = allocator.acquire(8 * 1024);
        allocator.release(cached1, 8 * 1024);
        allocator.release(cached2, 8 * 1024);
        device.calls.clear();
        // 24 KiB fits only once the 16 cached KiB are returned: 32 + 16 + 24 > 64.
        long[] fits = allocator.acquire(24 * 1024);
        assertEquals(List.of("allocate 24576", "synchronize", "release 8192", "release 8192", "allocate 24576"),
                device.calls);
        assertEquals(0, allocator.stats().bytesCached());

        allocator.release(fits, 24 * 1024); // 24 KiB cached, 32 KiB in use, 8 KiB free
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.acquire(40 * 1024));
        assertEquals(40 * 1024, e.requestedBytes());
        assertEquals(32 * 1024, e.availableBytes(), "free after the cache went back");
        assertTrue(e.getMessage().startsWith("cuda:0 (fake): out of device memory: requested 40960 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("available 32768 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("after releasing 24576 cached bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("32768 bytes are in use"), e.getMessage());
        assertEquals(new MemoryStats(32 * 1024, 0, 56 * 1024, 4), allocator.stats());
        assertEquals(new AllocatorCounts(4, 0, 4, 3), allocator.counts(), "the failed request is not counted");
        allocator.release(held, 32 * 1024);
    }
}
