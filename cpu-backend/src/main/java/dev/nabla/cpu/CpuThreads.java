package dev.nabla.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The one thread pool of the CPU backend, shared by every kernel in the process.
 *
 * <p>Work is split into a handful of coarse chunks (about one per core), never into fine-grained
 * tasks. The hand-off is built for kernels of tens of microseconds, issued back to back:
 *
 * <ul>
 *   <li>Chunks are <em>claimed</em> from a counter, by the workers and by the calling thread alike:
 *       the caller never waits for a worker to wake up before it starts, and when a worker is slow
 *       to wake (a parked thread takes 20-60 µs here; longer when another process holds its core)
 *       the caller simply runs its chunks too.</li>
 *   <li>A worker that finishes spins for {@link #SPIN_NANOS} before it parks, so the next kernel of
 *       a step (a few µs later) finds it awake; the caller is woken with {@code unpark} only when it
 *       had to park itself.</li>
 *   <li>One job at a time: a call that finds the pool busy (another thread's kernel, or a kernel
 *       started from inside a chunk) runs its chunks itself, so parallelism never nests.</li>
 * </ul>
 *
 * <p>Per call this allocates one small job object, nothing else.
 */
final class CpuThreads {

    /**
     * Element-wise kernels, copies and reductions go parallel from this many elements on.
     * Measured with {@code ThresholdProbe} (2026-11-21, 2-vCPU VM, interleaved, two runs): when the
     * input was just written by a two-thread kernel, as in a training step, two threads win
     * 2.2-3.4× from 8K elements (relu, add, copy, row and column sums); when the input sits in the
     * caller's own L2, they break even at 16K-32K. 16K serves both.
     */
    static final int PARALLEL_THRESHOLD = 1 << 14;

    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** How long an idle worker (and a waiting caller) spins before it parks. */
    static final long SPIN_NANOS = Long.getLong("nabla.cpu.spinMicros", 50) * 1000;

    /** Probes only: when positive, {@link #chunksFor} returns it whatever the size. */
    static int forcedChunks;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = new Worker[THREADS - 1];
    /** The latest job; workers run it when it differs from the one they ran last. */
    private static volatile Job current;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private CpuThreads() {
    }

    /** Number of threads kernels split their work across. */
    static int threads() {
        return THREADS;
    }

    /** Chunks worth using for {@code elements} units of cheap work: 1 below the threshold. */
    static int chunksFor(long elements) {
        return chunksFor(elements, PARALLEL_THRESHOLD);
    }

    /**
     * Chunks worth using for {@code elements} units of work that only pays to split from
     * {@code threshold} units on: 1 below it, then one per {@code threshold / 2} units up to one
     * per thread.
     */
    static int chunksFor(long elements, long threshold) {
        if (forcedChunks > 0) {
            return forcedChunks;
        }
        if (elements < threshold || THREADS == 1) {
            return 1;
        }
        return (int) Math.max(1, Math.min(THREADS, elements / Math.max(1, threshold / 2)));
    }

    /**
     * Runs {@code body.accept(chunk)} for every chunk in {@code [0, chunks)} and waits for all of
     * them; the first failure is rethrown after every chunk has finished.
     */
    static void parallelFor(int chunks, IntConsumer body) {
        if (chunks <= 1 || WORKERS.length == 0 || Thread.currentThread() instanceof Worker
                || !BUSY.compareAndSet(false, true)) {
            for (int chunk = 0; chunk < chunks; chunk++) {
                body.accept(chunk);
            }
            return;
        }
        Job job = new Job(body, chunks);
        try {
            current = job;
            for (Worker worker : WORKERS) {
                if (worker.parked) {
                    LockSupport.unpark(worker);
                }
            }
            job.work();
            job.awaitDone();
        } finally {
            BUSY.set(false);
        }
        job.rethrow();
    }

    /**
     * Splits {@code [0, count)} into {@code chunks} contiguous ranges whose starts are multiples of
     * {@code align} (except the end) and runs {@code body.run(start, end)} on each, in parallel.
     */
    static void parallelRanges(int count, int chunks, int align, RangeBody body) {
        int units = (count + align - 1) / align;
        int used = Math.max(1, Math.min(chunks, units));
        if (used == 1) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        parallelFor(used, chunk -> {
            int start = rangeStart(count, units, used, align, chunk);
            int end = rangeStart(count, units, used, align, chunk + 1);
            if (start < end) {
                body.run(start, end);
            }
        });
    }

    /** Start of range {@code chunk} of {@code used} over {@code units} aligned units of {@code count}. */
    static int rangeStart(int count, int units, int used, int align, int chunk) {
        return (int) Math.min(count, (long) units * chunk / used * align);
    }

    /** A half-open index range of work. */
    @FunctionalInterface
    interface RangeBody {
        void run(int start, int end);
    }

    /** One parallelFor call: its chunks are claimed from {@link #next}, completion counted in {@link #done}. */
    private static final class Job {
        private static final VarHandle NEXT;
        private static final VarHandle DONE;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                NEXT = lookup.findVarHandle(Job.class, "next", int.class);
                DONE = lookup.findVarHandle(Job.class, "done", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final IntConsumer body;
        final int chunks;
        volatile int next;
        volatile int done;
        volatile Thread waiter;
        private Throwable failure;

        Job(IntConsumer body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            int chunk;
            while ((chunk = (int) NEXT.getAndAdd(this, 1)) < chunks) {
                try {
                    body.accept(chunk);
                } catch (Throwable t) {
                    fail(t);
                }
                if ((int) DONE.getAndAdd(this, 1) + 1 == chunks) {
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                }
            }
        }

        void awaitDone() {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (done < chunks) {
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (done < chunks) {
                        LockSupport.park(this);
                    }
                }
            }
        }

        private synchronized void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            } else if (failure != t) {
                failure.addSuppressed(t);
            }
        }

        synchronized void rethrow() {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("nabla-cpu-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            while (true) {
                Job job = current;
                if (job == last) {
                    job = await(last);
                }
                last = job;
                job.work();
            }
        }

        private Job await(Job last) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            Job job;
            while ((job = current) == last) {
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (current == last) {
                        LockSupport.park(CpuThreads.class);
                    }
                    parked = false;
                    deadline = System.nanoTime() + SPIN_NANOS;
                }
            }
            return job;
        }
    }
}
