package dev.nabla.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.function.IntConsumer;

/**
 * The one thread pool of the CPU backend, shared by every kernel in the process.
 *
 * <p>Work is split into a handful of coarse chunks (one per core), never into fine-grained tasks:
 * the kernels are memory- or FMA-bound and a chunk per core is what keeps every core busy without
 * stealing overhead. The calling thread runs chunk 0 itself. A kernel that is already running on a
 * pool thread runs its chunks serially, so parallelism never nests.
 */
final class CpuThreads {

    /** Element-wise and reduction kernels go parallel only above this many elements. */
    static final int PARALLEL_THRESHOLD = 1 << 15;

    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, pool -> {
        ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        thread.setName("nabla-cpu-" + thread.getPoolIndex());
        thread.setDaemon(true);
        return thread;
    }, null, false);

    private CpuThreads() {
    }

    /** Number of threads kernels split their work across. */
    static int threads() {
        return THREADS;
    }

    /** Chunks worth using for {@code elements} units of cheap work: 1 below the threshold. */
    static int chunksFor(long elements) {
        if (elements < PARALLEL_THRESHOLD || THREADS == 1) {
            return 1;
        }
        return (int) Math.min(THREADS, elements / (PARALLEL_THRESHOLD / 2));
    }

    /**
     * Runs {@code body.accept(chunk)} for every chunk in {@code [0, chunks)} and waits for all of
     * them; the first failure is rethrown after every chunk has finished.
     */
    static void parallelFor(int chunks, IntConsumer body) {
        if (chunks <= 1 || insidePool()) {
            for (int chunk = 0; chunk < chunks; chunk++) {
                body.accept(chunk);
            }
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int chunk = 1; chunk < chunks; chunk++) {
            int index = chunk;
            tasks[chunk - 1] = POOL.submit(() -> body.accept(index));
        }
        RuntimeException failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Splits {@code [0, count)} into {@code chunks} contiguous ranges whose starts are multiples of
     * {@code align} (except the end) and runs {@code body.run(start, end)} on each, in parallel.
     */
    static void parallelRanges(int count, int chunks, int align, RangeBody body) {
        int units = (count + align - 1) / align;
        int used = Math.max(1, Math.min(chunks, units));
        parallelFor(used, chunk -> {
            int start = (int) Math.min(count, (long) units * chunk / used * align);
            int end = (int) Math.min(count, (long) units * (chunk + 1) / used * align);
            if (start < end) {
                body.run(start, end);
            }
        });
    }

    /** A half-open index range of work. */
    @FunctionalInterface
    interface RangeBody {
        void run(int start, int end);
    }

    private static boolean insidePool() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread worker && worker.getPool() == POOL;
    }
}
