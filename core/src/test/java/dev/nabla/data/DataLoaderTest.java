package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Device;
import java.util.Arrays;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

    private static DataLoader loader(int samples, int batch, boolean shuffle, boolean dropLast, long seed) {
        float[] x = new float[samples * 2];
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        return new DataLoader(x, y, 2, batch, shuffle, dropLast, seed, Device.reference());
    }

    @Test
    void shuffleIsAPermutationAndReproducible() {
        try (DataLoader a = loader(1000, 32, true, false, 7); DataLoader b = loader(1000, 32, true, false, 7)) {
            int[] order = a.order(3);
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "every sample exactly once");
            }
            assertArrayEquals(order, b.order(3), "same seed and epoch, same order");
            assertFalse(Arrays.equals(order, a.order(4)), "another epoch, another order");
            assertFalse(Arrays.equals(order, loader(1000, 32, true, false, 8).order(3)), "another seed");
        }
    }

    @Test
    void batchesCarryFeaturesWithTheirLabels() {
        try (DataLoader loader = loader(10, 4, true, false, 1)) {
            assertEquals(3, loader.batches());
            Iterator<DataLoader.Batch> epoch = loader.epoch(0);
            int seen = 0;
            while (epoch.hasNext()) {
                try (DataLoader.Batch batch = epoch.next()) {
                    float[] x = batch.features().toFloatArray();
                    int[] y = batch.labels().toIntArray();
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(y[i], x[2 * i]);
                        assertEquals(-y[i], x[2 * i + 1]);
                    }
                    seen += y.length;
                }
            }
            assertEquals(10, seen);
        }
    }

    @Test
    void dropLastDropsTheShortBatch() {
        try (DataLoader loader = loader(10, 4, false, true, 1)) {
            assertEquals(2, loader.batches());
            assertEquals(8, loader.samplesPerEpoch());
            Iterator<DataLoader.Batch> epoch = loader.epoch(0);
            assertArrayEquals(new int[] {0, 1, 2, 3}, epoch.next().labels().toIntArray());
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> loader(10, 0, false, false, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(new float[5], new int[2], 2, 1, false, false, 0, Device.reference()));
    }

    @Test
    void closingMidEpochFreesThePrefetchedBatch() {
        var backend = Device.reference().backend();
        DataLoader loader = loader(100, 10, true, false, 3);
        long before = backend.memoryStats().bytesInUse();
        Iterator<DataLoader.Batch> epoch = loader.epoch(0);
        epoch.next().close();
        loader.close(); // the second batch was being prepared: it must be freed, not leaked
        assertEquals(true, backend.memoryStats().bytesInUse() <= before,
                "bytes in use " + backend.memoryStats().bytesInUse() + " after close, " + before + " before the epoch");
    }
}
