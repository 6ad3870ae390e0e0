package dev.nabla.train;

import dev.nabla.data.Dataset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a run learns, as {@code --task} names it: the kind of target it reads and the losses it may
 * train with. Classification predicts one class per row (softmax cross-entropy); regression
 * predicts real values (MSE or Huber, targets standardised for training); multi-label predicts
 * any subset of labels per row (binary cross-entropy on each label's logit).
 */
public enum Task {
    CLASSIFICATION(Dataset.TargetKind.CLASS_INDEX, List.of("accuracy"), "cross-entropy"),
    REGRESSION(Dataset.TargetKind.VALUES, List.of("rmse", "mae", "r2"), "mse", "huber"),
    MULTILABEL(Dataset.TargetKind.VALUES, List.of("label_accuracy", "exact_match", "micro_f1"), "bce");

    private final Dataset.TargetKind targets;
    private final List<String> metrics;
    private final String[] losses;

    Task(Dataset.TargetKind targets, List<String> metrics, String... losses) {
        this.targets = targets;
        this.metrics = metrics;
        this.losses = losses;
    }

    /**
     * The figures measured on a validation or test set beside its loss, by their column names in
     * {@code metrics.csv} (after a {@code val_} or {@code test_} prefix): {@code accuracy};
     * {@code rmse}, {@code mae}, {@code r2} (in the targets' own units); {@code label_accuracy},
     * {@code exact_match}, {@code micro_f1}. The first one that {@link #mainMetric()} names is
     * the one {@code curves.png} plots.
     */
    public List<String> metrics() {
        return metrics;
    }

    /** The figure that says how good a model is, higher better: accuracy, R², micro-F1. */
    public String mainMetric() {
        return switch (this) {
            case CLASSIFICATION -> "accuracy";
            case REGRESSION -> "r2";
            case MULTILABEL -> "micro_f1";
        };
    }

    /** How a metric is written for people: {@code R²}, {@code RMSE}, {@code micro-F1}. */
    public static String label(String metric) {
        return switch (metric) {
            case "accuracy" -> "acc";
            case "rmse" -> "RMSE";
            case "mae" -> "MAE";
            case "r2" -> "R²";
            case "label_accuracy" -> "label acc";
            case "exact_match" -> "exact match";
            case "micro_f1" -> "micro-F1";
            case "macro_f1" -> "macro-F1";
            default -> metric;
        };
    }

    /** The targets a data set must hold for this task (its loader reads them so). */
    public Dataset.TargetKind targets() {
        return targets;
    }

    /** The losses this task trains with; the first is the default. */
    public List<String> losses() {
        return List.of(losses);
    }

    /** The name {@code --task} takes: {@code classification}, {@code regression}, {@code multilabel}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The task named {@code name} (any case; {@code multi-label} too).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static Task parse(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (Task task : values()) {
            if (task.cliName().equals(key)) {
                return task;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "'; valid: " + Arrays.stream(values())
                .map(Task::cliName).collect(Collectors.joining(", ")));
    }

    /**
     * The loss named {@code name} for this task, checked ({@code mse} or {@code huber} for
     * regression, and so on).
     *
     * @throws IllegalArgumentException naming the task and its losses
     */
    public String loss(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        for (String loss : losses) {
            if (loss.equals(key)) {
                return loss;
            }
        }
        throw new IllegalArgumentException("loss '" + name + "' does not fit a " + cliName() + " task; valid: "
                + String.join(", ", losses));
    }
}
