/**
 * Training-run outputs that do not depend on tensors: the per-epoch record
 * ({@link dev.nabla.train.EpochRecord}), {@code metrics.csv} and {@code metrics.json}
 * ({@link dev.nabla.train.MetricsWriter}) and {@code curves.png}
 * ({@link dev.nabla.train.CurvesPlot}).
 *
 * <p>Every file is written atomically ({@link dev.nabla.io.AtomicFiles}) and rewritten after each
 * epoch, so a run interrupted at any point leaves a consistent run folder that {@code --resume}
 * and {@code nabla eval} can read.
 */
package dev.nabla.train;
