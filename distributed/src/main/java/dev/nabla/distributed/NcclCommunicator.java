package dev.nabla.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An NCCL communicator over CUDA device buffers, one rank per GPU. NCCL finds its peers through a
 * 128-byte unique id that rank 0 creates ({@code ncclGetUniqueId}) and the other ranks receive over
 * a bootstrap {@link Communicator} (MPI), as PyTorch's ProcessGroupNCCL receives it through its
 * store. Collectives are queued on the given CUDA stream (the backend's, so they run in order with
 * its kernels) and return at once; the stream's next synchronisation waits for them.
 *
 * <p>Hangs show up asynchronously: {@link #checkAsyncError()} asks NCCL
 * ({@code ncclCommGetAsyncError}) and {@link #abort()} ({@code ncclCommAbort}) frees a
 * communicator stuck on a dead peer, which a caller's watchdog does past its timeout.
 *
 * <p>Device pointers are addresses; this class cannot check that they are device memory of the
 * current context (NCCL does, and its error names the call).
 */
public final class NcclCommunicator implements AutoCloseable {

    private final Nccl nccl;
    private final MemorySegment comm;
    private final int rank;
    private final int size;
    private boolean closed;

    private NcclCommunicator(Nccl nccl, MemorySegment comm, int rank, int size) {
        this.nccl = nccl;
        this.comm = comm;
        this.rank = rank;
        this.size = size;
    }

    /**
     * Joins the NCCL group of every rank of {@code bootstrap}: rank 0 makes the unique id, the
     * bootstrap broadcasts it, and every rank calls {@code ncclCommInitRank}. The current CUDA
     * device must be this rank's GPU (the local rank's).
     */
    public static NcclCommunicator create(Nccl nccl, Communicator bootstrap) {
        int rank = bootstrap.rank();
        int size = bootstrap.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(Nccl.UNIQUE_ID);
            if (rank == 0) {
                nccl.check("ncclGetUniqueId", rank, (int) nccl.getUniqueId.invokeExact(id));
            }
            // The id is 128 opaque bytes: it travels as 32 ints (a byte-exact copy).
            MemorySegment words = Arena.ofAuto().allocate(JAVA_INT, Nccl.UNIQUE_ID_BYTES / 4);
            MemorySegment.copy(id, 0, words, 0, Nccl.UNIQUE_ID_BYTES);
            bootstrap.broadcast(words, ElementType.I32, Nccl.UNIQUE_ID_BYTES / 4, 0);
            MemorySegment.copy(words, 0, id, 0, Nccl.UNIQUE_ID_BYTES);
            MemorySegment handle = arena.allocate(ADDRESS);
            nccl.check("ncclCommInitRank", rank, (int) nccl.commInitRank.invokeExact(handle, size, id, rank));
            return new NcclCommunicator(nccl, handle.get(ADDRESS, 0), rank, size);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("NCCL: joining the group failed on rank " + rank + ": " + e, e);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /**
     * Queues an in-place all-reduce of {@code count} elements at device address {@code buffer} on
     * {@code stream} ({@code ncclAvg} for {@link Reduction#AVERAGE}).
     */
    public void allReduce(long buffer, ElementType type, long count, Reduction reduction, long stream) {
        requireOpen("ncclAllReduce");
        checkCount("ncclAllReduce", count);
        MemorySegment pointer = MemorySegment.ofAddress(buffer);
        int result;
        try {
            // SAFETY: buffer is a live device allocation of count elements (the caller's); NCCL only queues work.
            result = (int) nccl.allReduce.invokeExact(pointer, pointer, count, dataType(type),
                    reduction == Reduction.SUM ? Nccl.NCCL_SUM : Nccl.NCCL_AVG, comm, MemorySegment.ofAddress(stream));
        } catch (Throwable e) {
            throw new IllegalStateException("ncclAllReduce could not be called on rank " + rank + ": " + e, e);
        }
        nccl.check("ncclAllReduce", rank, result);
    }

    /** Queues an in-place broadcast of {@code count} elements at device address {@code buffer} from {@code root}. */
    public void broadcast(long buffer, ElementType type, long count, int root, long stream) {
        requireOpen("ncclBroadcast");
        checkCount("ncclBroadcast", count);
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("ncclBroadcast on rank " + rank + ": root " + root + " is not a rank of "
                    + size);
        }
        MemorySegment pointer = MemorySegment.ofAddress(buffer);
        int result;
        try {
            result = (int) nccl.broadcast.invokeExact(pointer, pointer, count, dataType(type), root, comm,
                    MemorySegment.ofAddress(stream));
        } catch (Throwable e) {
            throw new IllegalStateException("ncclBroadcast could not be called on rank " + rank + ": " + e, e);
        }
        nccl.check("ncclBroadcast", rank, result);
    }

    /** Throws if NCCL recorded an asynchronous error on this communicator (a peer gone, a network fault). */
    public void checkAsyncError() {
        requireOpen("ncclCommGetAsyncError");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(JAVA_INT);
            nccl.check("ncclCommGetAsyncError", rank, (int) nccl.commGetAsyncError.invokeExact(comm, error));
            int code = error.get(JAVA_INT, 0);
            if (code != Nccl.NCCL_SUCCESS && code != Nccl.NCCL_IN_PROGRESS) {
                nccl.check("NCCL (asynchronous error)", rank, code);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ncclCommGetAsyncError could not be called: " + e, e);
        }
    }

    /** Frees the communicator at once, even with collectives stuck on a dead peer ({@code ncclCommAbort}). */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            nccl.check("ncclCommAbort", rank, (int) nccl.commAbort.invokeExact(comm));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ncclCommAbort could not be called: " + e, e);
        }
    }

    /** Frees the communicator after its queued work ({@code ncclCommDestroy}). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            nccl.check("ncclCommDestroy", rank, (int) nccl.commDestroy.invokeExact(comm));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ncclCommDestroy could not be called: " + e, e);
        }
    }

    private static int dataType(ElementType type) {
        return switch (type) {
            case F32 -> Nccl.NCCL_FLOAT32;
            case I32 -> Nccl.NCCL_INT32;
        };
    }

    private void checkCount(String call, long count) {
        if (count < 0) {
            throw new IllegalArgumentException(call + " on rank " + rank + ": count " + count + " is negative");
        }
    }

    private void requireOpen(String call) {
        if (closed) {
            throw new IllegalStateException(call + " on rank " + rank + ": the NCCL communicator is closed");
        }
    }
}
