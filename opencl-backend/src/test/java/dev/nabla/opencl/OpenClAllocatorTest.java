package dev.nabla.opencl;

import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clReleaseContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OutOfDeviceMemoryException;
import java.util.List;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenClAllocatorTest {

    private static cl_context context;

    @BeforeAll
    static void createContext() {
        var probe = new OpenClProvider().probe();
        Assumptions.assumeTrue(probe.isAvailable(), "no OpenCL device: " + probe.reason());
        OpenClDevices.Found first = OpenClDevices.discover().getFirst();
        context = clCreateContext(null, 1, new cl_device_id[] {first.device()}, null, null, null);
    }

    @AfterAll
    static void releaseContext() {
        if (context != null) {
            clReleaseContext(context);
        }
    }

    @Test
    void sizeClassesWasteAtMostAQuarter() {
        assertEquals(256, OpenClAllocator.sizeClass(0));
        assertEquals(256, OpenClAllocator.sizeClass(256));
        assertEquals(320, OpenClAllocator.sizeClass(257));
        assertEquals(4096, OpenClAllocator.sizeClass(4096));
        for (long bytes = 1; bytes < 5_000_000; bytes = bytes * 3 / 2 + 1) {
            long size = OpenClAllocator.sizeClass(bytes);
            assertTrue(size >= bytes && (bytes <= 256 || size <= bytes * 1.25), bytes + " -> " + size);
        }
    }

    @Test
    void freedBlocksAreCachedAndReused() {
        OpenClAllocator allocator = new OpenClAllocator(context, "test device", 1L << 30, 1L << 30);
        OpenClStorage a = allocator.allocate(DType.F32, 1000); // 4000 bytes -> class 4096
        allocator.free(a);
        assertEquals(new MemoryStats(0, 4096, 4096, 1), allocator.stats());
        OpenClStorage b = allocator.allocate(DType.I32, 1010); // 4040 bytes: same class, same buffer
        assertEquals(a.memory(), b.memory());
        assertEquals(new MemoryStats(4096, 0, 4096, 2), allocator.stats());
        assertThrows(IllegalStateException.class, () -> allocator.free(a), "double free");
        allocator.free(b);
        allocator.emptyCache();
        assertEquals(0, allocator.stats().bytesCached());
    }

    @Test
    void outOfMemoryFreesTheCacheRetriesThenNamesRequestedAndAvailableBytes() {
        OpenClAllocator allocator = new OpenClAllocator(context, "test device", 64 * 1024, 1L << 30);
        OpenClStorage held = allocator.allocate(DType.F32, 8 * 1024); // 32 KiB in use
        List<OpenClStorage> cached = List.of(allocator.allocate(DType.F32, 2048), allocator.allocate(DType.F32, 2048));
        cached.forEach(allocator::free); // 16 KiB cached
        // 24 KiB fits only once the cache is returned: 32 + 16 + 24 > 64, 32 + 24 <= 64.
        OpenClStorage fits = allocator.allocate(DType.F32, 6 * 1024);
        assertEquals(0, allocator.stats().bytesCached());
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.allocate(DType.F32, 4 * 1024));
        assertEquals(16384, e.requestedBytes());
        assertEquals(8192, e.availableBytes());
        assertTrue(e.getMessage().contains("test device: out of device memory: requested 16384 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("available 8192 bytes"), e.getMessage());
        allocator.free(held);
        allocator.free(fits);
        allocator.emptyCache();
    }

    @Test
    void aBlockLargerThanTheDeviceAllowsIsRefusedUpFront() {
        OpenClAllocator allocator = new OpenClAllocator(context, "test device", 1L << 30, 1 << 20);
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> allocator.allocate(DType.F32, 1 << 20));
        assertTrue(e.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), e.getMessage());
    }

    @Test
    void aRequestThatFitsUnderTheDeviceLimitIsServedEvenIfItsSizeClassDoesNot() {
        // 990,000 bytes round up to the 1,048,576-byte class, above a 1,000,000-byte device limit
        OpenClAllocator allocator = new OpenClAllocator(context, "test device", 1L << 30, 1_000_000);
        var storage = allocator.allocate(DType.F32, 247_500);
        assertTrue(storage.capacityBytes() >= 990_000 && storage.capacityBytes() <= 1_000_000,
                "capacity " + storage.capacityBytes());
        allocator.free(storage);
        allocator.emptyCache();
    }
}
