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

    /**
     * The engine for gradient buckets on {@code device} under {@code choice} ({@code --dist-backend}):
     * {@code nccl} demands NCCL, {@code auto} takes it where the device is CUDA and NCCL's library
     * is found (as PyTorch defaults to NCCL for CUDA tensors), {@code mpi} never; null means the
     * buckets are staged through the host over MPI. Every rank decides alike (same device kind,
     * same installation). Rank 0 notes a CUDA device that falls back because NCCL is missing.
     *
     * @throws IllegalArgumentException for {@code nccl} on a device that is not CUDA, or without NCCL
     */
    public static DeviceCollectives choose(String choice, Communicator communicator, Device device,
            java.util.function.Consumer<String> note) {
        if (choice.equals("mpi")) {
            return null;
        }
        if (!choice.equals("auto") && !choice.equals("nccl")) {
            throw new IllegalArgumentException("--dist-backend must be auto, mpi or nccl, got '" + choice + "'");
        }
        boolean cuda = canReduceOn(device);
        var library = Nccl.find();
        if (choice.equals("nccl")) {
            if (!cuda) {
                throw new IllegalArgumentException("--dist-backend nccl: " + device + " is not a CUDA device; NCCL "
                        + "reduces CUDA tensors (use --dist-backend mpi or auto)");
            }
            return create(new Nccl(library.orElseThrow(() -> new IllegalArgumentException("--dist-backend nccl: "
                    + Nccl.unavailableReason().orElse("libnccl.so.2 was not found")))), communicator, device);
        }
        if (!cuda) {
            return null;
        }
        if (library.isEmpty()) {
            if (communicator.rank() == 0) {
                note.accept("note: gradients of " + device + " go through host memory over MPI: NCCL is unavailable ("
                        + Nccl.unavailableReason().orElse("libnccl.so.2 was not found") + ")");
            }
            return null;
        }
        return create(new Nccl(library.get()), communicator, device);
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
