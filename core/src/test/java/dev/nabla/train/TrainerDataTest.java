package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.data.DataSources;
import dev.nabla.data.NpyFiles;
import dev.nabla.data.Split;
import dev.nabla.data.TrainingData;
import dev.nabla.io.NamedArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer over {@link TrainingData}: the same rows from {@code .npy} files and from arrays
 * train identically, the number of loader workers changes nothing, and a data set without a test
 * set trains and says so.
 */
class TrainerDataTest {

    private static TrainConfig config(String dataset, String test) {
        return new TrainConfig(dataset, "", 0, new int[] {16}, "relu", 0.2f, "adam", 0.01f, 0.9f, 1e-4f,
                "cosine", 2, 32, 5, 1f, test);
    }

    /** The blobs' arrays as features and int64 label files. */
    private static String npy(Path dir, String name, float[] x, int[] y, int features) throws IOException {
        long[] labels = new long[y.length];
        for (int i = 0; i < y.length; i++) {
            labels[i] = y[i];
        }
        Path xf = NpyFiles.write(dir.resolve(name + "-x.npy"), "<f4", NpyFiles.float32(x), y.length, features);
        Path yf = NpyFiles.write(dir.resolve(name + "-y.npy"), "<i8", NpyFiles.int64(labels), y.length);
        return "npy:" + xf + "," + yf;
    }

    private record Outcome(Trainer.Result result, Map<String, NamedArray> weights, String log) {}

    private static Outcome train(TrainConfig config, TrainingData data, Path dir, int workers) throws IOException {
        StringWriter log = new StringWriter();
        Trainer.Result result = new Trainer(config, data, Device.reference(), dir, false, new PrintWriter(log))
                .workers(workers).fit();
        return new Outcome(result, Checkpoint.load(dir).model(), log.toString());
    }

    private static void assertSameRun(Outcome a, Outcome b, String what) {
        assertEquals(a.result().epochs().size(), b.result().epochs().size());
        for (int i = 0; i < a.result().epochs().size(); i++) {
            EpochRecord x = a.result().epochs().get(i);
            EpochRecord y = b.result().epochs().get(i);
            assertEquals(x.trainLoss(), y.trainLoss(), 0.0, what + ": train loss, epoch " + (i + 1));
            assertEquals(x.testLoss(), y.testLoss(), 0.0, what + ": test loss, epoch " + (i + 1));
        }
        for (String name : a.weights().keySet()) {
            assertArrayEquals(a.weights().get(name).floats(), b.weights().get(name).floats(), what + ": " + name);
        }
    }

    @Test
    void npyFilesTrainExactlyAsTheSameRowsInMemory(@TempDir Path dir) throws IOException {
        Split blobs = TrainerTest.blobs(600, 300);
        Outcome memory = train(config("blobs", ""), TrainingData.of(blobs), dir.resolve("memory"), 1);
        String train = npy(dir, "train", blobs.trainFeatures(), blobs.trainLabels(), blobs.features());
        String test = npy(dir, "test", blobs.testFeatures(), blobs.testLabels(), blobs.features());
        try (TrainingData files = DataSources.load(train, test, Optional.empty())) {
            Outcome mapped = train(config(train, test), files, dir.resolve("npy"), 1);
            assertSameRun(memory, mapped, "npy vs memory");
            assertTrue(mapped.result().testAccuracy() > 0.9, "accuracy " + mapped.result().testAccuracy());
        }
    }

    @Test
    void workerCountsChangeNothing(@TempDir Path dir) throws IOException {
        Split blobs = TrainerTest.blobs(500, 100);
        Outcome reference = train(config("blobs", ""), TrainingData.of(blobs), dir.resolve("w0"), 0);
        for (int workers : new int[] {1, 4}) {
            Outcome other = train(config("blobs", ""), TrainingData.of(blobs), dir.resolve("w" + workers), workers);
            assertSameRun(reference, other, workers + " workers");
        }
    }

    @Test
    void withoutATestSetItTrainsAndSaysSo(@TempDir Path dir) throws IOException {
        Split blobs = TrainerTest.blobs(300, 10);
        String train = npy(dir, "train", blobs.trainFeatures(), blobs.trainLabels(), blobs.features());
        try (TrainingData data = DataSources.load(train, "", Optional.empty())) {
            Outcome outcome = train(config(train, ""), data, dir.resolve("run"), 1);
            assertTrue(outcome.log().contains("no test set was given"), outcome.log());
            assertTrue(outcome.log().contains("| no test set |"), outcome.log());
            assertTrue(Double.isNaN(outcome.result().testAccuracy()));
            List<EpochRecord> saved = MetricsWriter.readJson(dir.resolve("run").resolve("metrics.json")).epochs();
            assertEquals(2, saved.size());
            assertTrue(Double.isNaN(saved.get(1).testLoss()) && saved.get(1).trainAccuracy() > 0.8,
                    saved.get(1).toString());
        }
    }

    @Test
    void realValuedTargetsAreRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(1, 2, 3, 4), 2, 2);
        Path y = NpyFiles.write(dir.resolve("y.npy"), "<f4", NpyFiles.float32(0.5f, 1.5f), 2);
        try (TrainingData data = DataSources.load("npy:" + x + "," + y, "", Optional.empty())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> train(config("npy:" + x + "," + y, ""), data, dir.resolve("run"), 1));
            assertTrue(e.getMessage().contains("real values") && e.getMessage().contains(y.toString()),
                    e.getMessage());
        }
    }
}
