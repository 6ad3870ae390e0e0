/**
 * The training loop and its run folder: {@link dev.nabla.train.Trainer} (the loop behind
 * {@code ./nabla train}: model, optimizer, schedule, progress, checkpoints, resume),
 * {@link dev.nabla.train.TrainConfig} (validated settings), {@link dev.nabla.train.Evaluation}
 * (loss and accuracy over a data set), {@link dev.nabla.train.Checkpoint} (weights, optimizer
 * state and {@code state.json}), and the outputs that do not depend on tensors: the per-epoch record
 * ({@link dev.nabla.train.EpochRecord}), {@code metrics.csv} and {@code metrics.json}
 * ({@link dev.nabla.train.MetricsWriter}) and {@code curves.png}
 * ({@link dev.nabla.train.CurvesPlot}).
 *
 * <p>Around the loop everything is a {@link dev.nabla.train.TrainingListener} with a
 * {@link dev.nabla.train.TrainingContext}: the trainer's progress output, checkpointer, metrics
 * writer, {@link dev.nabla.train.EarlyStopping} and plateau schedule, then the user's. Invariant:
 * a stop request ends the run only after a whole epoch, seen by every listener and saved, so a
 * stopped run is always resumable; a validation split ({@code ValidationSplit}) is a pure
 * function of (rows, fraction, seed).
 *
 * <p>Every file is written atomically ({@link dev.nabla.io.AtomicFiles}) and rewritten after each
 * epoch, so a run interrupted at any point leaves a consistent run folder that {@code --resume}
 * and {@code nabla eval} can read.
 */
package dev.nabla.train;
