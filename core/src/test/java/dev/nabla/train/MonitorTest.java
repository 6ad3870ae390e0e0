package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.Safetensors;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Module;
import dev.nabla.optim.ReduceLROnPlateau;
import dev.nabla.optim.SGD;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --monitor}: which names each task has and their direction, and early stopping and the
 * plateau schedule driven by a scripted sequence of epochs whose validation loss and accuracy
 * disagree, so that following the wrong figure picks a different epoch.
 */
class MonitorTest {

    /**
     * Validation loss falls to its lowest at epoch 3 and then rises (overfitting) while the accuracy
     * keeps climbing to its highest at epoch 6, then falls for good.
     */
    private static final double[] VAL_LOSS = {0.50, 0.40, 0.35, 0.36, 0.38, 0.39, 0.41, 0.45, 0.46, 0.50, 0.52};
    private static final double[] VAL_ACC = {0.80, 0.84, 0.86, 0.87, 0.88, 0.89, 0.885, 0.884, 0.883, 0.88, 0.87};

    @Test
    void namesAndDirectionsPerTask() {
        assertEquals(List.of("val_loss", "val_acc"), Monitor.names(Task.CLASSIFICATION));
        assertEquals(List.of("val_loss", "val_rmse", "val_mae", "val_r2"), Monitor.names(Task.REGRESSION));
        assertEquals(List.of("val_loss", "val_label_accuracy", "val_exact_match", "val_micro_f1"),
                Monitor.names(Task.MULTILABEL));
        assertFalse(Monitor.parse("val_loss", Task.CLASSIFICATION).maximize());
        assertTrue(Monitor.parse("val_acc", Task.CLASSIFICATION).maximize());
        assertEquals(Monitor.parse("val_acc", Task.CLASSIFICATION), Monitor.parse("VAL_ACCURACY", Task.CLASSIFICATION));
        assertEquals("val_accuracy", Monitor.parse("val-acc", Task.CLASSIFICATION).column());
        assertFalse(Monitor.parse("val_rmse", Task.REGRESSION).maximize());
        assertFalse(Monitor.parse("val_mae", Task.REGRESSION).maximize());
        assertTrue(Monitor.parse("val_r2", Task.REGRESSION).maximize());
        assertTrue(Monitor.parse("val_micro_f1", Task.MULTILABEL).maximize());
        assertEquals("val_loss", Monitor.parse("", Task.REGRESSION).name());
        assertEquals("validation R²", Monitor.parse("val_r2", Task.REGRESSION).label());
    }

    @Test
    void aFigureTheTaskDoesNotHaveIsRefusedNamingTheOnesItHas() {
        var e = assertThrows(IllegalArgumentException.class, () -> Monitor.parse("val_r2", Task.CLASSIFICATION));
        assertTrue(e.getMessage().contains("classification run has no validation figure 'val_r2'"), e.getMessage());
        assertTrue(e.getMessage().contains("val_loss, val_acc"), e.getMessage());
        var test = assertThrows(IllegalArgumentException.class, () -> Monitor.parse("test_acc", Task.CLASSIFICATION));
        assertTrue(test.getMessage().contains("the test set never chooses an epoch"), test.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Monitor.parse("val_acc", Task.REGRESSION));
    }

    @Test
    void theConfigStoresTheCanonicalNameAndNeedsAValidationSet() {
        TrainConfig base = new TrainConfig("blobs", "", 0, new int[] {4}, "relu", 0f, "adam", 0.01f, 0.9f, 0f,
                "cosine", 3, 8, 1, 0f);
        assertEquals("val_loss", base.monitor(), "the default, also for configs saved before --monitor");
        TrainConfig monitored = base.withValidation(0.2f, "").withMonitor("val_accuracy");
        assertEquals("val_acc", monitored.monitor());
        assertEquals(monitored, TrainConfig.fromMap(monitored.toMap()), "kept in state.json for --resume");
        Map<String, Object> old = base.toMap();
        old.remove("monitor");
        assertEquals("val_loss", TrainConfig.fromMap(old).monitor(), "a run saved before --monitor");
        var none = assertThrows(TrainConfig.InvalidSetting.class, () -> base.withMonitor("val_acc"));
        assertEquals("monitor", none.setting());
        assertTrue(none.getMessage().contains("needs a validation set"), none.getMessage());
        var wrong = assertThrows(TrainConfig.InvalidSetting.class, () -> base.withValidation(0.2f, "")
                .withMonitor("val_rmse"));
        assertEquals("monitor", wrong.setting());
    }

