package dev.nabla.distributed;

import dev.nabla.Tensor;

/**
 * Collectives on tensors where they live, in place: what {@link DistributedDataParallel} reduces
 * its gradient buckets with when the engine reads device memory itself (NCCL on CUDA tensors), so
 * that gradients never leave the GPU. The MPI engine has no implementation of this: it reduces
 * host buffers ({@link Communicator}), and the data-parallel wrapper stages gradients through them.
 *
 * <p>Every rank calls the same collectives in the same order on tensors of the same shape. The
 * tensors are contiguous (offset allowed) F32. An implementation may only queue the work (on the
 * device's stream, in order with its kernels) and return; reading the tensor waits for it.
 */
public interface DeviceCollectives {

    /** Combines {@code tensor} over every rank in place; afterwards every rank holds the same values. */
    void allReduce(Tensor tensor, Reduction reduction);

    /** Copies rank {@code root}'s {@code tensor} into every other rank's, in place. */
    void broadcast(Tensor tensor, int root);

    /** The engine and its library, e.g. "NCCL 2.27.3 (/usr/lib/.../libnccl.so.2)". */
    String describe();

    /** Checks the contract every implementation relies on; messages name the op, shape, dtype and device. */
    static void checkTensor(String op, int rank, Tensor tensor) {
        if (tensor.dtype() != dev.nabla.DType.F32) {
            throw new IllegalArgumentException(op + " on rank " + rank + ": a " + tensor.dtype() + " tensor of shape "
                    + java.util.Arrays.toString(tensor.shape()) + " on " + tensor.device()
                    + "; device collectives carry F32 tensors");
        }
        if (!tensor.layout().isContiguous()) {
            throw new IllegalArgumentException(op + " on rank " + rank + ": the tensor of shape "
                    + java.util.Arrays.toString(tensor.shape()) + " on " + tensor.device()
                    + " is a strided view; device collectives need contiguous tensors (call contiguous())");
        }
    }
}
