package dev.nabla.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The validation figure that early stopping, the best-weights checkpoint ({@code best.safetensors})
 * and the {@code plateau} schedule follow ({@code --monitor}), as the {@code monitor} and
 * {@code mode} of Lightning's {@code EarlyStopping}/{@code ModelCheckpoint} and of Keras'
 * callbacks: {@code val_loss} (the default, lower is better) or one of the task's validation
 * metrics ({@link Task#metrics()} with a {@code val_} prefix; {@code val_acc} for
 * classification's accuracy). Error metrics ({@code val_rmse}, {@code val_mae}) are minimised,
 * the others (accuracy, R², exact match, F1) maximised; the direction is the metric's, never an
 * option, so that {@code val_acc} cannot be minimised by mistake.
 *
 * @param name     the name as {@code --monitor} takes it and {@code state.json} stores it
 * @param column   the {@link EpochRecord#value(String)} column it reads ({@code val_accuracy} for {@code val_acc})
 * @param maximize whether higher is better
 */
public record Monitor(String name, String column, boolean maximize) {

    /** The default: the validation loss, minimised. */
    public static final String DEFAULT = "val_loss";

    /** The metrics that are errors (lower is better); every other task metric is a score. */
    private static final List<String> ERRORS = List.of("rmse", "mae");

    /** The names {@code --monitor} accepts for {@code task}, the default first. */
    public static List<String> names(Task task) {
        List<String> names = new ArrayList<>();
        names.add(DEFAULT);
        for (String metric : task.metrics()) {
            names.add(metric.equals("accuracy") ? "val_acc" : "val_" + metric);
        }
        return List.copyOf(names);
    }

    /**
     * The monitor named {@code name} (any case; {@code val_accuracy} is read as {@code val_acc}) for
     * a run of {@code task}.
     *
     * @throws IllegalArgumentException naming the task and the names it has, if it has no such figure
     */
    public static Monitor parse(String name, Task task) {
        String key = name == null || name.isBlank() ? DEFAULT : name.strip().toLowerCase(Locale.ROOT).replace('-', '_');
        if (key.equals("val_accuracy")) {
            key = "val_acc";
        }
        if (!names(task).contains(key)) {
            throw new IllegalArgumentException("a " + task.cliName() + " run has no validation figure '" + name
                    + "' to monitor; choose one of " + String.join(", ", names(task))
                    + (key.startsWith("val_") ? "" : " (monitored figures are measured on the validation set, so"
                    + " the test set never chooses an epoch)"));
        }
        if (key.equals(DEFAULT)) {
            return new Monitor(DEFAULT, "val_loss", false);
        }
        String metric = key.equals("val_acc") ? "accuracy" : key.substring("val_".length());
        return new Monitor(key, "val_" + metric, !ERRORS.contains(metric));
    }

    /** The monitored figure of an epoch; NaN if it was not measured. */
    public double value(EpochRecord record) {
        return record.value(column);
    }

    /**
     * Whether {@code value} is strictly better than {@code best} (min-delta 0, as the default of
     * both Lightning and Keras); NaN is never better.
     */
    public boolean improves(double value, double best) {
        return maximize ? value > best : value < best;
    }

    /** The value before any epoch: nothing has been seen, so the first finite figure improves on it. */
    public double worst() {
        return maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** How messages name it: {@code validation loss}, {@code validation accuracy}, {@code validation R²}. */
    public String label() {
        if (name.equals(DEFAULT)) {
            return "validation loss";
        }
        String metric = column.substring("val_".length());
        return "validation " + (metric.equals("accuracy") ? "accuracy" : Task.label(metric));
    }

    /** {@code lowest} or {@code highest}: which end of the figure is best, for messages. */
    public String bestWord() {
        return maximize ? "highest" : "lowest";
    }

    /** {@code PyTorch}'s mode name: {@code max} or {@code min}. */
    public String mode() {
        return maximize ? "max" : "min";
    }
}
