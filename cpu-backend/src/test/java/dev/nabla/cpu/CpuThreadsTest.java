package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class CpuThreadsTest {

    @Test
    void rangesCoverEveryIndexOnceAndStartAligned() {
        for (int count : new int[] {0, 1, 7, 64, 1000, 100_003}) {
            for (int chunks : new int[] {1, 2, 3, 16}) {
                for (int align : new int[] {1, 8, 32}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(count);
                    CpuThreads.parallelRanges(count, chunks, align, (start, end) -> {
                        assertEquals(0, start % align, "range start " + start + " not aligned to " + align);
                        for (int i = start; i < end; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < count; i++) {
                        assertEquals(1, seen.get(i), "index " + i + " of " + count);
                    }
                }
            }
        }
    }

    @Test
    void failuresReachTheCaller() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> CpuThreads.parallelFor(4, chunk -> {
                    if (chunk == 2) {
                        throw new IllegalStateException("chunk 2");
                    }
                }));
        assertTrue(thrown.getMessage().contains("chunk 2"), thrown.getMessage());
    }

    @Test
    void smallWorkStaysOnOneChunk() {
        assertEquals(1, CpuThreads.chunksFor(100));
        assertTrue(CpuThreads.chunksFor(1 << 22) <= CpuThreads.threads());
    }

    @Test
    void everyChunkRunsOnceWhileOtherThreadsSubmitToo() throws InterruptedException {
        int callers = 4;
        int calls = 2000;
        Thread[] threads = new Thread[callers];
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < callers; t++) {
            threads[t] = new Thread(() -> {
                try {
                    for (int call = 0; call < calls; call++) {
                        int chunks = 1 + call % 5;
                        AtomicIntegerArray seen = new AtomicIntegerArray(chunks);
                        CpuThreads.parallelFor(chunks, seen::incrementAndGet);
                        for (int c = 0; c < chunks; c++) {
                            assertEquals(1, seen.get(c), "chunk " + c + " of " + chunks);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void nestedCallsRunSeriallyAndComplete() {
        AtomicIntegerArray seen = new AtomicIntegerArray(9);
        CpuThreads.parallelFor(3, outer -> CpuThreads.parallelFor(3, inner -> seen.incrementAndGet(outer * 3 + inner)));
        for (int i = 0; i < 9; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    @Test
    void errorsAreRethrownAsThemselves() {
        assertThrows(AssertionError.class, () -> CpuThreads.parallelFor(2, chunk -> {
            if (chunk == 1) {
                throw new AssertionError("chunk 1");
            }
        }));
        // The pool still works afterwards.
        AtomicIntegerArray seen = new AtomicIntegerArray(2);
        CpuThreads.parallelFor(2, seen::incrementAndGet);
        assertEquals(1, seen.get(0));
        assertEquals(1, seen.get(1));
    }

    @Test
    void chunksForHonoursItsThreshold() {
        assertEquals(1, CpuThreads.chunksFor(1000, 4096));
        assertEquals(Math.min(2, CpuThreads.threads()), CpuThreads.chunksFor(4096, 4096));
        assertEquals(CpuThreads.threads(), CpuThreads.chunksFor(1L << 40, 4096));
    }
}
