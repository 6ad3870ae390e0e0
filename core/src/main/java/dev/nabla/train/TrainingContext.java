package dev.nabla.train;

import dev.nabla.Device;
import dev.nabla.data.Standardizer;
import dev.nabla.data.TrainingData;
import dev.nabla.nn.Module;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link TrainingListener} sees of a run: its settings, model, optimizer, run folder and
 * the epochs so far, and the one thing it may change, {@link #requestStop} (honoured at the end of
 * the current epoch).
 *
 * <p>The model and optimizer are the live ones: a listener may read weights (copy them, save
 * them) but should not change them unless it means to change training.
 */
public final class TrainingContext {

    private final TrainConfig config;
    private final Module model;
    private final Optimizer optimizer;
    private final Path runDir;
    private final Device device;
    private final boolean primary;
    private final List<EpochRecord> history;
    private String stopReason;
    private Evaluation.Result finalTest;

    // What the trainer's own listeners need beyond the public view.
    final TrainingData data;
    final Standardizer standardizer;
    final Optional<LrScheduler> stepScheduler;
    final boolean validation;
    final String title;
    /** The run's loss (and regression's target standardizer). */
    final Objective objective;
    /** Dynamic loss scaling of an {@code fp16} run, else null. */
    dev.nabla.amp.GradScaler scaler;
    /** Parts of the run that keep state across epochs (early stopping, plateau), saved in {@code state.json}. */
    final List<CheckpointState> states = new ArrayList<>();

    TrainingContext(TrainConfig config, Module model, Optimizer optimizer, Optional<LrScheduler> stepScheduler,
                    Standardizer standardizer, TrainingData data, boolean validation, Path runDir, Device device,
                    boolean primary, List<EpochRecord> history, String title, Objective objective) {
        this.config = config;
        this.model = model;
        this.optimizer = optimizer;
        this.stepScheduler = stepScheduler;
        this.standardizer = standardizer;
        this.data = data;
        this.validation = validation;
        this.runDir = runDir;
        this.device = device;
        this.primary = primary;
        this.history = history;
        this.title = title;
        this.objective = objective;
    }

    public TrainConfig config() {
        return config;
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** What the run minimises ({@code --task}, {@code --loss}). */
    public Objective objective() {
        return objective;
    }

    /** The run folder; written by the primary rank only ({@link #isPrimary()}). */
    public Path runDir() {
        return runDir;
    }

    public Device device() {
        return device;
    }

    /** Whether this process writes the run folder (rank 0 of a data-parallel group, or the only one). */
    public boolean isPrimary() {
        return primary;
    }

    /** Every epoch's record so far, resumed ones included (a read-only view). */
    public List<EpochRecord> history() {
        return Collections.unmodifiableList(history);
    }

    /**
     * Whether per-epoch metrics come from a validation set ({@code --val-split}, {@code --val});
     * if so, the test set is evaluated once, at the end.
     */
    public boolean hasValidation() {
        return validation;
    }

    /**
     * Asks the trainer to end the run after the current epoch; {@code reason} is printed. The
     * first request's reason is kept.
     */
    public void requestStop(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (stopReason == null) {
            stopReason = reason;
        }
    }

    public boolean stopRequested() {
        return stopReason != null;
    }

    /** Why the run was asked to stop, if it was. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    /**
     * The test set's evaluation at the end of a run with a validation set (in {@link
     * TrainingListener#onTrainEnd}); empty before, without a validation set (the epochs' records
     * hold the test metrics then) or without a test set.
     */
    public Optional<Evaluation.Result> finalTest() {
        return Optional.ofNullable(finalTest);
    }

    void finalTest(Evaluation.Result result) {
        this.finalTest = result;
    }

    /** A part of the run whose state {@code state.json} keeps under {@link #key()}, so that {@code --resume} restores it. */
    interface CheckpointState {
        String key();

        /** JSON-ready values. */
        Object save();

        void restore(Object saved);
    }
}