    /** A tiny model whose weights at "epoch e" are all e, so that restored weights name their epoch. */
    private static final class Script {
        final Module model = Mlp.of(3, new int[] {4}, 2, "relu", 0f, Device.reference(), 7);
        final TrainConfig config;
        final TrainingContext context;

        Script(Path dir, String monitor) {
            config = new TrainConfig("script", "", 0, new int[] {4}, "relu", 0f, "sgd", 0.1f, 0f, 0f, "constant", 20,
                    8, 1, 0f).withValidation(0.1f, "").withMonitor(monitor);
            context = new TrainingContext(config, model, new SGD(model.parameters(), 0.1f), Optional.empty(), null,
                    null, true, dir, Device.reference(), true, new ArrayList<>(), "script", null);
        }

        void setWeights(float value) {
            Map<String, float[]> arrays = new HashMap<>();
            try (Scope scope = Scope.open()) {
                for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
                    float[] filled = new float[e.getValue().toFloatArray().length];
                    java.util.Arrays.fill(filled, value);
                    arrays.put(e.getKey(), filled);
                }
            }
            model.loadStateDictArrays(arrays);
        }

        float weight() {
            try (Scope scope = Scope.open()) {
                return model.stateDict().values().iterator().next().toFloatArray()[0];
            }
        }

        static EpochRecord record(int epoch) {
            return new EpochRecord(epoch, 0.3, 0.9, Double.NaN, Double.NaN, 1, 1, VAL_LOSS[epoch - 1],
                    VAL_ACC[epoch - 1]);
        }

