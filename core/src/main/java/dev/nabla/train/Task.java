package dev.nabla.train;

import dev.nabla.data.Dataset;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a run learns, as {@code --task} names it: the kind of target it reads and the losses it may
 * train with. Classification predicts one class per row (softmax cross-entropy); regression
 * predicts real values (MSE or Huber, targets standardised for training); multi-label predicts
 * any subset of labels per row (binary cross-entropy on each label's logit).
 */
public enum Task {
    CLASSIFICATION(Dataset.TargetKind.CLASS_INDEX, "cross-entropy"),
    REGRESSION(Dataset.TargetKind.VALUES, "mse", "huber"),
    MULTILABEL(Dataset.TargetKind.VALUES, "bce");

    private final Dataset.TargetKind targets;
    private final String[] losses;

    Task(Dataset.TargetKind targets, String... losses) {
        this.targets = targets;
        this.losses = losses;
    }

    /** The targets a data set must hold for this task (its loader reads them so). */
    public Dataset.TargetKind targets() {
        return targets;
    }

    /** The losses this task trains with; the first is the default. */
    public java.util.List<String> losses() {
        return java.util.List.of(losses);
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
