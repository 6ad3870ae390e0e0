package dev.nabla.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one epoch produced: the row of {@code metrics.csv}, an element of {@code metrics.json}'s
 * {@code epochs}, a point on each curve of {@code curves.png}.
 *
 * <p>Losses are mean per-sample losses, accuracies fractions in {@code [0, 1]}. A value that was
 * not measured (no test set, no validation set, or a test set kept for the end of a run with a
 * validation set) is {@link Double#NaN}; it is written as an empty CSV field and JSON {@code null},
 * and left out of the plot.
 *
 * @param epoch 1-based epoch number
 * @param seconds wall time of the epoch's training (and evaluation) in seconds
 * @param samplesPerSecond training samples processed per second of training time
 * <p>A regression or multi-label run ({@link Task}) has no accuracies (they are NaN); its test and
 * validation figures are in {@code metrics}, by column name ({@code test_r2}, {@code val_micro_f1}),
 * and its files have the columns {@link #fields(Task)} lists.
 *
 * @param valLoss the validation set's loss ({@code --val-split}, {@code --val}), or NaN without one
 * @param task    the run's task, which decides the columns
 * @param metrics the task's test and validation figures by column name; empty for classification
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
        double seconds, double samplesPerSecond, double valLoss, double valAccuracy, Task task,
        Map<String, Double> metrics) {

    public EpochRecord {
        metrics = Map.copyOf(metrics);
    }

    /** A classification record. */
    public EpochRecord(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
            double seconds, double samplesPerSecond, double valLoss, double valAccuracy) {
        this(epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, samplesPerSecond, valLoss, valAccuracy,
                Task.CLASSIFICATION, Map.of());
    }

    /** A record without validation metrics. */
    public EpochRecord(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
            double seconds, double samplesPerSecond) {
        this(epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, samplesPerSecond, Double.NaN,
                Double.NaN);
    }

    /**
     * The fields' names in every file that stores epochs, in this order: {@code metrics.csv}'s
     * header, the keys of {@code metrics.json}'s {@code epochs} and of the checkpoint's history. The
     * validation columns come last, so that files written before they existed keep their column
     * numbers.
     */
    static final List<String> FIELDS = List.of("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
            "seconds", "samples_per_second", "val_loss", "val_accuracy");

    /**
     * The columns of a {@code task}'s files, in order: {@link #FIELDS} for classification; for the
     * other tasks the training loss (no training accuracy), then the test set's loss and
     * {@link Task#metrics()}, the timing, and the validation set's loss and metrics.
     */
    public static List<String> fields(Task task) {
        if (task == Task.CLASSIFICATION) {
            return FIELDS;
        }
        List<String> fields = new ArrayList<>(List.of("epoch", "train_loss", "test_loss"));
        task.metrics().forEach(m -> fields.add("test_" + m));
        fields.addAll(List.of("seconds", "samples_per_second", "val_loss"));
        task.metrics().forEach(m -> fields.add("val_" + m));
        return List.copyOf(fields);
    }

    /** The value of column {@code field} of {@link #fields}; NaN if it was not measured. */
    public double value(String field) {
        return switch (field) {
            case "epoch" -> epoch;
            case "train_loss" -> trainLoss;
            case "train_accuracy" -> trainAccuracy;
            case "test_loss" -> testLoss;
            case "test_accuracy" -> testAccuracy;
            case "seconds" -> seconds;
            case "samples_per_second" -> samplesPerSecond;
            case "val_loss" -> valLoss;
            case "val_accuracy" -> valAccuracy;
            default -> metrics.getOrDefault(field, Double.NaN);
        };
    }

    /** This record by {@link #fields} name; a value not measured stays NaN, for the writer to spell. */
    Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String field : fields(task)) {
            map.put(field, field.equals("epoch") ? (Object) epoch : (Object) value(field));
        }
        return map;
    }

    /**
     * The record {@link #toMap} held, read back from JSON or CSV: the epoch must be a number; any
     * other field that is missing or not a number (JSON null, the string "NaN") is NaN.
     */
    static EpochRecord fromMap(Map<?, ?> map, Task task) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (task != Task.CLASSIFICATION) {
            for (String field : fields(task)) {
                if (field.startsWith("test_") || field.startsWith("val_")) {
                    if (!field.endsWith("_loss")) {
                        metrics.put(field, number(map, field));
                    }
                }
            }
        }
        return new EpochRecord(((Number) map.get("epoch")).intValue(), number(map, "train_loss"),
                number(map, "train_accuracy"), number(map, "test_loss"), number(map, "test_accuracy"),
                number(map, "seconds"), number(map, "samples_per_second"), number(map, "val_loss"),
                number(map, "val_accuracy"), task, metrics);
    }

    /** {@link #fromMap(Map, Task)} of a classification record. */
    static EpochRecord fromMap(Map<?, ?> map) {
        return fromMap(map, Task.CLASSIFICATION);
    }

    private static double number(Map<?, ?> map, String key) {
        return map.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
