package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.backend.Philox;
import dev.nabla.data.Split;
import dev.nabla.io.CorruptCheckpointException;
import dev.nabla.io.NamedArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop on a small synthetic problem (Gaussian blobs), on the reference backend:
 * run folder contents, determinism, exact resume, checkpoint integrity.
 */
class TrainerTest {

    private static final int FEATURES = 12;
    private static final int CLASSES = 3;

    /** Three noisy clusters: class c has mean +2 on features [4c, 4c+4). */
    static Split blobs(int train, int test) {
        return new Split("blobs", "synthetic", FEATURES, CLASSES, features(train, 1), labels(train),
                features(test, 2), labels(test));
    }

    private static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % CLASSES;
        }
        return y;
    }

    private static float[] features(int n, long seed) {
        float[] x = new float[n * FEATURES];
        Philox.fillNormal(seed, 0, x, x.length);
        for (int i = 0; i < n; i++) {
            int c = i % CLASSES;
            for (int f = 4 * c; f < 4 * c + 4; f++) {
                x[i * FEATURES + f] += 2f;
            }
        }
        return x;
    }

    private static TrainConfig config(int epochs, String optimizer) {
        return new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0.2f, optimizer, 0.01f, 0.9f, 1e-4f,
                "cosine", epochs, 32, 5, 1f);
    }

    private static Trainer.Result train(TrainConfig config, Path dir, boolean resume) throws IOException {
        return train(config, dir, resume, Integer.MAX_VALUE);
    }

    private static Trainer.Result train(TrainConfig config, Path dir, boolean resume, int stopAfter)
            throws IOException {
        Trainer trainer = new Trainer(config, blobs(600, 300), Device.reference(), dir, false,
                new PrintWriter(new StringWriter())).stopAfter(stopAfter);
        return resume ? trainer.resume() : trainer.fit();
    }

    @Test
    void learnsTheBlobsAndWritesTheRunFolder(@TempDir Path dir) throws IOException {
        Trainer.Result result = train(config(3, "adam"), dir, false);
        assertEquals(3, result.epochs().size());
        assertTrue(result.testAccuracy() > 0.9, "test accuracy " + result.testAccuracy());
        for (String file : List.of("metrics.csv", "metrics.json", "model.safetensors", "optimizer.safetensors",
                "state.json", "curves.png")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(dir.resolve("metrics.json"));
        assertEquals(result.testAccuracy(), metrics.testAccuracy(), 1e-12);
        assertEquals("reference", metrics.backend());
        assertEquals(3, Files.readAllLines(dir.resolve("metrics.csv")).size() - 1);
    }

    @Test
    void sameSeedSameMetrics(@TempDir Path a, @TempDir Path b) throws IOException {
        List<EpochRecord> first = train(config(2, "sgd"), a, false).epochs();
        List<EpochRecord> second = train(config(2, "sgd"), b, false).epochs();
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).trainLoss(), second.get(i).trainLoss(), 0.0);
            assertEquals(first.get(i).testAccuracy(), second.get(i).testAccuracy(), 0.0);
        }
    }

    @Test
    void resumeContinuesExactly(@TempDir Path straight, @TempDir Path interrupted) throws IOException {
        for (String optimizer : List.of("adam", "sgd")) {
            Path s = straight.resolve(optimizer);
            Path r = interrupted.resolve(optimizer);
            List<EpochRecord> expected = train(config(2, optimizer), s, false).epochs();
            // a 2-epoch run interrupted after epoch 1, then resumed
            train(config(2, optimizer), r, false, 1);
            List<EpochRecord> resumed = train(config(2, optimizer), r, true).epochs();
            assertEquals(2, resumed.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(expected.get(i).trainLoss(), resumed.get(i).trainLoss(), 0.0, optimizer + " epoch " + i);
                assertEquals(expected.get(i).trainAccuracy(), resumed.get(i).trainAccuracy(), 0.0);
                assertEquals(expected.get(i).testLoss(), resumed.get(i).testLoss(), 0.0);
                assertEquals(expected.get(i).testAccuracy(), resumed.get(i).testAccuracy(), 0.0);
            }
            Checkpoint.Contents x = Checkpoint.load(s);
            Checkpoint.Contents y = Checkpoint.load(r);
            assertEquals(x.model().keySet(), y.model().keySet());
            for (Map.Entry<String, NamedArray> e : x.model().entrySet()) {
                assertArrayEquals(e.getValue().floats(), y.model().get(e.getKey()).floats(), 0f, e.getKey());
            }
            for (Map.Entry<String, NamedArray> e : x.optimizer().entrySet()) {
                assertArrayEquals(e.getValue().floats(), y.optimizer().get(e.getKey()).floats(), 0f, e.getKey());
            }
        }
    }

    @Test
    void resumeSurvivesACrashBetweenCheckpointAndMetrics(@TempDir Path straight, @TempDir Path crashed)
            throws IOException {
        List<EpochRecord> expected = train(config(2, "adam"), straight, false).epochs();
        train(config(2, "adam"), crashed, false, 1);
        // the process died after the checkpoint of epoch 1 but before metrics.json was written
        Files.delete(crashed.resolve("metrics.json"));
        List<EpochRecord> resumed = train(config(2, "adam"), crashed, true).epochs();
        assertEquals(expected.get(0).testLoss(), resumed.get(0).testLoss(), 0.0);
        assertEquals(expected.get(1).testLoss(), resumed.get(1).testLoss(), 0.0);
        assertEquals(2, MetricsWriter.readJson(crashed.resolve("metrics.json")).epochs().size());
    }

    @Test
    void resumeSurvivesACrashInTheMiddleOfASave(@TempDir Path straight, @TempDir Path crashed,
                                                @TempDir Path other) throws IOException {
        List<EpochRecord> expected = train(config(2, "adam"), straight, false).epochs();
        train(config(2, "adam"), crashed, false, 1);
        // Save of epoch 2 interrupted: the epoch-1 files were moved aside and only the new
        // optimizer file was written before the crash.
        for (String name : List.of("model", "optimizer")) {
            Files.move(crashed.resolve(name + ".safetensors"), crashed.resolve(name + ".prev.safetensors"));
        }
        Files.move(crashed.resolve("state.json"), crashed.resolve("state.prev.json"));
        train(config(2, "adam"), other, false);
        Files.copy(other.resolve("optimizer.safetensors"), crashed.resolve("optimizer.safetensors"));

        assertEquals(1, Checkpoint.load(crashed).epoch(), "falls back to the consistent epoch-1 set");
        List<EpochRecord> resumed = train(config(2, "adam"), crashed, true).epochs();
        assertEquals(expected.get(1).trainLoss(), resumed.get(1).trainLoss(), 0.0);
        assertEquals(expected.get(1).testAccuracy(), resumed.get(1).testAccuracy(), 0.0);
        assertEquals(2, Checkpoint.load(crashed).epoch());
        assertTrue(Files.notExists(crashed.resolve("model.prev.safetensors")), "previous generation cleaned up");
    }

    @Test
    void resumeRefusesOtherSettings(@TempDir Path dir) throws IOException {
        train(config(2, "adam"), dir, false, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> train(config(2, "sgd"), dir, true));
        assertTrue(e.getMessage().contains("only the epoch total may change"), e.getMessage());
    }

    @Test
    void resumeWithAConstantScheduleMayExtendTheRun(@TempDir Path straight, @TempDir Path extended)
            throws IOException {
        // With a schedule that does not depend on the epoch total, "--epochs 1" then "--resume --epochs 2"
        // equals "--epochs 2": nothing about epoch 1 depended on the total.
        TrainConfig two = new TrainConfig("blobs", "", 0, new int[] {16}, "tanh", 0.1f, "adam", 0.01f, 0f, 0f,
                "constant", 2, 32, 9, 0f);
        List<EpochRecord> expected = train(two, straight, false).epochs();
        train(two.withEpochs(1), extended, false);
        List<EpochRecord> resumed = train(two, extended, true).epochs();
        assertEquals(expected.get(1).trainLoss(), resumed.get(1).trainLoss(), 0.0);
        assertEquals(expected.get(1).testLoss(), resumed.get(1).testLoss(), 0.0);
    }

    @Test
    void checkpointRoundTripsAndEvalReproducesTheFinalAccuracy(@TempDir Path dir) throws IOException {
        Trainer.Result result = train(config(2, "adamw"), dir, false);
        Checkpoint.Contents contents = Checkpoint.load(dir);
        assertEquals(2, contents.epoch());
        var model = Trainer.loadModel(contents, Device.reference());
        Split data = blobs(600, 300);
        var standardizer = Trainer.standardizer(contents.state());
        Evaluation.Result eval = Evaluation.evaluate(model, standardizer.apply(data.testFeatures()),
                data.testLabels(), FEATURES, Device.reference());
        assertEquals(result.testAccuracy(), eval.accuracy(), 0.0);
    }

    @Test
    void truncatedOrAlteredCheckpointsAreRefusedByName(@TempDir Path dir) throws IOException {
        train(config(1, "adam"), dir, false);
        Path model = dir.resolve(Checkpoint.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(model);

        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        var truncated = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.load(dir));
        assertTrue(truncated.getMessage().contains("model.safetensors"), truncated.getMessage());

        byte[] flipped = bytes.clone();
        flipped[flipped.length - 5] ^= 0x40;
        Files.write(model, flipped);
        var altered = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.load(dir));
        assertTrue(altered.getMessage().contains("model.safetensors"), altered.getMessage());

        Files.write(model, bytes);
        Path state = dir.resolve(Checkpoint.STATE_FILE);
        String text = Files.readString(state);
        Files.writeString(state, text.replace("\"optimizer_step_count\" : 19", "\"optimizer_step_count\" : 18"));
        var edited = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.load(dir));
        assertTrue(edited.getMessage().contains("state.json") && edited.getMessage().contains("checksum"),
                edited.getMessage());

        Files.writeString(state, text.substring(0, text.length() / 2), StandardOpenOption.TRUNCATE_EXISTING);
        var cut = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.load(dir));
        assertTrue(cut.getMessage().contains("state.json"), cut.getMessage());
        assertTrue(cut.getMessage().contains("not valid JSON (truncated or edited?)"), cut.getMessage());
        assertTrue(cut.getMessage().contains("(line "), cut.getMessage());
        assertTrue(!cut.getMessage().contains("Source:"), "no parser source dump: " + cut.getMessage());

        Files.write(state, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'});
        var binary = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.load(dir));
        assertTrue(binary.getMessage().contains("state.json") && binary.getMessage().contains("not valid UTF-8"),
                binary.getMessage());
    }
}
