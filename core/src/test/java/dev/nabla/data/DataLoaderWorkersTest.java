package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The DataLoader's workers, prefetch, host buffers, standardisation and rank split. */
class DataLoaderWorkersTest {

    private static final int FEATURES = 3;

    /** Row i holds (i, -i, i²) and label i % 7. */
    private static InMemoryDataset rows(int n) {
        float[] x = new float[n * FEATURES];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[FEATURES * i] = i;
            x[FEATURES * i + 1] = -i;
            x[FEATURES * i + 2] = (float) i * i;
            y[i] = i % 7;
        }
        return InMemoryDataset.ofClasses("rows", x, FEATURES, y, 7);
    }

    /** Every batch of {@code epochs} epochs as (features, labels) host arrays. */
    private static List<Object[]> batches(DataLoader loader, int epochs) {
        List<Object[]> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (Iterator<DataLoader.Batch> it = loader.epoch(e); it.hasNext(); ) {
                try (DataLoader.Batch b = it.next()) {
                    out.add(new Object[] {b.features().toFloatArray(), b.targets().toIntArray(), b.index()});
                }
            }
        }
        return out;
    }

    private static DataLoader.Builder settings(Dataset data, int workers) {
        return DataLoader.builder(data).batchSize(32).shuffle(true).seed(11).workers(workers)
                .device(Device.reference());
    }

    @Test
    void zeroOneAndFourWorkersGiveIdenticalBatches() throws DataFormatException {
        InMemoryDataset data = rows(1000); // 31 full batches and one of 8
        Standardizer normalizer = Standardizer.fit(data, Standardizer.Scope.PER_FEATURE);
        List<Object[]> reference = null;
        for (int workers : new int[] {0, 1, 4}) {
            try (DataLoader loader = settings(data, workers).normalize(normalizer).prefetch(3).build()) {
                List<Object[]> got = batches(loader, 3);
                assertEquals(3 * 32, got.size());
                if (reference == null) {
                    reference = got;
                    continue;
                }
                for (int i = 0; i < got.size(); i++) {
                    assertArrayEquals((float[]) reference.get(i)[0], (float[]) got.get(i)[0], workers + " workers, batch " + i);
                    assertArrayEquals((int[]) reference.get(i)[1], (int[]) got.get(i)[1], workers + " workers, batch " + i);
                    assertEquals(reference.get(i)[2], got.get(i)[2]);
                }
            }
        }
        // and the batches are the epoch's permutation, standardised
        try (DataLoader loader = settings(data, 4).normalize(normalizer).build()) {
            int[] order = loader.order(0);
            float[] first = (float[]) reference.get(0)[0];
            float[] row = new float[FEATURES];
            data.readFeatures(order[1], row, 0);
            normalizer.applyInPlace(row);
            assertArrayEquals(row, Arrays.copyOfRange(first, FEATURES, 2 * FEATURES));
            assertArrayEquals(new int[] {order[0] % 7, order[1] % 7},
                    Arrays.copyOf((int[]) reference.get(0)[1], 2));
        }
    }

    @Test
    void hostBuffersAreReusedNotAllocatedPerBatch() {
        for (int workers : new int[] {0, 2}) {
            try (DataLoader loader = settings(rows(1000), workers).build()) {
                batches(loader, 4); // 128 batches
                // one full-size buffer per worker (or one) and one for the short last batch
                assertTrue(loader.buffersCreated() <= Math.max(1, workers) + 1,
                        workers + " workers: " + loader.buffersCreated() + " buffers for 128 batches");
            }
        }
    }

    @Test
    void batchesMadeOnTheCallersThreadOutliveItsScope() {
        try (DataLoader loader = settings(rows(100), 0).build()) {
            DataLoader.Batch batch;
            try (Scope scope = Scope.open()) {
                batch = loader.epoch(0).next();
            }
            assertEquals(32, batch.features().toFloatArray().length / FEATURES, "still readable after the scope");
            batch.close();
        }
    }

    @Test
    void ranksSplitEachEpochLikeDistributedSampler() {
        InMemoryDataset data = rows(10);
        int world = 3;
        List<Integer> seen = new ArrayList<>();
        int[] order;
        try (DataLoader whole = settings(data, 0).build()) {
            order = whole.order(2);
        }
        for (int rank = 0; rank < world; rank++) {
            try (DataLoader loader = settings(data, 1).batchSize(2).rank(rank, world).build()) {
                assertEquals(4, loader.rankSamples(), "ceil(10 / 3)");
                assertEquals(2, loader.batches());
                int[] mine = loader.rankOrder(2);
                for (int i = 0; i < mine.length; i++) {
                    // padded by repeating the start: position i * world + rank of the padded order
                    assertEquals(order[(i * world + rank) % order.length], mine[i]);
                }
                for (Object[] b : batches(loader, 3).subList(2 * 2, 3 * 2)) { // epoch 2
                    for (int label : (int[]) b[1]) {
                        seen.add(label);
                    }
                }
                for (int row : mine) {
                    assertTrue(row >= 0 && row < 10);
                }
            }
        }
        assertEquals(12, seen.size(), "3 ranks x 4 samples, two of them repeats");
        Set<Integer> rows = new HashSet<>();
        for (int rank = 0; rank < world; rank++) {
            try (DataLoader loader = settings(data, 0).rank(rank, world).build()) {
                for (int row : loader.rankOrder(2)) {
                    rows.add(row);
                }
            }
        }
        assertEquals(10, rows.size(), "together the ranks cover every row");
    }

    @Test
    void valueTargetsComeAsAFloatMatrix() {
        float[] x = {1, 2, 3, 4, 5, 6};
        float[] t = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
        InMemoryDataset data = InMemoryDataset.ofValues("values", x, 2, t, 2);
        try (DataLoader loader = DataLoader.builder(data).batchSize(2).workers(2).device(Device.reference()).build()) {
            DataLoader.Batch b = loader.epoch(0).next();
            assertSame(DType.F32, b.targets().dtype());
            assertArrayEquals(new int[] {2, 2}, b.targets().shape());
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, b.targets().toFloatArray());
            assertThrows(IllegalStateException.class, b::labels);
            b.close();
        }
    }

    @Test
    void aWorkersFailureReachesTheTrainingLoopAsItself() {
        InMemoryDataset good = rows(100);
        Dataset broken = new Dataset() {
            @Override public int size() { return 100; }
            @Override public int featureCount() { return FEATURES; }
            @Override public TargetKind targetKind() { return TargetKind.CLASS_INDEX; }
            @Override public int classes() { return 7; }
            @Override public String source() { return "broken"; }
            @Override public int label(int row) { return 0; }
            @Override public void readFeatures(int row, float[] dst, int offset) {
                if (row == 99) {
                    throw new IllegalStateException("row 99 cannot be read");
                }
                good.readFeatures(row, dst, offset);
            }
        };
        try (DataLoader loader = DataLoader.builder(broken).batchSize(10).workers(3).device(Device.reference()).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> batches(loader, 1));
            assertEquals("row 99 cannot be read", e.getMessage());
        }
    }

    @Test
    void closingMidEpochFreesEveryPrefetchedBatch() {
        var backend = Device.reference().backend();
        long before = backend.memoryStats().bytesInUse();
        DataLoader loader = settings(rows(1000), 4).prefetch(6).build();
        Iterator<DataLoader.Batch> epoch = loader.epoch(0);
        epoch.next().close();
        loader.close(); // up to six batches were queued or ready
        assertTrue(backend.memoryStats().bytesInUse() <= before,
                "bytes in use " + backend.memoryStats().bytesInUse() + " after close, " + before + " before");
        assertThrows(IllegalStateException.class, epoch::next);
    }

    @Test
    void badSettingsAreRefused() {
        InMemoryDataset data = rows(10);
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).workers(-1).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).rank(3, 3).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).prefetch(0).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data)
                .normalize(Standardizer.of(new float[2], new float[] {1, 1}, 2)).build());
    }
}
