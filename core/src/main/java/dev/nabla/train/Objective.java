package dev.nabla.train;

import dev.nabla.Tensor;
import dev.nabla.data.Dataset;
import dev.nabla.data.Standardizer;
import dev.nabla.nn.CrossEntropyOptions;
import dev.nabla.nn.Losses;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What a run minimises, built from its config ({@code --task}, {@code --loss} and the loss's
 * settings) and its training rows: the loss of a batch's model outputs against its targets, and
 * for regression the target {@link Standardizer} the model learns in (the loss is on standardised
 * targets, the metrics are reported in the original units). The trainer and {@link Evaluation}
 * use the same objective, so a validation loss is the training loss on other rows.
 */
public final class Objective {

    private final Task task;
    private final String loss;
    private final float huberDelta;
    private final CrossEntropyOptions crossEntropy;
    private final Standardizer targetScale;
    /** Multi-label: each label's positive weight, or null. */
    private final float[] positiveWeights;

    private Objective(Task task, String loss, float huberDelta, CrossEntropyOptions crossEntropy,
                      Standardizer targetScale, float[] positiveWeights) {
        this.task = task;
        this.positiveWeights = positiveWeights;
        this.loss = loss;
        this.huberDelta = huberDelta;
        this.crossEntropy = crossEntropy;
        this.targetScale = targetScale;
    }

    /**
     * The objective of {@code config} on the rows that train ({@code train}: balanced class
     * weights are counted on them), with {@code targetScale} for a regression run (null otherwise).
     *
     * @throws IllegalArgumentException for explicit class weights whose count is not the number of
     *         classes, or a regression run without its target standardizer
     */
    public static Objective of(TrainConfig config, Dataset train, Standardizer targetScale) {
        return of(config, train, targetScale, Optional.empty());
    }

    /**
     * As {@link #of(TrainConfig, Dataset, Standardizer)}, with the class weights a run saved
     * ({@link #CLASS_WEIGHTS} in {@code state.json}) if there are any: {@code nabla eval} weighs
     * the test loss as training did, whatever rows it has loaded.
     */
    public static Objective of(TrainConfig config, Dataset train, Standardizer targetScale, Optional<float[]> saved) {
        Task task = config.taskKind();
        CrossEntropyOptions options = CrossEntropyOptions.defaults().withLabelSmoothing(config.labelSmoothing());
        if (task == Task.CLASSIFICATION && saved.isPresent()) {
            options = options.withClassWeights(saved.get());
        } else if (task == Task.CLASSIFICATION) {
            Optional<float[]> explicit = config.explicitClassWeights();
            if (explicit.isPresent()) {
                if (explicit.get().length != train.classes()) {
                    throw new IllegalArgumentException("--class-weights " + config.classWeights() + ": "
                            + explicit.get().length + " weights for the " + train.classes() + " classes of "
                            + train.source() + "; give one weight per class, in class order, or " + TrainConfig.BALANCED);
                }
                options = options.withClassWeights(explicit.get());
            } else if (config.balancedClassWeights()) {
                options = options.withClassWeights(CrossEntropyOptions.balancedWeights(train.classCounts()));
            }
        }
        if (task == Task.REGRESSION) {
            Objects.requireNonNull(targetScale, "a regression objective needs the target standardizer");
        }
        float[] positive = config.positiveWeights().orElse(null);
        if (positive != null && positive.length != train.targetWidth()) {
            throw new IllegalArgumentException("--pos-weight " + config.posWeight() + ": " + positive.length
                    + " weights for the " + train.targetWidth() + " labels of " + train.source() + "; give one per"
                    + " label, in column order");
        }
        return new Objective(task, config.loss(), config.huberDelta(), options,
                task == Task.REGRESSION ? targetScale : null, task == Task.MULTILABEL ? positive : null);
    }

    /** The key of the class weights a run trained with, in {@code state.json}. */
    public static final String CLASS_WEIGHTS = "class_weight_values";

    public Task task() {
        return task;
    }

    /** The loss's name, as {@code --loss} spells it. */
    public String lossName() {
        return loss;
    }

    /** The cross-entropy's class weights, if any ({@code --class-weights}). */
    public Optional<float[]> classWeights() {
        return crossEntropy.classWeights();
    }

    /** The regression targets' standardizer (what the model's outputs are in); empty for the other tasks. */
    public Optional<Standardizer> targetScale() {
        return Optional.ofNullable(targetScale);
    }

    /**
     * The mean loss of a batch: {@code output} the model's {@code [n, outputs]}, {@code targets}
     * the batch's I32 labels {@code [n]} (classification) or F32 values {@code [n, width]}
     * (standardised for regression). Plain cross-entropy stays the one fused kernel.
     */
    public Tensor loss(Tensor output, Tensor targets) {
        return switch (task) {
            case CLASSIFICATION -> Losses.crossEntropy(output, targets, crossEntropy);
            case REGRESSION -> loss.equals("huber") ? Losses.huber(output, targets, huberDelta)
                    : Losses.mse(output, targets);
            case MULTILABEL -> positiveWeights == null ? Losses.bceWithLogits(output, targets)
                    : Losses.bceWithLogits(output, targets, positiveWeights);
        };
    }

    /** How the loss reads in a plot's axis title. */
    String lossLabel() {
        return switch (task) {
            case CLASSIFICATION -> crossEntropy.labelSmoothing() > 0 || crossEntropy.classWeights().isPresent()
                    ? "cross-entropy (smoothed / weighted)" : "mean cross-entropy";
            case REGRESSION -> (loss.equals("huber") ? "Huber" : "mean squared error") + " (standardised targets)";
            case MULTILABEL -> "binary cross-entropy";
        };
    }

    @Override
    public String toString() {
        return task.cliName() + " " + loss + (crossEntropy.labelSmoothing() > 0 ? " smoothing "
                + crossEntropy.labelSmoothing() : "") + crossEntropy.classWeights().map(w -> " weights "
                + Arrays.toString(w)).orElse("");
    }
}
