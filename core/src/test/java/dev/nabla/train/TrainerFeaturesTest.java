package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Dataset;
import dev.nabla.data.Split;
import dev.nabla.data.TrainingData;
import dev.nabla.io.NamedArray;
import dev.nabla.io.Safetensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's listener API and what is built on it: stop requests, the validation split,
 * early stopping with exact restoration of the best weights, gradient accumulation, the plateau
 * schedule, and the residual MLP; each on the reference backend, resumed where it keeps state.
 */
class TrainerFeaturesTest {

    private static TrainConfig config(int epochs) {
        return new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0.2f, "adam", 0.01f, 0.9f, 1e-4f, "cosine",
                epochs, 32, 5, 1f);
    }

    private static Split blobs() {
        return TrainerTest.blobs(600, 300);
    }

    private static Trainer trainer(TrainConfig config, Split data, Path dir, StringWriter log) {
        return new Trainer(config, data, Device.reference(), dir, false, new PrintWriter(log));
    }

    /** Records every callback, and the weights at each epoch's end and at the end of training. */
    private static final class Recorder implements TrainingListener {
        final List<String> calls = new ArrayList<>();
        final List<StepInfo> steps = new ArrayList<>();
        final Map<Integer, Map<String, float[]>> weightsAtEpoch = new LinkedHashMap<>();
        final List<Integer> savedEpochAtEpochEnd = new ArrayList<>();
        Map<String, float[]> weightsAtEnd;
        int stopAfterEpoch = Integer.MAX_VALUE;

        @Override
        public void onTrainStart(TrainingContext context) {
            calls.add("start");
        }

        @Override
        public void onEpochStart(TrainingContext context, int epoch) {
            calls.add("epoch " + epoch);
        }

        @Override
        public void onStepEnd(TrainingContext context, StepInfo step) {
            steps.add(step);
        }

        @Override
        public void onEpochEnd(TrainingContext context, EpochRecord record) throws IOException {
            calls.add("end " + record.epoch());
            weightsAtEpoch.put(record.epoch(), weights(context));
            savedEpochAtEpochEnd.add(Checkpoint.load(context.runDir()).epoch());
            if (record.epoch() >= stopAfterEpoch) {
                context.requestStop("the test asked to stop after epoch " + stopAfterEpoch);
            }
        }

        @Override
        public void onTrainEnd(TrainingContext context) {
            calls.add("train end");
            weightsAtEnd = weights(context);
        }

        private static Map<String, float[]> weights(TrainingContext context) {
            Map<String, float[]> copy = new LinkedHashMap<>();
            try (Scope scope = Scope.open()) {
                for (Map.Entry<String, Tensor> e : context.model().stateDict().entrySet()) {
                    copy.put(e.getKey(), e.getValue().toFloatArray());
                }
            }
            return copy;
        }
    }

    private static void assertSameWeights(Map<String, float[]> expected, Map<String, ?> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            Object value = actual.get(e.getKey());
            float[] floats = value instanceof NamedArray array ? array.floats() : (float[]) value;
            // bitwise: compare the bits, so that -0 and NaN payloads count too
            int[] a = new int[floats.length];
            int[] b = new int[floats.length];
            for (int i = 0; i < floats.length; i++) {
                a[i] = Float.floatToRawIntBits(e.getValue()[i]);
                b[i] = Float.floatToRawIntBits(floats[i]);
            }
            assertArrayEquals(a, b, what + ": " + e.getKey());
        }
    }

    @Test
    void listenersSeeEveryStepAndEachEpochAfterItIsSaved(@TempDir Path dir) throws IOException {
        Recorder recorder = new Recorder();
        Trainer.Result result = trainer(config(2), blobs(), dir, new StringWriter()).listener(recorder).fit();
        assertEquals(List.of("start", "epoch 1", "end 1", "epoch 2", "end 2", "train end"), recorder.calls);
        assertEquals(List.of(1, 2), recorder.savedEpochAtEpochEnd, "the checkpointer runs before user listeners");
        // 600 rows in batches of 32: 19 steps per epoch, the last of 24 rows
        assertEquals(38, recorder.steps.size());
        for (int i = 0; i < recorder.steps.size(); i++) {
            TrainingListener.StepInfo step = recorder.steps.get(i);
            assertEquals(i / 19 + 1, step.epoch());
            assertEquals(i % 19 + 1, step.step());
            assertEquals(19, step.steps());
            assertEquals(i + 1, step.globalStep());
            assertEquals(i % 19 == 18 ? 24 : 32, step.samples());
            assertTrue(step.lr() > 0 && step.lr() <= 0.01 + 1e-9, "lr " + step.lr());
        }
        TrainingListener.StepInfo last = recorder.steps.get(37);
        assertEquals(600, last.epochSamples());
        assertEquals(result.epochs().get(1).trainLoss(), last.epochLoss(), 1e-12);
        assertTrue(recorder.steps.get(1).lr() < recorder.steps.get(0).lr() || recorder.steps.get(1).lr()
                == recorder.steps.get(0).lr(), "cosine never rises");
    }

    @Test
    void aStopRequestEndsTheRunAfterThatEpochAndTheRunResumes(@TempDir Path stopped, @TempDir Path straight)
            throws IOException {
        Recorder recorder = new Recorder();
        recorder.stopAfterEpoch = 2;
        StringWriter log = new StringWriter();
        Trainer.Result result = trainer(config(4), blobs(), stopped, log).listener(recorder).fit();
        assertEquals(2, result.epochs().size());
        assertEquals(2, Checkpoint.load(stopped).epoch());
        assertTrue(log.toString().contains("stopped: the test asked to stop after epoch 2"), log.toString());
        // the stop came from a listener, not from the run's settings: resuming continues it exactly
        List<EpochRecord> resumed = trainer(config(4), blobs(), stopped, new StringWriter()).resume().epochs();
        List<EpochRecord> expected = trainer(config(4), blobs(), straight, new StringWriter()).fit().epochs();
        assertEquals(4, resumed.size());
        assertEquals(expected.get(3).trainLoss(), resumed.get(3).trainLoss(), 0.0);
        assertEquals(expected.get(3).testAccuracy(), resumed.get(3).testAccuracy(), 0.0);
    }

    @Test
    void validationSplitIsSeededDisjointAndCoversTheTrainingSet() {
        TrainingData data = TrainingData.of(blobs());
        ValidationSplit a = ValidationSplit.of(data.train(), 0.1, 7);
        ValidationSplit b = ValidationSplit.of(data.train(), 0.1, 7);
        ValidationSplit other = ValidationSplit.of(data.train(), 0.1, 8);
        int[] validation = ((ValidationSplit.Rows) a.validation()).rows();
        int[] train = ((ValidationSplit.Rows) a.train()).rows();
        assertEquals(60, validation.length);
        assertEquals(540, train.length);
        assertArrayEquals(validation, ((ValidationSplit.Rows) b.validation()).rows(), "same seed, same rows");
        assertFalse(Arrays.equals(validation, ((ValidationSplit.Rows) other.validation()).rows()), "seeded");
        Set<Integer> all = new HashSet<>();
        Arrays.stream(validation).forEach(all::add);
        Arrays.stream(train).forEach(all::add);
        assertEquals(600, all.size(), "disjoint, and together every row");
        // a view reads the underlying rows
        float[] row = new float[data.features()];
        float[] direct = new float[data.features()];
        a.validation().readFeatures(3, row, 0);
        data.train().readFeatures(validation[3], direct, 0);
        assertArrayEquals(direct, row);
        assertEquals(data.train().label(validation[3]), a.validation().label(3));
        assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(data.train().head(1), 0.5, 1));
    }

    @Test
    void aValidationSplitIsStandardisedWithoutItsRowsAndTheTestSetIsEvaluatedOnce(@TempDir Path dir)
            throws IOException {
        TrainConfig config = config(2).withValidation(0.2f, "");
        StringWriter log = new StringWriter();
        Trainer.Result result = trainer(config, blobs(), dir, log).fit();
        for (EpochRecord record : result.epochs()) {
            assertTrue(Double.isFinite(record.valLoss()) && Double.isFinite(record.valAccuracy()));
            assertTrue(Double.isNaN(record.testLoss()), "the test set is not touched per epoch");
        }
        assertTrue(result.testAccuracy() > 0.9, "final test accuracy " + result.testAccuracy());
        assertTrue(log.toString().contains("test (once, after training)"), log.toString());
        assertEquals(result.testAccuracy(), MetricsWriter.readJson(dir.resolve("metrics.json")).testAccuracy(), 0.0);
        // the saved mean is the mean of the training rows only
        Dataset train = ValidationSplit.of(TrainingData.of(blobs()).train(), 0.2, 5).train();
        double sum = 0;
        float[] row = new float[12];
        for (int i = 0; i < train.size(); i++) {
            train.readFeatures(i, row, 0);
            for (float v : row) {
                sum += v;
            }
        }
        float[] mean = Trainer.standardizer(Checkpoint.load(dir).state()).mean();
        assertEquals(sum / (train.size() * 12.0), mean[0], 1e-5);
    }

    /** An easily overfitted problem: few rows, a wide layer, a high rate, so the validation loss turns up. */
    private static TrainConfig overfitting(int epochs, int patience) {
        return new TrainConfig("blobs", "", 0, new int[] {128}, "relu", 0f, "adam", 0.05f, 0.9f, 0f, "constant",
                epochs, 16, 3, 0f).withValidation(0.5f, "").withEarlyStop(patience);
    }

    @Test
    void earlyStoppingRestoresExactlyTheBestEpochsWeights(@TempDir Path dir) throws IOException {
        Recorder recorder = new Recorder();
        StringWriter log = new StringWriter();
        Trainer.Result result = trainer(overfitting(40, 3), TrainerTest.blobs(80, 300), dir, log).listener(recorder)
                .fit();
        List<EpochRecord> epochs = result.epochs();
        assertTrue(epochs.size() < 40, "stopped early: " + log);
        int best = 1;
        for (EpochRecord record : epochs) {
            if (record.valLoss() < epochs.get(best - 1).valLoss()) {
                best = record.epoch();
            }
        }
        assertEquals(best + 3, epochs.size(), "stops after patience epochs without improvement");
        assertTrue(log.toString().contains("has not improved for 3 epochs"), log.toString());
        assertTrue(log.toString().contains("restored the weights of epoch " + best), log.toString());
        assertSameWeights(recorder.weightsAtEpoch.get(best), recorder.weightsAtEnd, "restored weights");
        assertSameWeights(recorder.weightsAtEpoch.get(best),
                Safetensors.read(dir.resolve(EarlyStopping.BEST_FILE)).tensors(), "best.safetensors");
        assertSameWeights(recorder.weightsAtEpoch.get(epochs.size()), Checkpoint.load(dir).model(),
                "model.safetensors keeps the last epoch, for --resume");
    }

    @Test
    void earlyStoppingOnValidationAccuracyRestoresTheMostAccurateEpoch(@TempDir Path dir) throws IOException {
        Recorder recorder = new Recorder();
        StringWriter log = new StringWriter();
        Trainer.Result result = trainer(overfitting(40, 4).withMonitor("val_acc"), TrainerTest.blobs(80, 300), dir,
                log).listener(recorder).fit();
        List<EpochRecord> epochs = result.epochs();
        int mostAccurate = 1;
        int lowestLoss = 1;
        for (EpochRecord record : epochs) {
            if (record.valAccuracy() > epochs.get(mostAccurate - 1).valAccuracy()) {
                mostAccurate = record.epoch(); // the first of equal accuracies: later ones do not improve
            }
            if (record.valLoss() < epochs.get(lowestLoss - 1).valLoss()) {
                lowestLoss = record.epoch();
            }
        }
        // the problem overfits: the loss turns up before the accuracy stops rising, so the two choose apart
        assertNotEquals(lowestLoss, mostAccurate, "a problem where the monitors disagree: " + log);
        assertEquals(mostAccurate + 4, epochs.size(), "stops 4 epochs after the last better accuracy: " + log);
        assertTrue(log.toString().contains("restored the weights of epoch " + mostAccurate + " (validation accuracy"),
                log.toString());
        assertSameWeights(recorder.weightsAtEpoch.get(mostAccurate), recorder.weightsAtEnd, "restored weights");
        assertSameWeights(recorder.weightsAtEpoch.get(mostAccurate),
                Safetensors.read(dir.resolve(EarlyStopping.BEST_FILE)).tensors(), "best.safetensors");
        assertEquals("val_acc", ((Map<?, ?>) Checkpoint.load(dir).state().get("early_stopping")).get("monitor"));
    }

    @Test
    void earlyStoppingStateSurvivesResume(@TempDir Path straight, @TempDir Path interrupted) throws IOException {
        Recorder whole = new Recorder();
        List<EpochRecord> expected = trainer(overfitting(40, 3), TrainerTest.blobs(80, 300), straight,
                new StringWriter()).listener(whole).fit().epochs();
        int stoppedAt = expected.size();
        // interrupted one epoch before the stop: the best epoch and bad-epoch count are on disk
        trainer(overfitting(40, 3), TrainerTest.blobs(80, 300), interrupted, new StringWriter())
                .stopAfter(stoppedAt - 1).fit();
        Recorder resumedRecorder = new Recorder();
        Trainer.Result resumed = trainer(overfitting(40, 3), TrainerTest.blobs(80, 300), interrupted,
                new StringWriter()).listener(resumedRecorder).resume();
        assertEquals(stoppedAt, resumed.epochs().size(), "stops at the same epoch");
        assertEquals(expected.get(stoppedAt - 1).valLoss(), resumed.epochs().get(stoppedAt - 1).valLoss(), 0.0);
        assertSameWeights(whole.weightsAtEnd, resumedRecorder.weightsAtEnd, "restored best weights after resume");
        // resuming a run that stopped early trains no further
        StringWriter again = new StringWriter();
        Trainer.Result more = trainer(overfitting(40, 3), TrainerTest.blobs(80, 300), straight, again).resume();
        assertEquals(stoppedAt, more.epochs().size());
        assertTrue(again.toString().contains("early stopping"), again.toString());
    }

    @Test
    void earlyStoppingNeedsAValidationSet() {
        var e = assertThrows(TrainConfig.InvalidSetting.class, () -> config(3).withEarlyStop(2));
        assertEquals("early_stop", e.setting());
        assertTrue(e.getMessage().contains("--val-split"), e.getMessage());
    }

    /** Trains {@code config} as {@code worldSize} ranks in threads; returns rank 0's run folder's checkpoint. */
    private static Map<String, NamedArray> trainOnRanks(TrainConfig config, int worldSize, Path dir) throws Exception {
        ThreadRanks ranks = new ThreadRanks(worldSize);
        List<java.util.concurrent.Future<Trainer.Result>> results = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(worldSize);
        try {
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                results.add(pool.submit(() -> new Trainer(config, blobs(), Device.reference(),
                        dir.resolve("rank" + rank), false, new PrintWriter(new StringWriter()))
                        .parallel(ranks.rank(rank)).fit()));
            }
            for (var result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return Checkpoint.load(dir.resolve("rank0")).model();
    }

    @Test
    void accumulationWithTwoRanksEqualsOneProcess(@TempDir Path single, @TempDir Path twoRanks) throws Exception {
        // 600 rows, micro-batches of 8 (4 rows per rank) in groups of 4: the update of batches of 32
        TrainConfig config = new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0f, "sgd", 0.05f, 0.9f,
                1e-4f, "cosine", 2, 8, 5, 0f).withAccumulate(4);
        trainer(config, blobs(), single, new StringWriter()).fit();
        Map<String, NamedArray> expected = Checkpoint.load(single).model();
        Map<String, NamedArray> actual = trainOnRanks(config, 2, twoRanks);
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            assertArrayEquals(expected.get(key).floats(), actual.get(key).floats(), 1e-5f, key);
        }
        List<EpochRecord> one = MetricsWriter.readCsv(single.resolve("metrics.csv"));
        List<EpochRecord> two = MetricsWriter.readCsv(twoRanks.resolve("rank0").resolve("metrics.csv"));
        assertEquals(one.get(1).trainLoss(), two.get(1).trainLoss(), 1e-5);
        assertEquals(one.get(1).testAccuracy(), two.get(1).testAccuracy(), 0.0);
    }

    @Test
    void accumulatingKBatchesOfBEqualsOneBatchOfKB(@TempDir Path small, @TempDir Path large) throws IOException {
        // dropout off; 600 rows: 75 micro-batches of 8 in groups of 4, the last group of 3 (24 rows),
        // against 19 batches of 32, the last of 24 rows
        TrainConfig accumulated = new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0f, "sgd", 0.05f, 0.9f,
                1e-4f, "cosine", 2, 8, 5, 0f).withAccumulate(4);
        TrainConfig whole = new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0f, "sgd", 0.05f, 0.9f, 1e-4f,
                "cosine", 2, 32, 5, 0f);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        List<EpochRecord> x = trainer(accumulated, blobs(), small, new StringWriter()).listener(a).fit().epochs();
        List<EpochRecord> y = trainer(whole, blobs(), large, new StringWriter()).listener(b).fit().epochs();
        assertEquals(b.steps.size(), a.steps.size(), "one optimizer step per group of micro-batches");
        for (int i = 0; i < a.steps.size(); i++) {
            assertEquals(b.steps.get(i).samples(), a.steps.get(i).samples());
            assertEquals(b.steps.get(i).lr(), a.steps.get(i).lr(), 1e-9, "the schedule counts optimizer steps");
            assertEquals(b.steps.get(i).loss(), a.steps.get(i).loss(), 1e-5);
        }
        Map<String, NamedArray> p = Checkpoint.load(small).model();
        Map<String, NamedArray> q = Checkpoint.load(large).model();
        for (String key : q.keySet()) {
            assertArrayEquals(q.get(key).floats(), p.get(key).floats(), 1e-5f, key);
        }
        assertEquals(y.get(1).trainLoss(), x.get(1).trainLoss(), 1e-5);
        assertEquals(y.get(1).testAccuracy(), x.get(1).testAccuracy(), 0.01);
        assertEquals(q.keySet(), p.keySet());
        assertNotEquals(0, a.steps.size());
    }

    @Test
    void plateauStateSurvivesResume(@TempDir Path straight, @TempDir Path interrupted) throws IOException {
        // patience 0: every epoch without a lower training loss cuts the rate
        TrainConfig config = config(6).withSchedule("plateau", 0, 0.5f).with("lr", 0.2f);
        StringWriter log = new StringWriter();
        List<EpochRecord> expected = trainer(config, blobs(), straight, log).fit().epochs();
        trainer(config, blobs(), interrupted, new StringWriter()).stopAfter(3).fit();
        List<EpochRecord> resumed = trainer(config, blobs(), interrupted, new StringWriter()).resume().epochs();
        for (int i = 0; i < 6; i++) {
            assertEquals(expected.get(i).trainLoss(), resumed.get(i).trainLoss(), 0.0, "epoch " + (i + 1));
        }
        Object plateau = Checkpoint.load(interrupted).state().get("plateau");
        assertEquals(Checkpoint.load(straight).state().get("plateau"), plateau);
        assertEquals(Checkpoint.load(straight).state().get("optimizer_lr"),
                Checkpoint.load(interrupted).state().get("optimizer_lr"));
    }

    @Test
    void oneCycleRunsAndResumes(@TempDir Path straight, @TempDir Path interrupted) throws IOException {
        TrainConfig config = config(3).withSchedule("one-cycle", 10, 0.1f);
        Recorder recorder = new Recorder();
        List<EpochRecord> expected = trainer(config, blobs(), straight, new StringWriter()).listener(recorder).fit()
                .epochs();
        // rises to --lr, then falls far below it
        double peak = recorder.steps.stream().mapToDouble(TrainingListener.StepInfo::lr).max().orElseThrow();
        assertEquals(0.01, peak, 1e-4);
        assertTrue(recorder.steps.get(0).lr() < 0.001);
        assertTrue(recorder.steps.get(recorder.steps.size() - 1).lr() < 1e-5);
        trainer(config, blobs(), interrupted, new StringWriter()).stopAfter(1).fit();
        List<EpochRecord> resumed = trainer(config, blobs(), interrupted, new StringWriter()).resume().epochs();
        assertEquals(expected.get(2).trainLoss(), resumed.get(2).trainLoss(), 0.0);
    }

    @Test
    void residualMlpTrainsResumesAndReloads(@TempDir Path dir, @TempDir Path straight) throws IOException {
        TrainConfig config = config(2).withResMlp(2, 16, "batch");
        StringWriter log = new StringWriter();
        Trainer.Result expected = trainer(config, blobs(), straight, log).summary(true).fit();
        assertTrue(expected.testAccuracy() > 0.9, "accuracy " + expected.testAccuracy());
        assertTrue(log.toString().contains("resmlp 12-16x2-3 batch norm"), log.toString());
        assertTrue(log.toString().contains("Total params:"), "model summary printed: " + log);
        trainer(config, blobs(), dir, new StringWriter()).stopAfter(1).fit();
        Trainer.Result resumed = trainer(config, blobs(), dir, new StringWriter()).resume();
        assertEquals(expected.epochs().get(1).testLoss(), resumed.epochs().get(1).testLoss(), 0.0);
        Checkpoint.Contents contents = Checkpoint.load(dir);
        assertTrue(contents.model().containsKey("1.block.0.running_mean"), contents.model().keySet().toString());
        var model = Trainer.loadModel(contents, Device.reference());
        assertEquals(model.parameterCount(), Trainer.buildModel(config, 12, 3, Device.reference())
                .parameterCount());
    }

    @Test
    void configsWrittenBeforeTheNewSettingsReadWithTheirDefaults() {
        Map<String, Object> old = config(3).toMap();
        for (String key : List.of("arch", "blocks", "width", "norm", "val_split", "val", "early_stop", "accumulate",
                "plateau_patience", "plateau_factor")) {
            old.remove(key);
        }
        TrainConfig read = TrainConfig.fromMap(old);
        assertEquals(config(3), read);
        assertEquals("mlp", read.arch());
        assertEquals(1, read.accumulate());
        assertFalse(read.hasValidation());
        var e = assertThrows(TrainConfig.InvalidSetting.class, () -> config(3).with("accumulate", 0));
        assertEquals("accumulate", e.setting());
        assertEquals("val_split", assertThrows(TrainConfig.InvalidSetting.class,
                () -> config(3).withValidation(1f, "")).setting());
        assertEquals("val_split", assertThrows(TrainConfig.InvalidSetting.class,
                () -> config(3).withValidation(0.1f, "npy:a.npy,b.npy")).setting());
        assertEquals("arch", assertThrows(TrainConfig.InvalidSetting.class,
                () -> config(3).with("arch", "cnn")).setting());
        assertEquals("plateau_factor", assertThrows(TrainConfig.InvalidSetting.class,
                () -> config(3).withSchedule("plateau", 3, 1.5f)).setting());
    }
}
