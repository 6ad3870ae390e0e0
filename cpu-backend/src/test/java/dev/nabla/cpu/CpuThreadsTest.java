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
}
