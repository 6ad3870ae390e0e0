package dev.nabla.kernels.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The allocator both GPU backends use, against a fake device: bins, statistics, the driver's
 * refusals (CUDA's path) and the allocator's own budget and largest block (OpenCL's).
 */
class CachingAllocatorTest {

    /** A device of {@code capacity} bytes; a block is its size. Records what the allocator asked. */
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

    private static CachingAllocator<long[]> allocator(FakeDevice device) {
        return new CachingAllocator<>(device, "gpu:0 (fake)");
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
        CachingAllocator<long[]> allocator = allocator(device);
        DeviceStorage<long[]> a = allocator.allocate(DType.F32, 1000); // 4000 bytes: class 4096
        assertEquals(4096, a.capacityBytes());
        allocator.free(a);
        assertEquals(new MemoryStats(0, 4096, 4096, 1), allocator.stats());
        DeviceStorage<long[]> b = allocator.allocate(DType.I32, 1010); // 4040 bytes: same class, same block
        assertSame(a.handle(), b.handle());
        assertEquals(List.of("allocate 4096"), device.calls);
        assertEquals(new MemoryStats(4096, 0, 4096, 2), allocator.stats());
        DeviceStorage<long[]> c = allocator.allocate(DType.F32, 25);
        assertEquals(new MemoryStats(4096 + 512, 0, 4096 + 512, 3), allocator.stats());
        allocator.free(b);
        allocator.free(c);
        assertEquals(new MemoryStats(0, 4096 + 512, 4096 + 512, 3), allocator.stats());
        allocator.emptyCache();
        assertEquals(0, allocator.stats().bytesCached());
        assertEquals(0, device.used);
        assertEquals(1, device.synchronizations, "blocks go back to the driver only after queued work");
        // MemoryStats.allocations counts requests served (the SPI's definition); the driver calls are apart.
        assertEquals(new CachingAllocator.Counts(3, 1, 2, 2), allocator.counts());
    }

    @Test
    void aSecondFreeOfOneStorageIsRefusedEvenFromTwoThreadsAtOnce() throws Exception {
        CachingAllocator<long[]> allocator = allocator(new FakeDevice(1 << 20));
        for (int round = 0; round < 50; round++) {
            DeviceStorage<long[]> storage = allocator.allocate(DType.F32, 100);
            CyclicBarrier start = new CyclicBarrier(2);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Runnable free = () -> {
                try {
                    start.await();
                    allocator.free(storage);
                } catch (Throwable e) {
                    failures.add(e);
                }
            };
            Thread first = Thread.ofPlatform().start(free);
            Thread second = Thread.ofPlatform().start(free);
            first.join();
            second.join();
            assertEquals(1, failures.size(), "exactly one of the two frees fails");
            var e = assertInstanceOf(IllegalStateException.class, failures.peek());
            assertTrue(e.getMessage().endsWith("freed twice"), e.getMessage());
            assertEquals(0, allocator.stats().bytesInUse(), "the block went back to the cache once");
            assertEquals(512, allocator.stats().bytesCached());
        }
    }

    @Test
    void anEmptyCacheIsEmptiedWithoutWaitingForTheDevice() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingAllocator<long[]> allocator = allocator(device);
        DeviceStorage<long[]> live = allocator.allocate(DType.F32, 100);
        allocator.emptyCache();
        assertEquals(List.of("allocate 512"), device.calls, "nothing cached: no synchronize, no release");
        allocator.free(live);
        allocator.emptyCache();
        assertEquals(List.of("allocate 512", "synchronize", "release 512"), device.calls);
    }

    @Test
    void countsSeparateRequestsFromDriverAllocations() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingAllocator<long[]> allocator = allocator(device);
        for (int step = 0; step < 100; step++) {
            DeviceStorage<long[]> activations = allocator.allocate(DType.F32, 2_500);
            DeviceStorage<long[]> gradients = allocator.allocate(DType.F32, 2_500);
            allocator.free(activations);
            allocator.free(gradients);
        }
        assertEquals(200, allocator.stats().allocations(), "requests served");
        assertEquals(new CachingAllocator.Counts(200, 198, 2, 0), allocator.counts());
        assertEquals(2, device.calls.stream().filter(c -> c.startsWith("allocate")).count());
    }

    @Test
    void aReleaseTheDriverRefusesLeavesTheRestCachedAndCounted() {
        FakeDevice device = new FakeDevice(1 << 20) {
            int releases;

            @Override
            public void release(long[] block) {
                if (++releases == 2) {
                    throw new IllegalStateException("release failed: a sticky error after a kernel fault");
                }
                super.release(block);
            }
        };
        CachingAllocator<long[]> allocator = allocator(device);
        List<DeviceStorage<long[]>> blocks = List.of(allocator.allocate(DType.F32, 128),
                allocator.allocate(DType.F32, 128), allocator.allocate(DType.F32, 128));
        blocks.forEach(allocator::free);
        assertThrows(IllegalStateException.class, allocator::emptyCache);
        assertEquals(2 * 512, allocator.stats().bytesCached(), "the refused block and the one after it");
        assertEquals(1, allocator.counts().deviceFrees());
    }

    @Test
    void whenTheDriverRefusesTheCacheGoesBackOnceThenTheErrorNamesRequestedFreeAndCachedBytes() {
        FakeDevice device = new FakeDevice(64 * 1024);
        CachingAllocator<long[]> allocator = allocator(device);
        DeviceStorage<long[]> held = allocator.allocate(DType.F32, 8 * 1024); // 32 KiB
        List<DeviceStorage<long[]>> cached = List.of(allocator.allocate(DType.F32, 2 * 1024),
                allocator.allocate(DType.F32, 2 * 1024));
        cached.forEach(allocator::free); // 16 KiB cached
        device.calls.clear();
        // 24 KiB fits only once the 16 cached KiB are returned: 32 + 16 + 24 > 64.
        DeviceStorage<long[]> fits = allocator.allocate(DType.F32, 6 * 1024);
        assertEquals(List.of("allocate 24576", "synchronize", "release 8192", "release 8192", "allocate 24576"),
                device.calls);
        assertEquals(0, allocator.stats().bytesCached());

        allocator.free(fits); // 24 KiB cached, 32 KiB in use, 8 KiB free
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.allocate(DType.F32, 10 * 1024));
        assertEquals(40 * 1024, e.requestedBytes());
        assertEquals(32 * 1024, e.availableBytes(), "free after the cache went back");
        assertTrue(e.getMessage().startsWith("gpu:0 (fake): out of device memory: requested 40960 bytes"),
                e.getMessage());
        assertTrue(e.getMessage().contains("available 32768 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("after releasing 24576 cached bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("32768 bytes are in use"), e.getMessage());
        assertEquals(new MemoryStats(32 * 1024, 0, 56 * 1024, 4), allocator.stats());
        assertEquals(new CachingAllocator.Counts(4, 0, 4, 3), allocator.counts(), "the failed request is not counted");
        allocator.free(held);
    }

    @Test
    void theBudgetIsKeptWithoutAskingTheDriver() {
        // A driver that never refuses, as OpenCL drivers that allocate on first use may not.
        FakeDevice device = new FakeDevice(1L << 40);
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "gpu:0 (fake)",
                new CachingAllocator.Limits(64 * 1024, 1L << 30, "the test's limit"));
        DeviceStorage<long[]> held = allocator.allocate(DType.F32, 8 * 1024); // 32 KiB in use
        List.of(allocator.allocate(DType.F32, 2048), allocator.allocate(DType.F32, 2048))
                .forEach(allocator::free); // 16 KiB cached
        device.calls.clear();
        // 24 KiB fits only once the cache is returned: 32 + 16 + 24 > 64, 32 + 24 <= 64.
        DeviceStorage<long[]> fits = allocator.allocate(DType.F32, 6 * 1024);
        assertEquals(List.of("synchronize", "release 8192", "release 8192", "allocate 24576"), device.calls);
        assertEquals(0, allocator.stats().bytesCached());
        device.calls.clear();
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.allocate(DType.F32, 4 * 1024));
        assertEquals(List.of(), device.calls, "over the budget: the driver is not asked");
        assertEquals(16384, e.requestedBytes());
        assertEquals(8192, e.availableBytes(), "the budget less the bytes in use");
        assertTrue(e.getMessage().contains("gpu:0 (fake): out of device memory: requested 16384 bytes"),
                e.getMessage());
        assertTrue(e.getMessage().contains("57344 bytes are in use by live tensors of the 65536 the device has"),
                e.getMessage());
        allocator.free(held);
        allocator.free(fits);
    }

    @Test
    void aBlockLargerThanTheDeviceAllowsIsRefusedUpFront() {
        FakeDevice device = new FakeDevice(1L << 40);
        CachingAllocator<long[]> allocator = new CachingAllocator<>(device, "gpu:0 (fake)",
                new CachingAllocator.Limits(1L << 30, 1 << 20, "CL_DEVICE_MAX_MEM_ALLOC_SIZE"));
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.allocate(DType.F32, 1 << 20));
        assertTrue(e.getMessage().contains("largest single buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE) is 1048576 bytes"),
                e.getMessage());
        assertEquals(List.of(), device.calls);
    }

    @Test
    void aRequestThatFitsUnderTheDeviceLimitIsServedEvenIfItsSizeClassDoesNot() {
        // 990,000 bytes round up to the 1,048,576-byte class, above a 1,000,000-byte device limit
        CachingAllocator<long[]> allocator = new CachingAllocator<>(new FakeDevice(1L << 40), "gpu:0 (fake)",
                new CachingAllocator.Limits(1L << 30, 1_000_000, "the test's limit"));
        DeviceStorage<long[]> storage = allocator.allocate(DType.F32, 247_500);
        assertTrue(storage.capacityBytes() >= 990_000 && storage.capacityBytes() <= 1_000_000,
                "capacity " + storage.capacityBytes());
        assertEquals(storage.capacityBytes(), storage.handle()[0], "the block is as large as its class");
        allocator.free(storage);
    }
}
