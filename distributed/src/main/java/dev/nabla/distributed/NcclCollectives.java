package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.Tensor;

/**
 * {@link DeviceCollectives} over NCCL: the tensor's device pointer ({@link Tensor#dataPtr()}) goes
 * to {@code ncclAllReduce}/{@code ncclBroadcast}, queued on the backend's own stream
 * ({@code Backend.nativeStream()}), so the reduction runs in order with Nabla's kernels and the
 * gradients never leave the GPU. PyTorch's DDP over {@code ProcessGroupNCCL} does the same.
 *
 * <p>Hangs: NCCL's collectives are asynchronous, so a dead peer leaves the stream waiting rather
 * than this call. The data-parallel step's next host collective (the loss sum over MPI, with its
 * timeout) notices the missing rank and the job is aborted; {@link #close()} then calls
 * {@code ncclCommAbort} instead of {@code ncclCommDestroy} when NCCL reports an error.
 */
public final class NcclCollectives implements DeviceCollectives, AutoCloseable {

    private final NcclCommunicator nccl;
    private final Device device;
    private final String description;

    private NcclCollectives(NcclCommunicator nccl, Device device, String description) {
        this.nccl = nccl;
        this.device = device;
        this.description = description;
    }

    /**
     * Joins the NCCL group of every rank of {@code bootstrap} (the unique id travels over it) for
     * tensors on {@code device}, which must be this rank's CUDA device.
     *
     * @throws IllegalArgumentException when {@code device}'s memory has no native address (not CUDA)
     */
    public static NcclCollectives create(Nccl library, Communicator bootstrap, Device device) {
        requireAddressable(device, bootstrap.rank());
        // NCCL takes the calling thread's current CUDA device; the backend makes its context
        // current whenever it works, and synchronize() is the cheapest such call.
        device.backend().synchronize();
        NcclCommunicator communicator = NcclCommunicator.create(library, bootstrap);
        return new NcclCollectives(communicator, device, "NCCL " + library.version() + " (" + library.path() + ")");
    }

    /** Whether tensors on {@code device} have device pointers NCCL can read (CUDA). */
    public static boolean canReduceOn(Device device) {
        // Asking needs some storage: a one-element allocation, freed at once.
        dev.nabla.backend.Storage probe = device.backend().allocate(dev.nabla.DType.F32, 1);
        try {
            return device.backend().nativeAddress(probe).isPresent();
        } finally {
            device.backend().free(probe);
        }
    }

    /** Throws unless tensors on {@code device} have native addresses NCCL can read. */
    static void requireAddressable(Device device, int rank) {
        if (!canReduceOn(device)) {
            throw new IllegalArgumentException("NCCL on rank " + rank + ": " + device + " is not a CUDA device (its "
                    + "memory has no device pointer NCCL can read); NCCL reduces CUDA tensors, use the MPI engine "
                    + "(--dist-backend mpi) on this device");
        }
    }

    @Override
    public void allReduce(Tensor tensor, Reduction reduction) {
        check("ncclAllReduce", tensor);
        nccl.allReduce(tensor.dataPtr(), ElementType.F32, tensor.numel(), reduction, stream());
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        check("ncclBroadcast", tensor);
        nccl.broadcast(tensor.dataPtr(), ElementType.F32, tensor.numel(), root, stream());
    }

    private void check(String op, Tensor tensor) {
        DeviceCollectives.checkTensor(op, nccl.rank(), tensor);
        if (!tensor.device().id().equals(device.id())) {
            throw new IllegalArgumentException(op + " on rank " + nccl.rank() + ": the tensor of shape "
                    + java.util.Arrays.toString(tensor.shape()) + " is on " + tensor.device()
                    + ", this NCCL communicator serves " + device);
        }
    }

    private long stream() {
        return device.backend().nativeStream();
    }

    @Override
    public String describe() {
        return description;
    }

    /** Frees the communicator ({@code ncclCommAbort} if NCCL recorded an error, so that nothing waits on a dead peer). */
    @Override
    public void close() {
        try {
            nccl.checkAsyncError();
        } catch (RuntimeException e) {
            nccl.abort();
            return;
        }
        nccl.close();
    }
}
