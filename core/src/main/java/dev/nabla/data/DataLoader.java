package dev.nabla.data;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches of a {@link Dataset} on a device, as {@code torch.utils.data.DataLoader}: seeded
 * shuffling, a batch size, drop-last, {@code workers} threads that assemble batches ahead of the
 * training loop into a bounded prefetch queue, an optional standardisation applied as each batch
 * is assembled, and a rank/world split for data-parallel training.
 *
 * <p><b>Order.</b> The sample order of epoch {@code e} depends only on {@code (seed, e)}
 * ({@link #order}), and batch {@code i} always holds the same rows, whatever the number of
 * workers: workers assemble batches in any order, the iterator hands them out in order (as
 * PyTorch's {@code in_order=True}). A resumed run therefore sees exactly the batches an
 * uninterrupted one would, and {@code --workers} changes speed, never results.
 *
 * <p><b>Ranks.</b> With {@code worldSize > 1}, every rank computes the same permutation, pads it
 * by repeating its start to a multiple of {@code worldSize}, and takes every
 * {@code worldSize}-th sample from position {@code rank}: PyTorch's {@code DistributedSampler}
 * with {@code drop_last=False}. Each rank sees {@code ceil(size / worldSize)} samples an epoch.
 *
 * <p><b>Workers.</b> {@code 0} assembles each batch in the calling thread when it is asked for (no
 * prefetch); {@code N ≥ 1} runs N threads that keep up to {@code prefetch} batches (default
 * {@code 2·N}, PyTorch's {@code prefetch_factor}) ready on the device. Each worker fills a host
 * buffer taken from a pool, standardises it in place, copies it to the device and returns the
 * buffer: host buffers are reused, not allocated per batch. On CUDA the backend stages the copy
 * through its own page-locked buffers ({@code PinnedStaging}), so the copy is queued
 * asynchronously.
 *
 * <p>Batches are created outside any {@link dev.nabla.Scope}; close each one after its step (it
 * is {@link AutoCloseable}). Close the loader to stop its threads and free batches prepared but
 * not taken.
 */
public final class DataLoader implements AutoCloseable {

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final Device device;
    private final int workers;
    private final int prefetch;
    private final int rank;
    private final int worldSize;
    private final Standardizer normalizer;
    private final Standardizer targetNormalizer;
    private final ExecutorService pool;
    /** Batches being prepared or ready, so {@link #close()} can free those nobody took. */
    private final Set<CompletableFuture<Batch>> pending = ConcurrentHashMap.newKeySet();
    /** Free host buffers by their row count (full batches, and the one shorter last batch). */
    private final ConcurrentHashMap<Integer, ConcurrentLinkedQueue<HostBuffer>> freeBuffers = new ConcurrentHashMap<>();
    private final AtomicInteger buffersCreated = new AtomicInteger();
    private volatile boolean closed;

    /**
     * One batch: features {@code [n, featureCount]} (F32) and targets: class indices {@code [n]}
     * (I32), or values {@code [n, targetWidth]} (F32).
     */
    public record Batch(Tensor features, Tensor targets, int index) implements AutoCloseable {
        public int size() {
            return features.size(0);
        }

        /** The targets as class indices; only for a data set of {@link Dataset.TargetKind#CLASS_INDEX} targets. */
        public Tensor labels() {
            if (targets.dtype() != dev.nabla.DType.I32) {
                throw new IllegalStateException("this batch holds real-valued targets " + java.util.Arrays.toString(
                        targets.shape()) + ", not class indices");
            }
            return targets;
        }

        @Override
        public void close() {
            features.close();
            targets.close();
        }
    }

    /** A batch's host arrays, reused from batch to batch. */
    private record HostBuffer(int rows, float[] features, int[] labels, float[] values) {}

    /**
     * The loader's settings, as {@code DataLoader(dataset, batch_size=..., shuffle=...,
     * num_workers=...)}; defaults: batch 1, no shuffling, keep the last batch, seed 0, no workers,
     * rank 0 of 1, no standardisation, the default device.
     */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private boolean dropLast;
        private long seed;
        private Device device;
        private int workers;
        private int prefetch = -1;
        private int rank;
        private int worldSize = 1;
        private Standardizer normalizer;
        private Standardizer targetNormalizer;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Reshuffle every epoch with a permutation derived from the seed and the epoch. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Drop a final batch smaller than the batch size. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Where batches are copied. */
        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        /** Threads assembling batches; 0 assembles them in the calling thread. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Batches kept ready ahead of the one in use (with workers); default twice the workers. */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** This process's share of the data: rank {@code rank} of {@code worldSize}. */
        public Builder rank(int rank, int worldSize) {
            this.rank = rank;
            this.worldSize = worldSize;
            return this;
        }

        /** Standardises every batch's features with these statistics (fitted on the training set). */
        public Builder normalize(Standardizer normalizer) {
            this.normalizer = normalizer;
            return this;
        }

        /**
         * Standardises every batch's real-valued targets with these statistics ({@link
         * Standardizer#fitTargets}, on the training set); for regression.
         */
        public Builder normalizeTargets(Standardizer targetNormalizer) {
            this.targetNormalizer = targetNormalizer;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** Settings for a loader over {@code dataset}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /**
     * A loader over in-memory arrays with one background worker, as before data sets existed.
     *
     * @param features  row-major {@code samples × featureCount}
     * @param labels    one class index per sample
     * @param batchSize samples per batch (the last batch may be smaller unless {@code dropLast})
     * @param shuffle   reshuffle every epoch with a permutation derived from {@code seed} and the epoch
     * @param dropLast  drop a final batch smaller than {@code batchSize}
     * @param seed      shuffling seed
     * @param device    where batches are copied
     */
    public DataLoader(float[] features, int[] labels, int featureCount, int batchSize, boolean shuffle,
                      boolean dropLast, long seed, Device device) {
        this(builder(inMemory(features, labels, featureCount)).batchSize(batchSize).shuffle(shuffle)
                .dropLast(dropLast).seed(seed).device(device).workers(1));
    }

    /** Arrays as a data set whose classes are {@code 0 .. max label}. */
    static Dataset inMemory(float[] features, int[] labels, int featureCount) {
        if (featureCount <= 0 || (long) labels.length * featureCount != features.length) {
            throw new IllegalArgumentException("DataLoader: " + features.length + " feature values do not hold "
                    + labels.length + " samples of " + featureCount + " features");
        }
        int classes = 1;
        for (int label : labels) {
            classes = Math.max(classes, label + 1);
        }
        return InMemoryDataset.ofClasses("memory", features, featureCount, labels, classes);
    }

    private DataLoader(Builder b) {
        if (b.batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + b.batchSize);
        }
        if ((long) b.batchSize * b.dataset.featureCount() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("DataLoader: a batch of " + b.batchSize + " rows of "
                    + b.dataset.featureCount() + " features is more than one array holds; use a smaller batch");
        }
        if (b.workers < 0) {
            throw new IllegalArgumentException("DataLoader: workers must be 0 or more, got " + b.workers);
        }
        if (b.worldSize < 1 || b.rank < 0 || b.rank >= b.worldSize) {
            throw new IllegalArgumentException("DataLoader: rank " + b.rank + " of world size " + b.worldSize
                    + " (need 0 <= rank < worldSize)");
        }
        if (b.prefetch == 0 || b.prefetch < -1) {
            throw new IllegalArgumentException("DataLoader: prefetch must be at least 1, got " + b.prefetch);
        }
        if (b.normalizer != null && b.normalizer.features() != b.dataset.featureCount()) {
            throw new IllegalArgumentException("DataLoader: the standardizer has " + b.normalizer.features()
                    + " features, the data set (" + b.dataset.source() + ") " + b.dataset.featureCount());
        }
        if (b.targetNormalizer != null && (b.dataset.targetKind() != Dataset.TargetKind.VALUES
                || b.targetNormalizer.features() != b.dataset.targetWidth())) {
            throw new IllegalArgumentException("DataLoader: the target standardizer has " + b.targetNormalizer.features()
                    + " columns, the data set (" + b.dataset.source() + ") " + (b.dataset.targetKind()
                    == Dataset.TargetKind.VALUES ? b.dataset.targetWidth() + " target values per row"
                    : "class-index targets"));
        }
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.device = b.device != null ? b.device : Device.getDefault();
        this.workers = b.workers;
        this.prefetch = b.prefetch > 0 ? b.prefetch : Math.max(1, 2 * b.workers);
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        this.normalizer = b.normalizer;
        this.targetNormalizer = b.targetNormalizer;
        AtomicInteger threads = new AtomicInteger();
        this.pool = workers == 0 ? null : Executors.newFixedThreadPool(workers, r -> {
            Thread thread = new Thread(r, "nabla-loader-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public Dataset dataset() {
        return dataset;
    }

    /** Rows in the data set (all ranks together). */
    public int samples() {
        return dataset.size();
    }

    public int batchSize() {
        return batchSize;
    }

    public int workers() {
        return workers;
    }

    /** This rank's samples per epoch before batching: {@code ceil(size / worldSize)}. */
    public int rankSamples() {
        return (int) ((dataset.size() + (long) worldSize - 1) / worldSize);
    }

    /** Samples one epoch visits on this rank (fewer than {@link #rankSamples()} with drop-last). */
    public int samplesPerEpoch() {
        return dropLast ? batches() * batchSize : rankSamples();
    }

    /** Batches per epoch on this rank. */
    public int batches() {
        int full = rankSamples() / batchSize;
        return dropLast || rankSamples() % batchSize == 0 ? full : full + 1;
    }

    /**
     * The sample order of {@code epoch} over the whole data set: a Fisher–Yates permutation from a
     * generator seeded with {@code (seed, epoch)}, or the identity without shuffling.
     */
    public int[] order(int epoch) {
        int[] order = new int[samples()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        return order;
    }

    /** The rows this rank visits in {@code epoch}, in order (see the class comment for the split). */
    public int[] rankOrder(int epoch) {
        int[] order = order(epoch);
        if (worldSize == 1) {
            return order;
        }
        int[] mine = new int[rankSamples()];
        for (int i = 0; i < mine.length; i++) {
            long position = (long) i * worldSize + rank;
            mine[i] = order.length == 0 ? 0 : order[(int) (position % order.length)];
        }
        return mine;
    }

    /** The batches of {@code epoch}, in order; with workers, assembled ahead in the background. */
    public Iterator<Batch> epoch(int epoch) {
        if (closed) {
            throw new IllegalStateException("DataLoader over " + dataset.source() + " is closed");
        }
        return new EpochIterator(epoch, rankOrder(epoch), batches());
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] rows;
        private final int count;
        private final ArrayDeque<CompletableFuture<Batch>> ahead = new ArrayDeque<>();
        private int next;
        private int submitted;

        EpochIterator(int epoch, int[] rows, int count) {
            this.epoch = epoch;
            this.rows = rows;
            this.count = count;
            topUp();
        }

        /** Keeps up to {@code prefetch} batches queued or ready. */
        private void topUp() {
            while (pool != null && submitted < count && ahead.size() < prefetch) {
                int index = submitted++;
                CompletableFuture<Batch> future = CompletableFuture.supplyAsync(() -> assemble(rows, index), pool);
                pending.add(future);
                ahead.add(future);
            }
        }

        @Override
        public boolean hasNext() {
            return next < count;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has " + count + " batches");
            }
            if (closed) {
                throw new IllegalStateException("DataLoader over " + dataset.source() + " is closed");
            }
            if (pool == null) {
                Batch batch = assemble(rows, next++);
                // NOTE: assembled on the caller's thread, the tensors would join a Scope open there and
                // be freed with it; they belong to the batch instead, like a worker's.
                batch.features().keep();
                batch.targets().keep();
                return batch;
            }
            CompletableFuture<Batch> future = ahead.poll();
            Batch batch;
            try {
                batch = future.join();
            } catch (CompletionException e) {
                pending.remove(future);
                throw rethrow(e.getCause());
            }
            pending.remove(future);
            next++;
            topUp();
            return batch;
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("DataLoader: assembling a batch failed: " + cause, cause);
    }

    /** Batch {@code index} of {@code rows}: read, standardised and copied to the device. */
    private Batch assemble(int[] rows, int index) {
        int start = index * batchSize;
        int n = Math.min(batchSize, rows.length - start);
        HostBuffer buffer = takeBuffer(n);
        try {
            dataset.fill(rows, start, n, buffer.features(), buffer.labels(), buffer.values());
            if (normalizer != null) {
                normalizer.applyInPlace(buffer.features());
            }
            if (targetNormalizer != null) {
                targetNormalizer.applyInPlace(buffer.values());
            }
            Tensor x = Tensor.of(device, buffer.features(), n, dataset.featureCount());
            Tensor y;
            try {
                y = buffer.labels() != null ? Tensor.of(device, buffer.labels(), n)
                        : Tensor.of(device, buffer.values(), n, dataset.targetWidth());
            } catch (RuntimeException | Error e) {
                x.close();
                throw e;
            }
            return new Batch(x, y, index);
        } finally {
            // Safe to reuse at once: every backend's copyIn has read the array when it returns.
            freeBuffers.get(n).add(buffer);
        }
    }

    private HostBuffer takeBuffer(int rows) {
        HostBuffer buffer = freeBuffers.computeIfAbsent(rows, r -> new ConcurrentLinkedQueue<>()).poll();
        if (buffer != null) {
            return buffer;
        }
        buffersCreated.incrementAndGet();
        boolean classes = dataset.targetKind() == Dataset.TargetKind.CLASS_INDEX;
        return new HostBuffer(rows, new float[rows * dataset.featureCount()], classes ? new int[rows] : null,
                classes ? null : new float[rows * dataset.targetWidth()]);
    }

    /** Host buffers allocated so far: at most one per worker (or one) per batch length, however many batches. */
    int buffersCreated() {
        return buffersCreated.get();
    }

    /** The standardisation applied to each batch, if any. */
    public Optional<Standardizer> normalizer() {
        return Optional.ofNullable(normalizer);
    }

    /** The standardisation applied to each batch's real-valued targets, if any. */
    public Optional<Standardizer> targetNormalizer() {
        return Optional.ofNullable(targetNormalizer);
    }

    /**
     * Stops the workers and frees the batches they prepared that nobody took (an epoch left early,
     * e.g. by an exception in a step): on a GPU they would hold device memory until the GC ran.
     * Does not close the data set, which the caller owns.
     */
    @Override
    public void close() {
        closed = true;
        if (pool != null) {
            pool.shutdown();
        }
        // NOTE: no cancel(): a cancelled future whose task is already running would drop the
        // batch that task still makes. Shut down, the queue holds at most `prefetch` tasks: let
        // them finish and free what they made.
        for (CompletableFuture<Batch> future : pending) {
            try {
                future.join().close();
            } catch (CompletionException | CancellationException e) {
                // It failed: nothing was allocated to free.
            }
        }
        pending.clear();
    }
}
