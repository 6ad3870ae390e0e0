package dev.nabla.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Communicator} over Open MPI's {@code MPI_COMM_WORLD}, bound with {@code java.lang.foreign}.
 *
 * <p><b>Timeouts.</b> MPI's blocking collectives wait forever for a rank that died or hangs (on
 * shared memory nothing even notices a dead peer). So every MPI call runs on this communicator's
 * own thread ({@code nabla-mpi}, which also called {@code MPI_Init_thread}), and the caller waits
 * for it at most {@link #timeout()}. Past it, the caller makes a <i>roll call</i> on a second
 * communicator (a duplicate of the world, so it never mixes with the collectives): it sends its
 * collective's sequence number to every other rank and waits a grace period
 * ({@link #rollCallGrace}) for theirs. Ranks that are alive are stuck in the same collective and
 * time out too, so they answer; the ranks that do not are the failed ones, and every survivor
 * throws a {@link CollectiveTimeoutException} naming them. The roll call runs while the MPI thread
 * is still inside the collective, which needs {@code MPI_THREAD_MULTIPLE} (Open MPI 4 provides it);
 * without it the error says the failed rank is unknown. A communicator that timed out is unusable:
 * {@link #close()} then calls {@code MPI_Abort} (after {@link #ABORT_LINGER}, so that the other
 * survivors can print their own error first), which ends every process of the job, the hung one
 * included; {@code MPI_Finalize} would wait for the collective that never completes.
 *
 * <p>Errors are returned, not fatal: the communicators use {@code MPI_ERRORS_RETURN}, and a
 * failed call throws naming the call, the rank and MPI's error text.
 */
public final class MpiCommunicator implements Communicator {

    /** A collective's wait limit unless one is given: long enough for a checkpoint save on rank 0. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    /** How long a failed rank waits before aborting the job, so that the other survivors can report too. */
    static final Duration ABORT_LINGER = Duration.ofSeconds(1);
    /** The roll call's message tag (on its own communicator). */
    private static final int ROLL_CALL_TAG = 14;
    /** MPI counts are {@code int}: longer buffers go in chunks. */
    private static final long MAX_CHUNK = Integer.MAX_VALUE;

    private final MpiLibrary mpi;
    private final ExecutorService mpiThread;
    private final Duration timeout;
    private final MemorySegment comm;
    private final MemorySegment rollCallComm;
    private final int rank;
    private final int size;
    private final int threadLevel;
    private long sequence;
    private volatile CollectiveTimeoutException failure;
    private boolean closed;

    private MpiCommunicator(MpiLibrary mpi, ExecutorService mpiThread, Duration timeout, MemorySegment comm,
                            MemorySegment rollCallComm, int rank, int size, int threadLevel) {
        this.mpi = mpi;
        this.mpiThread = mpiThread;
        this.timeout = timeout;
        this.comm = comm;
        this.rollCallComm = rollCallComm;
        this.rank = rank;
        this.size = size;
        this.threadLevel = threadLevel;
    }

    /** Why MPI cannot be used in this process (Open MPI missing or not Open MPI), or empty. */
    public static java.util.Optional<String> unavailableReason() {
        return MpiLibrary.unavailableReason();
    }

    /** "Open MPI v4.1.4 (/usr/lib/x86_64-linux-gnu/libmpi.so.40.30.4)", without initializing MPI. */
    public static String libraryDescription() {
        MpiLibrary library = MpiLibrary.load();
        return library.shortVersion() + " (" + library.path + ")";
    }

    /**
     * Initializes MPI ({@code MPI_Init_thread}, asking for {@code MPI_THREAD_MULTIPLE}) and joins
     * {@code MPI_COMM_WORLD}. Run under a launcher ({@code mpirun}, {@code srun}); started alone,
     * Open MPI makes a world of one.
     *
     * @param timeout how long any collective may take (also {@code MPI_Init} itself)
     * @throws IllegalStateException if Open MPI is missing (naming what to install) or fails to start
     */
    public static MpiCommunicator initialize(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("MPI: the collective timeout must be positive, got " + timeout);
        }
        MpiLibrary mpi = MpiLibrary.load();
        ExecutorService thread = Executors.newSingleThreadExecutor(
                task -> Thread.ofPlatform().daemon().name("nabla-mpi").unstarted(task));
        Future<Started> started = thread.submit(() -> {
            try {
                return start(mpi);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        });
        Started result;
        try {
            result = started.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("MPI_Init did not complete within " + CollectiveTimeoutException.format(timeout)
                    + ": the other ranks did not start (see the launcher's output)");
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while MPI started", e);
        }
        return new MpiCommunicator(mpi, thread, timeout, MemorySegment.ofAddress(result.comm()),
                MemorySegment.ofAddress(result.rollCallComm()), result.rank(), result.size(), result.threadLevel());
    }

    /** What {@link #start} found: this rank, the world's size, the thread level, both communicators' handles. */
    private record Started(int rank, int size, int threadLevel, long comm, long rollCallComm) {
    }

    /** On the MPI thread: init, two duplicates of the world with errors returned, rank, size. */
    private static Started start(MpiLibrary mpi) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            mpi.check("MPI_Initialized", -1, (int) mpi.initialized.invokeExact(flag));
            if (flag.get(JAVA_INT, 0) != 0) {
                throw new IllegalStateException("MPI is already initialized in this process: open one MpiCommunicator");
            }
            MemorySegment provided = arena.allocate(JAVA_INT);
            mpi.check("MPI_Init_thread", -1, (int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    MpiLibrary.MPI_THREAD_MULTIPLE, provided));
            mpi.check("MPI_Comm_set_errhandler", -1, (int) mpi.commSetErrhandler.invokeExact(mpi.commWorld,
                    mpi.errorsReturn));
            MemorySegment out = arena.allocate(JAVA_INT);
            mpi.check("MPI_Comm_rank", -1, (int) mpi.commRank.invokeExact(mpi.commWorld, out));
            int rank = out.get(JAVA_INT, 0);
            mpi.check("MPI_Comm_size", rank, (int) mpi.commSize.invokeExact(mpi.commWorld, out));
            int size = out.get(JAVA_INT, 0);
            MemorySegment handle = arena.allocate(ADDRESS);
            mpi.check("MPI_Comm_dup", rank, (int) mpi.commDup.invokeExact(mpi.commWorld, handle));
            long comm = handle.get(ADDRESS, 0).address();
            mpi.check("MPI_Comm_dup", rank, (int) mpi.commDup.invokeExact(mpi.commWorld, handle));
            long rollCall = handle.get(ADDRESS, 0).address();
            for (long c : new long[] {comm, rollCall}) {
                mpi.check("MPI_Comm_set_errhandler", rank, (int) mpi.commSetErrhandler.invokeExact(
                        MemorySegment.ofAddress(c), mpi.errorsReturn));
            }
            return new Started(rank, size, provided.get(JAVA_INT, 0), comm, rollCall);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** How long a collective may take before the ranks that did not arrive are named. */
    public Duration timeout() {
        return timeout;
    }

    /** The thread support MPI gave ({@code MPI_THREAD_MULTIPLE} = 3 names failed ranks). */
    public int threadLevel() {
        return threadLevel;
    }

    /** How long the roll call waits for the other survivors: a fifth of the timeout, 1 s to 30 s. */
    static Duration rollCallGrace(Duration timeout) {
        long millis = Math.clamp(timeout.toMillis() / 5, 1_000L, 30_000L);
        return Duration.ofMillis(millis);
    }

    @Override
    public void allReduce(MemorySegment buffer, ElementType type, long count, Reduction reduction) {
        Communicator.checkBuffer("allReduce", rank, buffer, type, count);
        MemorySegment datatype = type == ElementType.F32 ? mpi.typeFloat : mpi.typeInt;
        for (long start = 0; start < count; start += MAX_CHUNK) {
            int chunk = (int) Math.min(MAX_CHUNK, count - start);
            MemorySegment part = buffer.asSlice(start * type.bytes(), chunk * type.bytes());
            MemorySegment address = MemorySegment.ofAddress(part.address());
            // SAFETY: the MPI thread gets the raw address (a confined arena's segment cannot cross
            // threads); the task keeps `part`, hence an automatic arena, reachable until MPI is done.
            call("all-reduce", type, chunk, () -> {
                int status = (int) mpi.allreduce.invokeExact(MpiLibrary.IN_PLACE, address, chunk, datatype, mpi.opSum,
                        comm);
                java.lang.ref.Reference.reachabilityFence(part);
                return status;
            });
        }
        if (reduction == Reduction.AVERAGE && size > 1) {
            divide(buffer, type, count, size);
        }
    }

    /** {@code buffer[i] /= divisor}: MPI has no average, so it is the sum divided here. */
    static void divide(MemorySegment buffer, ElementType type, long count, int divisor) {
        if (type == ElementType.F32) {
            for (long i = 0; i < count; i++) {
                buffer.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i,
                        buffer.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i) / divisor);
            }
        } else {
            for (long i = 0; i < count; i++) {
                buffer.setAtIndex(JAVA_INT, i, buffer.getAtIndex(JAVA_INT, i) / divisor);
            }
        }
    }

    @Override
    public void broadcast(MemorySegment buffer, ElementType type, long count, int root) {
        Communicator.checkBuffer("broadcast", rank, buffer, type, count);
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast on rank " + rank + ": root " + root + " is not a rank of "
                    + size);
        }
        MemorySegment datatype = type == ElementType.F32 ? mpi.typeFloat : mpi.typeInt;
        for (long start = 0; start < count; start += MAX_CHUNK) {
            int chunk = (int) Math.min(MAX_CHUNK, count - start);
            MemorySegment part = buffer.asSlice(start * type.bytes(), chunk * type.bytes());
            MemorySegment address = MemorySegment.ofAddress(part.address());
            // SAFETY: as in allReduce.
            call("broadcast", type, chunk, () -> {
                int status = (int) mpi.bcast.invokeExact(address, chunk, datatype, root, comm);
                java.lang.ref.Reference.reachabilityFence(part);
                return status;
            });
        }
    }

    @Override
    public void barrier() {
        call("barrier", null, 0, () -> (int) mpi.barrier.invokeExact(comm));
    }

    @Override
    public String describe() {
        return "MPI (" + mpi.shortVersion() + ", " + mpi.path + ")";
    }

    /** A native call returning an MPI status. */
    @FunctionalInterface
    private interface MpiCall {
        int invoke() throws Throwable;
    }

    /** A native call as a task for the MPI thread (method handles throw Throwable). */
    private static java.util.concurrent.Callable<Integer> callable(MpiCall call) {
        return () -> {
            try {
                return call.invoke();
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Runs {@code call} on the MPI thread and waits at most the timeout; then names the failed ranks. */
    private void call(String op, ElementType type, int count, MpiCall call) {
        if (closed) {
            throw new IllegalStateException(op + " on rank " + rank + ": the communicator is closed");
        }
        if (failure != null) {
            throw new IllegalStateException(op + " on rank " + rank + ": an earlier collective failed ("
                    + failure.getMessage() + ")");
        }
        long number = ++sequence;
        String what = op + " #" + number + (type == null ? "" : String.format(java.util.Locale.ROOT, " (%,d %s elements)",
                count, type));
        Future<Integer> running = mpiThread.submit(callable(call));
        int status;
        try {
            status = running.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            failure = rollCall(what, number);
            throw failure;
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " on rank " + rank + " could not be called: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " on rank " + rank + " was interrupted", e);
        }
        mpi.check("MPI " + what, rank, status);
    }

    /**
     * After a timeout in collective {@code number}: tells every other rank so and listens for the
     * same from them for the grace period. Who does not answer has failed. Runs on the caller's
     * thread while the MPI thread is still inside the collective (MPI_THREAD_MULTIPLE).
     */
    private CollectiveTimeoutException rollCall(String what, long number) {
        if (threadLevel < MpiLibrary.MPI_THREAD_MULTIPLE) {
            return CollectiveTimeoutException.of(what, rank, size, timeout, List.of(), List.of(), false);
        }
        // SAFETY: pending requests may write into these buffers after we stop waiting (a late
        // answer), and the job is aborted soon after: the global arena is never freed.
        Arena arena = Arena.global();
        MemorySegment answers = arena.allocate(JAVA_INT, size);
        MemorySegment mine = arena.allocate(JAVA_INT);
        mine.set(JAVA_INT, 0, (int) number);
        MemorySegment receives = arena.allocate(ADDRESS, size);
        MemorySegment sends = arena.allocate(ADDRESS, size);
        MemorySegment flag = arena.allocate(JAVA_INT);
        boolean[] answered = new boolean[size];
        answered[rank] = true;
        try {
            for (int peer = 0; peer < size; peer++) {
                if (peer == rank) {
                    continue;
                }
                mpi.check("MPI_Irecv (roll call)", rank, (int) mpi.irecv.invokeExact(
                        answers.asSlice(peer * 4L, 4), 1, mpi.typeInt, peer, ROLL_CALL_TAG, rollCallComm,
                        receives.asSlice(peer * ADDRESS.byteSize(), ADDRESS.byteSize())));
                mpi.check("MPI_Isend (roll call)", rank, (int) mpi.isend.invokeExact(mine, 1, mpi.typeInt, peer,
                        ROLL_CALL_TAG, rollCallComm, sends.asSlice(peer * ADDRESS.byteSize(), ADDRESS.byteSize())));
            }
            long deadline = System.nanoTime() + rollCallGrace(timeout).toNanos();
            int missing = size - 1;
            while (missing > 0 && System.nanoTime() < deadline) {
                for (int peer = 0; peer < size; peer++) {
                    if (answered[peer]) {
                        continue;
                    }
                    mpi.check("MPI_Test (roll call)", rank, (int) mpi.test.invokeExact(
                            receives.asSlice(peer * ADDRESS.byteSize(), ADDRESS.byteSize()), flag, MemorySegment.NULL));
                    if (flag.get(JAVA_INT, 0) != 0) {
                        answered[peer] = true;
                        missing--;
                    }
                }
                Thread.sleep(1);
            }
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return CollectiveTimeoutException.of(what + " (the roll call failed: " + e.getMessage() + ")", rank, size,
                    timeout, List.of(), List.of(), false);
        }
        List<Integer> failed = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        for (int peer = 0; peer < size; peer++) {
            if (!answered[peer]) {
                failed.add(peer);
            } else if (peer != rank && answers.getAtIndex(JAVA_INT, peer) != (int) number) {
                elsewhere.add("rank " + peer + " in #" + answers.getAtIndex(JAVA_INT, peer));
            }
        }
        return CollectiveTimeoutException.of(what, rank, size, timeout, failed, elsewhere, true);
    }

    /**
     * Ends every process of the job with {@code exitCode} ({@code MPI_Abort}); used after a failure
     * on this rank, when the others may be waiting in a collective that will never complete.
     * Waits {@link #ABORT_LINGER} first so that other failing ranks can print their errors.
     */
    @Override
    public void abort(int exitCode) {
        try {
            Thread.sleep(ABORT_LINGER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.flush();
        System.err.flush();
        try {
            // Called on this thread, not the MPI thread, which may be stuck in the collective.
            int status = (int) mpi.abort.invokeExact(mpi.commWorld, exitCode);
            mpi.check("MPI_Abort", rank, status);
        } catch (Throwable e) {
            throw new IllegalStateException("MPI_Abort failed on rank " + rank + ": " + e, e);
        }
    }

    /**
     * Leaves MPI ({@code MPI_Finalize}, on the MPI thread, within the timeout). After a collective
     * that timed out, aborts the job instead ({@link #abort}), exit status 1.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (failure != null) {
            abort(1);
            return;
        }
        Future<Integer> finalizing = mpiThread.submit(callable(() -> (int) mpi.finalizeCall.invokeExact()));
        try {
            mpi.check("MPI_Finalize", rank, finalizing.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            abort(1);
        } catch (ExecutionException e) {
            throw new IllegalStateException("MPI_Finalize on rank " + rank + " could not be called: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            mpiThread.shutdown();
        }
    }
}
