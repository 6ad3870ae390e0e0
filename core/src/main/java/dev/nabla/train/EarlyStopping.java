package dev.nabla.train;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.NamedArray;
import dev.nabla.io.Safetensors;
import dev.nabla.nn.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Early stopping on a validation figure ({@code --early-stop PATIENCE}, {@code --monitor NAME}), as
 * Keras's {@code EarlyStopping(monitor, patience, restore_best_weights=True)} and Lightning's
 * {@code EarlyStopping} with {@code min_delta=0}: an epoch improves if its monitored figure
 * ({@link Monitor}; the validation loss by default) is strictly better than the best so far, lower
 * for a loss or error, higher for accuracy, R² or F1; after {@code patience} epochs in a row without
 * improvement the run is asked to stop, and at the end the model gets back exactly the best epoch's
 * weights (and BatchNorm statistics), copied when that epoch ended.
 *
 * <p>The best weights are also written to {@value #BEST_FILE} in the run folder whenever they
 * improve (as Lightning's {@code ModelCheckpoint(monitor=...)} keeps its best checkpoint);
 * {@code model.safetensors} stays the last epoch's, which {@code --resume} continues from, and
 * {@code nabla eval} evaluates {@value #BEST_FILE} when there is one. The counters live in
 * {@code state.json} under {@code early_stopping}, so a resumed run keeps its monitor, best value,
 * best epoch, bad-epoch count and best weights.
 */
public final class EarlyStopping implements TrainingListener, TrainingContext.CheckpointState {

    /** The best epoch's weights in the run folder. */
    public static final String BEST_FILE = "best.safetensors";

    private final int patience;
    private final Monitor monitor;
    private final PrintWriter out;
    private double best;
    private int bestEpoch;
    private int badEpochs;
    /** A copy of the best epoch's state dict; null before the first improvement. */
    private Map<String, NamedArray> bestWeights;

    EarlyStopping(int patience, Monitor monitor, PrintWriter out) { // built by the Trainer from --early-stop
        if (patience < 1) {
            throw new IllegalArgumentException("EarlyStopping: patience must be at least 1, got " + patience);
        }
        this.patience = patience;
        this.monitor = java.util.Objects.requireNonNull(monitor, "monitor");
        this.out = out;
        this.best = monitor.worst();
    }

    /** The epoch whose weights are the best so far (1-based); 0 before the first. */
    int bestEpoch() {
        return bestEpoch;
    }

    @Override
    public void onTrainStart(TrainingContext context) {
        if (badEpochs >= patience) {
            // A resumed run that had stopped early: more epochs would contradict its own rule.
            context.requestStop(reason());
        }
    }

    @Override
    public void onEpochEnd(TrainingContext context, EpochRecord record) throws IOException {
        double value = monitor.value(record);
        if (monitor.improves(value, best)) { // NaN never improves
            best = value;
            bestEpoch = record.epoch();
            badEpochs = 0;
            bestWeights = copy(context.model());
            if (context.isPrimary()) {
                Safetensors.write(context.runDir().resolve(BEST_FILE), bestWeights, Map.of("format",
                        "nabla-best-weights-1", "epoch", Integer.toString(bestEpoch), "monitor",
                        monitor.name(), monitor.name(), Double.toString(best)));
            }
        } else {
            badEpochs++;
            if (badEpochs >= patience) {
                context.requestStop(reason());
            }
        }
    }

    private String reason() {
        return String.format(Locale.ROOT, "early stopping: the %s has not improved for %d epoch%s"
                + " (patience %d); the best was %.4f at epoch %d", monitor.label(), badEpochs, badEpochs == 1 ? ""
                : "s", patience, best, bestEpoch);
    }

    /**
     * Loads the best epoch's weights into {@code model} (nothing if no epoch improved, or if the
     * best is {@code lastEpoch}, whose weights the model holds).
     */
    void restoreBest(Module model, int lastEpoch) {
        if (bestWeights == null) {
            return;
        }
        if (bestEpoch == lastEpoch) {
            out.printf(Locale.ROOT, "early stopping: the last epoch, %d, has the %s %s (%.4f); its"
                    + " weights are also in %s%n", bestEpoch, monitor.bestWord(), monitor.label(), best, BEST_FILE);
            out.flush();
            return;
        }
        Map<String, float[]> arrays = new HashMap<>();
        bestWeights.forEach((name, array) -> arrays.put(name, array.floats()));
        model.loadStateDictArrays(arrays);
        out.printf(Locale.ROOT, "early stopping: restored the weights of epoch %d (%s %.4f, the %s); they"
                + " are in %s%n", bestEpoch, monitor.label(), best, monitor.bestWord(), BEST_FILE);
        out.flush();
    }

    private static Map<String, NamedArray> copy(Module model) {
        Map<String, NamedArray> arrays = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            for (Map.Entry<String, Tensor> entry : model.stateDict().entrySet()) {
                Tensor t = entry.getValue();
                arrays.put(entry.getKey(), NamedArray.f32(t.toFloatArray(), t.shape()));
            }
        }
        return arrays;
    }

    @Override
    public String key() {
        return "early_stopping";
    }

    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("patience", patience);
        state.put("monitor", monitor.name());
        state.put("best", Double.isFinite(best) ? best : null);
        state.put("best_epoch", bestEpoch);
        state.put("bad_epochs", badEpochs);
        return state;
    }

    @Override
    public void restore(Object saved) {
        Map<?, ?> state = (Map<?, ?>) saved;
        // Runs saved before --monitor existed monitored the validation loss and stored it as best_val_loss.
        Object savedMonitor = state.containsKey("monitor") ? state.get("monitor") : Monitor.DEFAULT;
        if (!monitor.name().equals(savedMonitor)) {
            throw new IllegalArgumentException("resume: state.json's early stopping followed " + savedMonitor
                    + ", and this run monitors " + monitor.name() + "; the counters do not belong together");
        }
        Object value = state.containsKey("best") ? state.get("best") : state.get("best_val_loss");
        best = value instanceof Number n ? n.doubleValue() : monitor.worst();
        bestEpoch = ((Number) state.get("best_epoch")).intValue();
        badEpochs = ((Number) state.get("bad_epochs")).intValue();
    }

    /**
     * After {@link #restore}: reads the best weights back from {@value #BEST_FILE}. The file is
     * written before the checkpoint that records it, so after a crash between the two it may hold
     * a later epoch than the checkpoint ({@code resumedEpoch}) knows; that epoch is trained again,
     * identically, and writes it again, so the file is then ignored.
     */
    void loadBestWeights(Path runDir, int resumedEpoch) throws IOException {
        if (bestEpoch == 0) {
            return;
        }
        Path file = runDir.resolve(BEST_FILE);
        if (!Files.exists(file)) {
            throw new IOException("resume: state.json records the best " + monitor.label() + " at epoch " + bestEpoch
                    + " but " + file + " (its weights) is missing, so early stopping could not restore them");
        }
        Safetensors.Loaded loaded = Safetensors.read(file);
        String epoch = loaded.metadata().get("epoch");
        if (Integer.toString(bestEpoch).equals(epoch)) {
            bestWeights = new LinkedHashMap<>(loaded.tensors());
        } else if (epoch == null || Integer.parseInt(epoch) <= resumedEpoch) {
            throw new IOException("resume: " + file + " holds the weights of epoch " + epoch + " but state.json"
                    + " records the best " + monitor.label() + " at epoch " + bestEpoch + "; the files do not belong"
                    + " together");
        }
    }
}
