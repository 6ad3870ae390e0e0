package dev.nabla.train;

import dev.nabla.optim.ReduceLROnPlateau;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --schedule plateau} as a listener: after each epoch steps a {@link ReduceLROnPlateau} with
 * the run's {@link Monitor} (the validation loss by default, {@code --monitor val_acc} in mode max),
 * or the training loss without a validation set (never the test loss, which would tune the run on
 * the test set), and says when it lowers the rate. Its counters are saved in {@code state.json}
 * under {@code plateau}.
 */
final class PlateauSchedule implements TrainingListener, TrainingContext.CheckpointState {

    private final ReduceLROnPlateau plateau;
    /** What it follows; empty for the training loss (no validation set). */
    private final java.util.Optional<Monitor> monitor;
    private final PrintWriter out;

    /** {@code plateau}'s mode must be {@code monitor}'s (min for the training loss, when {@code monitor} is empty). */
    PlateauSchedule(ReduceLROnPlateau plateau, java.util.Optional<Monitor> monitor, PrintWriter out) {
        if (plateau.maximize() != monitor.map(Monitor::maximize).orElse(false)) {
            throw new IllegalArgumentException("PlateauSchedule: ReduceLROnPlateau in mode " + (plateau.maximize()
                    ? "max" : "min") + " cannot follow " + monitor.map(Monitor::name).orElse("the training loss"));
        }
        this.plateau = plateau;
        this.monitor = monitor;
        this.out = out;
    }

    @Override
    public void onEpochEnd(TrainingContext context, EpochRecord record) {
        double monitored = monitor.map(m -> m.value(record)).orElse(record.trainLoss());
        float before = plateau.lr();
        if (plateau.step(monitored)) {
            out.printf(Locale.ROOT, "plateau: the %s has not improved for more than %d epochs; learning rate"
                    + " %s -> %s%n", monitor.map(Monitor::label).orElse("training loss"),
                    context.config().plateauPatience(), before, plateau.lr());
            out.flush();
        }
    }

    @Override
    public String key() {
        return "plateau";
    }

    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("best", Double.isFinite(plateau.best()) ? plateau.best() : null);
        state.put("bad_epochs", plateau.badEpochs());
        state.put("cooldown_counter", plateau.cooldownCounter());
        state.put("last_epoch", plateau.lastEpoch());
        return state;
    }

    @Override
    public void restore(Object saved) {
        Map<?, ?> state = (Map<?, ?>) saved;
        plateau.restore(state.get("best") instanceof Number n ? n.doubleValue()
                : plateau.maximize() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY,
                ((Number) state.get("bad_epochs")).intValue(), ((Number) state.get("cooldown_counter")).intValue(),
                ((Number) state.get("last_epoch")).longValue());
    }
}
