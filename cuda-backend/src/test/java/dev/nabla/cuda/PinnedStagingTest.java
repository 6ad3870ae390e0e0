package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUctx_flags;
import jcuda.driver.CUevent_flags;
import org.junit.jupiter.api.Test;

/** Transfer piece sizes and wait flags, without a GPU. */
class PinnedStagingTest {

    @Test
    void copiesAreCutIntoSlotSizedPiecesWithoutOverflow() {
        int perSlot = PinnedStaging.SLOT_BYTES / Float.BYTES;
        assertEquals(10, PinnedStaging.piece(0, 10, Float.BYTES));
        assertEquals(perSlot, PinnedStaging.piece(0, 3 * perSlot + 7, Float.BYTES));
        assertEquals(7, PinnedStaging.piece(3 * perSlot, 3 * perSlot + 7, Float.BYTES));
        // The last piece of the largest array ends exactly at its length: start + count never overflows.
        int length = Integer.MAX_VALUE - 8;
        int start = length - 5;
        assertEquals(5, PinnedStaging.piece(start, length, Integer.BYTES));
        long pieces = 0;
        long covered = 0;
        for (int s = 0, count; s < 5 * perSlot + 1; s += count) {
            count = PinnedStaging.piece(s, 5 * perSlot + 1, Float.BYTES);
            covered += count;
            pieces++;
        }
        assertEquals(5L * perSlot + 1, covered);
        assertEquals(6, pieces);
    }

    @Test
    void waitsSleepInsteadOfSpinning() {
        assertEquals(4, CudaContext.CONTEXT_FLAGS, "CU_CTX_SCHED_BLOCKING_SYNC");
        assertEquals(CUctx_flags.CU_CTX_SCHED_BLOCKING_SYNC, CudaContext.CONTEXT_FLAGS);
        assertTrue((CudaContext.WAIT_EVENT_FLAGS & CUevent_flags.CU_EVENT_BLOCKING_SYNC) != 0);
        assertTrue((CudaContext.WAIT_EVENT_FLAGS & CUevent_flags.CU_EVENT_DISABLE_TIMING) != 0);
        assertEquals(3, CudaContext.WAIT_EVENT_FLAGS, "CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING in cuda.h");
    }
}