        /** Plays the epochs until early stopping asks to stop; returns the last epoch played. */
        int play(EarlyStopping stopping) throws IOException {
            int epoch = 0;
            while (!context.stopRequested() && epoch < VAL_LOSS.length) {
                epoch++;
                setWeights(epoch);
                stopping.onEpochEnd(context, record(epoch));
            }
            return epoch;
        }
    }

    @Test
    void earlyStoppingOnValAccRestoresTheMostAccurateEpochNotTheLowestLoss(@TempDir Path dir) throws IOException {
        Script script = new Script(dir, "val_acc");
        StringWriter log = new StringWriter();
        EarlyStopping stopping = new EarlyStopping(3, script.config.monitorKind(), new PrintWriter(log));
        int last = script.play(stopping);
        assertEquals(9, last, "accuracy last improved at epoch 6; patience 3 ends the run after epoch 9");
        assertEquals(6, stopping.bestEpoch());
        stopping.restoreBest(script.model, last);
        assertEquals(6f, script.weight(), "the restored weights are epoch 6's, the highest validation accuracy");
        assertEquals(6f, Safetensors.read(dir.resolve(EarlyStopping.BEST_FILE)).tensors().values().iterator().next()
                .floats()[0], "best.safetensors holds epoch 6");
        Map<String, String> metadata = Safetensors.read(dir.resolve(EarlyStopping.BEST_FILE)).metadata();
        assertEquals("6", metadata.get("epoch"));
        assertEquals("val_acc", metadata.get("monitor"));
        assertEquals(0.89, Double.parseDouble(metadata.get("val_acc")), 0.0);
        assertTrue(script.context.stopReason().orElseThrow().contains("validation accuracy has not improved for 3"
                + " epochs (patience 3); the best was 0.8900 at epoch 6"), script.context.stopReason().orElseThrow());
        assertTrue(log.toString().contains("restored the weights of epoch 6 (validation accuracy 0.8900, the"
                + " highest)"), log.toString());
    }

    @Test
    void earlyStoppingOnValLossRestoresTheLowestLossEpoch(@TempDir Path dir) throws IOException {
        Script script = new Script(dir, "val_loss");
        EarlyStopping stopping = new EarlyStopping(3, script.config.monitorKind(), new PrintWriter(new StringWriter()));
        int last = script.play(stopping);
        assertEquals(6, last, "the loss last improved at epoch 3");
        stopping.restoreBest(script.model, last);
        assertEquals(3f, script.weight());
    }

    @Test
    void theMonitorAndItsBestSurviveSaveAndRestoreAndAnotherMonitorIsRefused(@TempDir Path dir) throws IOException {
        Script script = new Script(dir, "val_acc");
        EarlyStopping first = new EarlyStopping(3, script.config.monitorKind(), new PrintWriter(new StringWriter()));
        for (int epoch = 1; epoch <= 7; epoch++) {
            script.setWeights(epoch);
            first.onEpochEnd(script.context, Script.record(epoch));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> saved = (Map<String, Object>) first.save();
        assertEquals("val_acc", saved.get("monitor"));
        assertEquals(0.89, (Double) saved.get("best"), 0.0);
        // a JSON round trip gives back plain maps and numbers
        Map<String, Object> json = new LinkedHashMap<>(saved);
        EarlyStopping resumed = new EarlyStopping(3, script.config.monitorKind(), new PrintWriter(new StringWriter()));
        resumed.restore(json);
        resumed.loadBestWeights(dir, 7);
        for (int epoch = 8; epoch <= 9 && !script.context.stopRequested(); epoch++) {
            script.setWeights(epoch);
            resumed.onEpochEnd(script.context, Script.record(epoch));
        }
        assertTrue(script.context.stopRequested(), "the bad-epoch count came back: 1 saved, epochs 8 and 9 make 3");
        resumed.restoreBest(script.model, 9);
        assertEquals(6f, script.weight());

        EarlyStopping onLoss = new EarlyStopping(3, Monitor.parse("val_loss", Task.CLASSIFICATION),
                new PrintWriter(new StringWriter()));
        var e = assertThrows(IllegalArgumentException.class, () -> onLoss.restore(json));
        assertTrue(e.getMessage().contains("followed val_acc"), e.getMessage());
    }

    @Test
    void aRunSavedBeforeMonitorExistedRestoresItsBestValidationLoss(@TempDir Path dir) {
        Script script = new Script(dir, "val_loss");
        EarlyStopping stopping = new EarlyStopping(3, script.config.monitorKind(), new PrintWriter(new StringWriter()));
        stopping.restore(Map.of("patience", 3, "best_val_loss", 0.35, "best_epoch", 3, "bad_epochs", 1));
        assertEquals(0.35, (Double) ((Map<?, ?>) stopping.save()).get("best"), 0.0);
    }

    @Test
    void thePlateauScheduleFollowsTheMonitorInItsDirection(@TempDir Path dir) {
        Script script = new Script(dir, "val_acc");
        StringWriter log = new StringWriter();
        SGD sgd = new SGD(script.model.parameters(), 0.1f);
        PlateauSchedule plateau = new PlateauSchedule(new ReduceLROnPlateau(sgd, true, 0.5, 1),
                Optional.of(script.config.monitorKind()), new PrintWriter(log));
        float[] lrs = new float[VAL_ACC.length];
        for (int epoch = 1; epoch <= VAL_ACC.length; epoch++) {
            plateau.onEpochEnd(script.context, Script.record(epoch));
            lrs[epoch - 1] = sgd.lr();
        }
        // accuracy improves to epoch 6, then 2 bad epochs (> patience 1) halve the rate at epoch 8 and 10;
        // following the loss instead would have lowered it from epoch 5
        assertArrayEquals(new float[] {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.025f, 0.025f}, lrs);
        assertTrue(log.toString().contains("the validation accuracy has not improved"), log.toString());
        assertThrows(IllegalArgumentException.class, () -> new PlateauSchedule(new ReduceLROnPlateau(sgd, false,
                0.5, 1), Optional.of(script.config.monitorKind()), new PrintWriter(log)));
    }
}
