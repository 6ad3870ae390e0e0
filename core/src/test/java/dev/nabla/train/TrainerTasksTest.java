package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.data.Friedman1;
import dev.nabla.data.InMemoryDataset;
import dev.nabla.data.Standardizer;
import dev.nabla.data.TrainingData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's tasks on the reference backend: regression (targets standardised for training,
 * figures in their units, the statistics saved and reused on resume), multi-label (one output per
 * label, BCE), the task settings of {@link TrainConfig}, and the task's columns in the files.
 */
class TrainerTasksTest {

    private static TrainConfig config(String task, String loss, int epochs) {
        Map<String, Object> settings = new TrainConfig("memory", "", 0, new int[] {32}, "tanh", 0f, "adam", 3e-3f,
                0.9f, 0f, "constant", epochs, 32, 3, 0f).toMap();
        settings.put("task", task);
        settings.put("loss", loss);
        return TrainConfig.fromMap(settings);
    }

    /** Friedman #1 rows whose targets are shifted and scaled far from 0 (house-price-like units). */
    private static TrainingData shiftedFriedman(int rows) {
        InMemoryDataset train = shifted(Friedman1.generate(rows, 10, 1.0, 11, 0));
        InMemoryDataset test = shifted(Friedman1.generate(400, 10, 1.0, 11, 1));
        return TrainingData.of("friedman", "memory", train, Optional.of(test));
    }

    private static InMemoryDataset shifted(InMemoryDataset data) {
        float[] x = new float[data.size() * data.featureCount()];
        float[] y = new float[data.size()];
        for (int r = 0; r < data.size(); r++) {
            data.readFeatures(r, x, r * data.featureCount());
            data.readTargets(r, y, r);
            y[r] = 1000f + 100f * y[r];
        }
        return InMemoryDataset.ofValues(data.source(), x, data.featureCount(), y, 1);
    }

    @Test
    void regressionTrainsOnStandardisedTargetsAndReportsTheirOwnUnits(@TempDir Path dir) throws IOException {
        StringWriter log = new StringWriter();
        Trainer.Result result;
        try (TrainingData data = shiftedFriedman(1500)) {
            result = new Trainer(config("regression", "mse", 4), data, Device.reference(), dir, false,
                    new PrintWriter(log)).fit();
            double r2 = result.testMetric("r2");
            double rmse = result.testMetric("rmse");
            // targets in units of 100 × Friedman's (std ≈ 500): R² is unit-free, the RMSE is not
            assertTrue(r2 > 0.6 && r2 < 1, "R² " + r2 + "\n" + log);
            assertTrue(rmse > 100 && rmse < 350, "RMSE " + rmse);
            assertTrue(Double.isNaN(result.testAccuracy()));
            // the training loss is on standardised targets: below 1 once anything is learned
            assertTrue(result.epochs().get(3).trainLoss() < 0.5, log.toString());

            // eval's path: the saved target standardisation gives the same figures
            Checkpoint.Contents saved = Checkpoint.load(dir);
            Standardizer targets = Trainer.targetStandardizer(saved.state()).orElseThrow();
            assertEquals(1, targets.features());
            assertTrue(targets.mean()[0] > 1000, "mean " + targets.mean()[0]);
            Objective objective = Objective.of(TrainConfig.fromMap(castMap(saved.state().get("config"))),
                    data.train(), targets);
            Evaluation.Result again = Evaluation.evaluate(Trainer.loadModel(saved, Device.reference()),
                    data.test().orElseThrow(), Trainer.standardizer(saved.state()), objective, Device.reference(), 0);
            assertEquals(r2, again.metric("r2"), 1e-12);
            assertEquals(rmse, again.metric("rmse"), 1e-9);
            assertEquals(result.epochs().get(3).testLoss(), again.loss(), 1e-12);
        }
        List<EpochRecord> csv = MetricsWriter.readCsv(dir.resolve(MetricsWriter.CSV_FILE));
        assertEquals(result.epochs(), csv);
        assertEquals(Task.REGRESSION, csv.get(0).task());
        MetricsWriter.RunMetrics json = MetricsWriter.readJson(dir.resolve(MetricsWriter.JSON_FILE));
        assertEquals(result.epochs(), json.epochs());
        assertEquals(result.testMetric("r2"), ((Number) json.extra().get("test_r2")).doubleValue());
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object map) {
        return (Map<String, Object>) map;
    }

