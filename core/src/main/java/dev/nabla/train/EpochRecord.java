package dev.nabla.train;

/**
 * What one epoch produced: the row of {@code metrics.csv}, an element of {@code metrics.json}'s
 * {@code epochs}, a point on each curve of {@code curves.png}.
 *
 * <p>Losses are mean per-sample losses, accuracies fractions in {@code [0, 1]}. A value that was
 * not measured (no test set, say) is {@link Double#NaN}; it is written as an empty CSV field and
 * JSON {@code null}, and left out of the plot.
 *
 * @param epoch 1-based epoch number
 * @param seconds wall time of the epoch's training (and evaluation) in seconds
 * @param samplesPerSecond training samples processed per second of training time
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
        double seconds, double samplesPerSecond) {}
