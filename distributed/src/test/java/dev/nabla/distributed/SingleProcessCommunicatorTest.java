package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** A group of one: rank 0 of 1, collectives leave buffers as they are, bad arguments are named. */
class SingleProcessCommunicatorTest {

    @Test
    void collectivesOfOneAreIdentities() {
        try (Communicator comm = new SingleProcessCommunicator()) {
            assertEquals(0, comm.rank());
            assertEquals(1, comm.size());
            float[] floats = {1.5f, -2f};
            comm.allReduce(floats, Reduction.AVERAGE);
            assertArrayEquals(new float[] {1.5f, -2f}, floats);
            int[] ints = {7, -3};
            comm.allReduce(ints, Reduction.SUM);
            comm.broadcast(ints, 0);
            assertArrayEquals(new int[] {7, -3}, ints);
            assertEquals("runs/x", comm.broadcast("runs/x", 0));
            comm.barrier();
        }
    }

    @Test
    void argumentsAreChecked() {
        try (Communicator comm = new SingleProcessCommunicator()) {
            var heap = assertThrows(IllegalArgumentException.class, () -> comm.allReduce(
                    MemorySegment.ofArray(new float[4]), ElementType.F32, 4, Reduction.SUM));
            assertEquals("allReduce on rank 0: the buffer is on the Java heap; collectives need native memory"
                    + " (Arena.allocate), which the engine reads after the call leaves Java", heap.getMessage());
            var root = assertThrows(IllegalArgumentException.class, () -> comm.broadcast(new int[1], 1));
            assertEquals("broadcast: root 1 is not a rank of a single process (only 0)", root.getMessage());
        }
    }
}