    @Test
    void aResumedRegressionRunContinuesExactlyWithItsSavedTargetStatistics(@TempDir Path dir) throws IOException {
        Path whole = dir.resolve("whole");
        Path split = dir.resolve("split");
        TrainConfig config = config("regression", "huber", 3).with("huber_delta", 0.5f);
        Trainer.Result expected;
        try (TrainingData data = shiftedFriedman(600)) {
            expected = new Trainer(config, data, Device.reference(), whole, false,
                    new PrintWriter(new StringWriter())).fit();
            new Trainer(config, data, Device.reference(), split, false, new PrintWriter(new StringWriter()))
                    .stopAfter(1).fit();
        }
        // the data changes units before the resume: the run keeps the statistics it trained with
        Trainer.Result resumed;
        try (TrainingData data = shiftedFriedman(600)) {
            resumed = new Trainer(config, data, Device.reference(), split, false,
                    new PrintWriter(new StringWriter())).resume();
        }
        assertEquals(expected.epochs().size(), resumed.epochs().size());
        for (int e = 0; e < 3; e++) {
            assertEquals(expected.epochs().get(e).trainLoss(), resumed.epochs().get(e).trainLoss(), "epoch " + e);
            assertEquals(expected.epochs().get(e).value("test_r2"), resumed.epochs().get(e).value("test_r2"));
        }
        var wholeWeights = Checkpoint.load(whole).model();
        var splitWeights = Checkpoint.load(split).model();
        assertEquals(wholeWeights.keySet(), splitWeights.keySet());
        wholeWeights.forEach((name, array) -> assertArrayEquals(array.floats(), splitWeights.get(name).floats(), 0f,
                name));
    }

    @Test
    void multiLabelHasOneOutputPerLabelAndReportsMicroF1(@TempDir Path dir) throws IOException {
        StringWriter log = new StringWriter();
        try (TrainingData data = labels()) {
            Trainer.Result result = new Trainer(config("multilabel", "", 5).with("val_split", 0.2f), data,
                    Device.reference(), dir, false, new PrintWriter(log)).fit();
            assertTrue(log.toString().contains("4-32-3 tanh"), log.toString());
            assertTrue(result.testMetric("micro_f1") > 0.85, log.toString());
            assertTrue(result.epochs().get(4).value("val_exact_match") > 0.5, log.toString());
            assertTrue(log.toString().contains("test (once, after training): loss "), log.toString());
        }
        assertEquals(String.join(",", EpochRecord.fields(Task.MULTILABEL)),
                Files.readAllLines(dir.resolve(MetricsWriter.CSV_FILE)).get(0));
    }

