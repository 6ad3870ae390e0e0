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
 * Early stopping on the validation loss ({@code --early-stop PATIENCE}), as Keras's
 * {@code EarlyStopping(monitor="val_loss", patience, restore_best_weights=True)} and Lightning's
 * {@code EarlyStopping} with {@code min_delta=0}: an epoch improves if its validation loss is
 * strictly lower than the best so far; after {@code patience} epochs in a row without improvement
 * the run is asked to stop, and at the end the model gets back exactly the best epoch's weights
 * (and BatchNorm statistics), copied when that epoch ended.
 *
 * <p>The best weights are also written to {@value #BEST_FILE} in the run folder whenever they
 * improve (as Lightning's {@code ModelCheckpoint(monitor="val_loss")} keeps its best checkpoint);
 * {@code model.safetensors} stays the last epoch's, which {@code --resume} continues from, and
 * {@code nabla eval} evaluates {@value #BEST_FILE} when there is one. The counters live in
 * {@code state.json} under {@code early_stopping}, so a resumed run keeps its best value, best
 * epoch, bad-epoch count and best weights.
 */
public final class EarlyStopping implements TrainingListener, TrainingContext.CheckpointState {

    /** The best epoch's weights in the run folder. */
    public static final String BEST_FILE = "best.safetensors";

    private final int patience;
    private final PrintWriter out;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private int badEpochs;
    /** A copy of the best epoch's state dict; null before the first improvement. */
    private Map<String, NamedArray> bestWeights;

    EarlyStopping(int patience, PrintWriter out) { // built by the Trainer from --early-stop
        if (patience < 1) {
            throw new IllegalArgumentException("EarlyStopping: patience must be at least 1, got " + patience);
        }
        this.patience = patience;
        this.out = out;
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
        double loss = record.valLoss();
        if (loss < best) { // NaN never improves
            best = loss;
            bestEpoch = record.epoch();
            badEpochs = 0;
            bestWeights = copy(context.model());
            if (context.isPrimary()) {
                Safetensors.write(context.runDir().resolve(BEST_FILE), bestWeights, Map.of("format",
                        "nabla-best-weights-1", "epoch", Integer.toString(bestEpoch), "val_loss",
                        Double.toString(best)));
            }
        } else {
            badEpochs++;
            if (badEpochs >= patience) {
                context.requestStop(reason());
            }
        }
    }

    private String reason() {
        return String.format(Locale.ROOT, "early stopping: the validation loss has not improved for %d epoch%s"
                + " (patience %d); the best was %.4f at epoch %d", badEpochs, badEpochs == 1 ? "" : "s", patience,
                best, bestEpoch);
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
            out.printf(Locale.ROOT, "early stopping: the last epoch, %d, has the lowest validation loss (%.4f); its"
                    + " weights are also in %s%n", bestEpoch, best, BEST_FILE);
            out.flush();
            return;
        }
        Map<String, float[]> arrays = new HashMap<>();
        bestWeights.forEach((name, array) -> arrays.put(name, array.floats()));
        model.loadStateDictArrays(arrays);
        out.printf(Locale.ROOT, "early stopping: restored the weights of epoch %d (validation loss %.4f, the"
                + " lowest); they are in %s%n", bestEpoch, best, BEST_FILE);
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
        state.put("best_val_loss", Double.isFinite(best) ? best : null);
        state.put("best_epoch", bestEpoch);
        state.put("bad_epochs", badEpochs);
        return state;
    }

    @Override
    public void restore(Object saved) {
        Map<?, ?> state = (Map<?, ?>) saved;
        best = state.get("best_val_loss") instanceof Number n ? n.doubleValue() : Double.POSITIVE_INFINITY;
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
            throw new IOException("resume: state.json records the best validation loss at epoch " + bestEpoch
                    + " but " + file + " (its weights) is missing, so early stopping could not restore them");
        }
        Safetensors.Loaded loaded = Safetensors.read(file);
        String epoch = loaded.metadata().get("epoch");
        if (Integer.toString(bestEpoch).equals(epoch)) {
            bestWeights = new LinkedHashMap<>(loaded.tensors());
        } else if (epoch == null || Integer.parseInt(epoch) <= resumedEpoch) {
            throw new IOException("resume: " + file + " holds the weights of epoch " + epoch + " but state.json"
                    + " records the best validation loss at epoch " + bestEpoch + "; the files do not belong together");
        }
    }
}
