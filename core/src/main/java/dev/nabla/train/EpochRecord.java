package dev.nabla.train;

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
 * @param valLoss the validation set's loss ({@code --val-split}, {@code --val}), or NaN without one
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
        double seconds, double samplesPerSecond, double valLoss, double valAccuracy) {

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

    /** This record by {@link #FIELDS} name; a value not measured stays NaN, for the writer to spell. */
    Map<String, Object> toMap() {
        List<Object> values = List.of(epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds,
                samplesPerSecond, valLoss, valAccuracy);
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            map.put(FIELDS.get(i), values.get(i));
        }
        return map;
    }

    /** The same record with other test metrics (the end-of-run evaluation of a run with a validation set). */
    EpochRecord withTest(double loss, double accuracy) {
        return new EpochRecord(epoch, trainLoss, trainAccuracy, loss, accuracy, seconds, samplesPerSecond, valLoss,
                valAccuracy);
    }

    /**
     * The record {@link #toMap} held, read back from JSON: the epoch must be a number; any other
     * field that is missing or not a number (JSON null, the string "NaN") is NaN.
     */
    static EpochRecord fromMap(Map<?, ?> map) {
        return new EpochRecord(((Number) map.get("epoch")).intValue(), number(map, "train_loss"),
                number(map, "train_accuracy"), number(map, "test_loss"), number(map, "test_accuracy"),
                number(map, "seconds"), number(map, "samples_per_second"), number(map, "val_loss"),
                number(map, "val_accuracy"));
    }

    private static double number(Map<?, ?> map, String key) {
        return map.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