    /** The multi-label rows of {@link #multiLabelHasOneOutputPerLabelAndReportsMicroF1}: 500 to train, 100 to test. */
    private static TrainingData labels() {
        Random random = new Random(4);
        int rows = 600;
        float[] x = new float[rows * 4];
        float[] y = new float[rows * 3];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 4; j++) {
                x[4 * i + j] = (float) random.nextGaussian();
            }
            for (int l = 0; l < 3; l++) {
                y[3 * i + l] = x[4 * i + l] > 0 ? 1 : 0;
            }
        }
        InMemoryDataset all = InMemoryDataset.ofValues("memory", x, 4, y, 3);
        return TrainingData.of("labels", "memory", all.rows(0, 500), Optional.of(all.rows(500, 100)));
    }

    /** Trains on {@code worldSize} thread ranks, each with its own copy of the data; returns rank 0's result. */
    private static Trainer.Result onRanks(TrainConfig config, java.util.function.Supplier<TrainingData> data,
                                          int worldSize, Path dir) throws Exception {
        ThreadRanks ranks = new ThreadRanks(worldSize);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(worldSize);
        try {
            List<java.util.concurrent.Future<Trainer.Result>> futures = new java.util.ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (TrainingData mine = data.get()) {
                        return new Trainer(config, mine, Device.reference(), dir.resolve("rank" + rank), false,
                                new PrintWriter(new StringWriter())).parallel(ranks.rank(rank)).fit();
                    }
                }));
            }
            Trainer.Result first = futures.get(0).get();
            for (var f : futures) {
                f.get();
            }
            return first;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertSameWeights(Path expected, Path actual, float tolerance) throws IOException {
        Map<String, dev.nabla.io.NamedArray> a = Checkpoint.load(expected).model();
        Map<String, dev.nabla.io.NamedArray> b = Checkpoint.load(actual).model();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertArrayEquals(a.get(key).floats(), b.get(key).floats(), tolerance, key);
        }
    }

    @Test
    void regressionOnTwoRanksMatchesOneProcessFiguresIncluded(@TempDir Path single, @TempDir Path ranks)
            throws Exception {
        TrainConfig config = config("regression", "", 3);
        Trainer.Result one;
        try (TrainingData data = shiftedFriedman(500)) {
            one = new Trainer(config, data, Device.reference(), single, false, new PrintWriter(new StringWriter()))
                    .fit();
        }
        Trainer.Result two = onRanks(config, () -> shiftedFriedman(500), 2, ranks);
        assertSameWeights(single, ranks.resolve("rank0"), 1e-4f);
        for (int e = 0; e < 3; e++) {
            for (String field : List.of("test_loss", "test_rmse", "test_mae", "test_r2")) {
                double expected = one.epochs().get(e).value(field);
                assertTrue(Double.isFinite(expected), field);
                // each rank measured half of the 400 test rows; the merged moments give the whole set's
                assertEquals(expected, two.epochs().get(e).value(field), 1e-4 * Math.max(1, Math.abs(expected)),
                        "epoch " + (e + 1) + " " + field);
            }
        }
        assertEquals(one.testMetric("r2"), two.testMetric("r2"), 1e-5);
    }

    @Test
    void multiLabelOnTwoRanksMatchesOneProcessFiguresIncluded(@TempDir Path single, @TempDir Path ranks)
            throws Exception {
        // 400 training rows after the split, 100 validation rows: 50 per rank, counts merged exactly
        TrainConfig config = config("multilabel", "", 3).with("val_split", 0.2f);
        Trainer.Result one;
        try (TrainingData data = labels()) {
            one = new Trainer(config, data, Device.reference(), single, false, new PrintWriter(new StringWriter()))
                    .fit();
        }
        Trainer.Result two = onRanks(config, TrainerTasksTest::labels, 2, ranks);
        assertSameWeights(single, ranks.resolve("rank0"), 1e-4f);
        for (int e = 0; e < 3; e++) {
            for (String field : List.of("val_loss", "val_label_accuracy", "val_exact_match", "val_micro_f1")) {
                double expected = one.epochs().get(e).value(field);
                assertTrue(Double.isFinite(expected), field);
                assertEquals(expected, two.epochs().get(e).value(field), 1e-5, "epoch " + (e + 1) + " " + field);
            }
        }
        assertEquals(one.testMetric("micro_f1"), two.testMetric("micro_f1"), 1e-9);
        assertEquals(one.testMetric("macro_f1"), two.testMetric("macro_f1"), 1e-9);
    }

    @Test
    void aClassificationRunKeepsItsColumnsAndTheTaskSettingsAreCheckedInTheConfig() {
        assertEquals(EpochRecord.FIELDS, EpochRecord.fields(Task.CLASSIFICATION));
        TrainConfig plain = config("classification", "", 1);
        assertEquals("cross-entropy", plain.loss());
        // a config saved before tasks existed reads back as classification with cross-entropy
        Map<String, Object> old = plain.toMap();
        for (String key : List.of("task", "loss", "huber_delta", "label_smoothing", "class_weights")) {
            old.remove(key);
        }
        assertEquals(plain, TrainConfig.fromMap(old));
        assertEquals("mse", config("regression", "", 1).loss());
        TrainConfig weighted = plain.with("class_weights", " 1, 2.5 ");
        assertArrayEquals(new float[] {1f, 2.5f}, weighted.explicitClassWeights().orElseThrow());
        assertTrue(plain.with("class_weights", "Balanced").balancedClassWeights());
        assertArrayEquals(new float[] {2f, 0f}, config("multilabel", "", 1).with("pos_weight", "2,0")
                .positiveWeights().orElseThrow());
        var positive = assertThrows(TrainConfig.InvalidSetting.class, () -> config("multilabel", "", 1)
                .with("pos_weight", "2,inf"));
        assertEquals("positive weight 2 of '2,inf' is 'inf', not a number; give one number per label, W1,W2,...",
                positive.getMessage());
        var wrongLoss = assertThrows(TrainConfig.InvalidSetting.class, () -> config("multilabel", "mse", 1));
        assertEquals("loss", wrongLoss.setting());
        var smoothing = assertThrows(TrainConfig.InvalidSetting.class, () -> plain.with("label_smoothing", 1f));
        assertEquals("label smoothing must be in [0, 1), got 1.0", smoothing.getMessage());
        var regressionWeights = assertThrows(TrainConfig.InvalidSetting.class,
                () -> config("regression", "mse", 1).with("class_weights", "balanced"));
        assertEquals("class_weights", regressionWeights.setting());
    }

    @Test
    void classWeightsOfTheWrongCountAreRefusedNamingTheClasses(@TempDir Path dir) {
        Random random = new Random(1);
        float[] x = new float[40];
        int[] labels = new int[20];
        for (int i = 0; i < 20; i++) {
            x[2 * i] = (float) random.nextGaussian();
            x[2 * i + 1] = (float) random.nextGaussian();
            labels[i] = i % 2;
        }
        TrainingData data = TrainingData.of("two", "memory", InMemoryDataset.ofClasses("memory", x, 2, labels, 2),
                Optional.empty());
        var error = assertThrows(IllegalArgumentException.class, () -> new Trainer(config("classification", "", 1)
                .with("class_weights", "1,2,3"), data, Device.reference(), dir, false,
                new PrintWriter(new StringWriter())).fit());
        assertTrue(error.getMessage().contains("3 weights for the 2 classes of memory"), error.getMessage());
    }

    @Test
    void aRegressionRunRefusesClassIndexTargetsAndAClassifierRealValues(@TempDir Path dir) {
        float[] x = {0, 1, 2, 3};
        TrainingData values = TrainingData.of("v", "memory", InMemoryDataset.ofValues("memory", x, 1, x, 1),
                Optional.empty());
        var classifier = assertThrows(IllegalArgumentException.class, () -> new Trainer(config("classification", "",
                1), values, Device.reference(), dir.resolve("a"), false, new PrintWriter(new StringWriter())).fit());
        assertTrue(classifier.getMessage().contains("--task regression"), classifier.getMessage());
        TrainingData indices = TrainingData.of("c", "memory", InMemoryDataset.ofClasses("memory", x, 1,
                new int[] {0, 1, 0, 1}, 2), Optional.empty());
        var regression = assertThrows(IllegalArgumentException.class, () -> new Trainer(config("regression", "", 1),
                indices, Device.reference(), dir.resolve("b"), false, new PrintWriter(new StringWriter())).fit());
        assertTrue(regression.getMessage().contains("are class indices; a regression run needs real-valued targets"),
                regression.getMessage());
    }
}
