package dev.nabla.distributed;

import dev.nabla.Tensor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DeviceCollectives} for tests on machines without GPUs: the tensor goes to the host,
 * through the MPI communicator, and back in place. It lets {@link DistributedDataParallel}'s
 * device-bucket path (the one NCCL takes: flat tensors assembled on the device, weighted there,
 * sliced back into gradients) run under {@code mpirun} on the CPU backend, where the result must
 * equal the host path's to the bit.
 */
final class HostStagedCollectives implements DeviceCollectives {

    private final Communicator communicator;
    final AtomicInteger allReduces = new AtomicInteger();
    final AtomicInteger broadcasts = new AtomicInteger();

    HostStagedCollectives(Communicator communicator) {
        this.communicator = communicator;
    }

    @Override
    public void allReduce(Tensor tensor, Reduction reduction) {
        DeviceCollectives.checkTensor("allReduce", communicator.rank(), tensor);
        allReduces.incrementAndGet();
        communicator.allReduce(tensor, reduction);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        DeviceCollectives.checkTensor("broadcast", communicator.rank(), tensor);
        broadcasts.incrementAndGet();
        communicator.broadcast(tensor, root);
    }

    @Override
    public String describe() {
        return "host-staged test collectives";
    }
}
