package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;
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

    /**
     * BF16 and F16 tensors go through the tensor collectives (PyTorch's all_reduce takes them) and
     * keep their dtype and bits (before, they were taken for integers and failed in toIntArray);
     * data parallelism refuses 16-bit parameters by name, pointing at F32 master weights + Autocast.
     */
    @Test
    void sixteenBitTensorsAreReducedAndKeepTheirDtype() {
        Device device = Device.reference();
        try (Communicator comm = new SingleProcessCommunicator()) {
            for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
                Tensor t = Tensor.of(device, new float[] {1.5f, -2f, 0.1f}, 3).toType(dtype);
                short[] bits = t.toBits();
                comm.allReduce(t, Reduction.SUM);
                comm.broadcast(t, 0);
                assertEquals(dtype, t.dtype());
                assertArrayEquals(bits, t.toBits());

                Tensor parameter = Tensor.of(device, new float[] {0.25f, 0.5f}, 2).toType(dtype).requiresGrad(true);
                DistributedDataParallel ddp = new DistributedDataParallel(comm, 1 << 20);
                var refused = assertThrows(IllegalArgumentException.class, () -> ddp.averageGradients(List.of(parameter)));
                assertEquals("DistributedDataParallel: parameter 0 of shape [2] is " + dtype + "; its gradients are"
                        + " reduced as F32 buckets, so parameters must be F32: keep F32 master weights and run the"
                        + " forward pass under Autocast (train --precision bf16|fp16)", refused.getMessage());
            }
        }
    }
}
