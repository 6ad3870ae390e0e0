package dev.nabla.train;

import java.io.IOException;

/**
 * Callbacks from the training loop, as DJL's {@code TrainingListener} or Lightning's
 * {@code Callback}: what the {@link Trainer}'s own progress bar, checkpointer, metrics writer,
 * early stopping and plateau schedule are built from, and what a user adds with
 * {@link Trainer#listener}.
 *
 * <p>The trainer calls its listeners in the order they were added, its own first (progress, the
 * non-finite guard, early stopping, plateau schedule, checkpointer, metrics writer), then the
 * user's; so a user's {@link #onEpochEnd} sees the epoch already saved. A listener that wants the
 * run to end calls {@link TrainingContext#requestStop}: the trainer honours it at the end of the
 * current epoch, after every listener has seen that epoch, so that the run folder always holds a
 * whole epoch that {@code --resume} can continue.
 *
 * <p>Every method has an empty default; implement the ones you need. A listener that throws ends
 * the run with that exception (the last saved checkpoint stays).
 */
public interface TrainingListener {

    /** Once, before the first epoch of this invocation (after a resume restored its state). */
    default void onTrainStart(TrainingContext context) throws IOException {
    }

    /** Before each epoch's first step; {@code epoch} is 1-based. */
    default void onEpochStart(TrainingContext context, int epoch) {
    }

    /** After each optimizer step. */
    default void onStepEnd(TrainingContext context, StepInfo step) {
    }

    /** After each epoch's training and evaluation, with what it measured ({@link TrainingContext#history()} holds it too). */
    default void onEpochEnd(TrainingContext context, EpochRecord record) throws IOException {
    }

    /**
     * Once, when the run ends without an error: after the last epoch, or after a stop request, and
     * after the test set's final evaluation (see {@link TrainingContext#finalTest()}).
     */
    default void onTrainEnd(TrainingContext context) throws IOException {
    }

    /**
     * What one optimizer step did.
     *
     * @param epoch        1-based epoch
     * @param step         1-based optimizer step within the epoch
     * @param steps        optimizer steps per epoch
     * @param globalStep   optimizer steps since the run began (including resumed epochs)
     * @param loss         the step's mean training loss (over its micro-batches with accumulation)
     * @param lr           the learning rate the step used
     * @param samples      training rows the step consumed
     * @param epochSamples training rows consumed so far this epoch, this step's included
     * @param epochLoss    mean training loss so far this epoch
     */
    record StepInfo(int epoch, int step, int steps, long globalStep, double loss, double lr, int samples,
                    int epochSamples, double epochLoss) {
    }
}
