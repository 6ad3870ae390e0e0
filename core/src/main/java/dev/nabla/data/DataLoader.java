package dev.nabla.data;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Batches of a labelled dataset on a device, as {@code torch.utils.data.DataLoader}: optional
 * seeded shuffling, a batch size, drop-last, and background prefetch of the next batch while the
 * current one trains.
 *
 * <p>The order of epoch {@code e} depends only on {@code (seed, e)}, so a resumed run sees exactly
 * the batches an uninterrupted one would. Batches are created outside any {@link dev.nabla.Scope}
 * (on the prefetch thread); close each one after its step (it is {@link AutoCloseable}).
 */
public final class DataLoader implements AutoCloseable {

    private final float[] features;
    private final int[] labels;
    private final int featureCount;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final Device device;
    private final ExecutorService prefetcher;
    /** The batch being prepared, so {@link #close()} can free it if nobody takes it. */
    private volatile CompletableFuture<Batch> inFlight;

    /** One batch: features {@code [n, featureCount]} (F32) and labels {@code [n]} (I32). */
    public record Batch(Tensor features, Tensor labels, int index) implements AutoCloseable {
        public int size() {
            return labels.size(0);
        }

        @Override
        public void close() {
            features.close();
            labels.close();
        }
    }

    /**
     * @param features     row-major {@code samples × featureCount}
     * @param labels       one class index per sample
     * @param batchSize    samples per batch (the last batch may be smaller unless {@code dropLast})
     * @param shuffle      reshuffle every epoch with a permutation derived from {@code seed} and the epoch
     * @param dropLast     drop a final batch smaller than {@code batchSize}
     * @param seed         shuffling seed
     * @param device       where batches are copied
     */
    public DataLoader(float[] features, int[] labels, int featureCount, int batchSize, boolean shuffle,
                      boolean dropLast, long seed, Device device) {
        if (featureCount <= 0 || (long) labels.length * featureCount != features.length) {
            throw new IllegalArgumentException("DataLoader: " + features.length + " feature values do not hold "
                    + labels.length + " samples of " + featureCount + " features");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
        }
        this.features = features;
        this.labels = labels;
        this.featureCount = featureCount;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.device = device;
        this.prefetcher = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "nabla-prefetch");
            thread.setDaemon(true);
            return thread;
        });
    }

    public int samples() {
        return labels.length;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Samples one epoch visits (fewer than {@link #samples()} with drop-last). */
    public int samplesPerEpoch() {
        return dropLast ? batches() * batchSize : samples();
    }

    /** Batches per epoch. */
    public int batches() {
        int full = samples() / batchSize;
        return dropLast || samples() % batchSize == 0 ? full : full + 1;
    }

    /**
     * The sample order of {@code epoch}: a Fisher–Yates permutation from a generator seeded with
     * {@code (seed, epoch)}, or the identity without shuffling.
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

    /** The batches of {@code epoch}, each prepared on a background thread while the previous one is used. */
    public Iterator<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        int count = batches();
        return new Iterator<>() {
            private int next;
            private CompletableFuture<Batch> pending = count > 0 ? prepare(order, 0) : null;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("epoch " + epoch + " has " + count + " batches");
                }
                Batch batch = pending.join();
                inFlight = null;
                next++;
                pending = next < count ? prepare(order, next) : null;
                return batch;
            }
        };
    }

    private CompletableFuture<Batch> prepare(int[] order, int index) {
        CompletableFuture<Batch> future = CompletableFuture.supplyAsync(() -> makeBatch(order, index), prefetcher);
        inFlight = future;
        return future;
    }

    private Batch makeBatch(int[] order, int index) {
        int start = index * batchSize;
        int n = Math.min(batchSize, order.length - start);
        float[] x = new float[n * featureCount];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int sample = order[start + i];
            System.arraycopy(features, sample * featureCount, x, i * featureCount, featureCount);
            y[i] = labels[sample];
        }
        return new Batch(Tensor.of(device, x, n, featureCount), Tensor.of(device, y, n), index);
    }

    /**
     * Stops the prefetch thread and frees a prefetched batch nobody took (an epoch left early,
     * e.g. by an exception in a step): on a GPU it would hold device memory until the GC ran.
     */
    @Override
    public void close() {
        CompletableFuture<Batch> left = inFlight;
        inFlight = null;
        if (left != null) {
            try {
                left.join().close();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                // Preparing it failed: nothing was allocated to free.
            }
        }
        prefetcher.shutdown();
    }
}
