package dev.nabla.train;

import dev.nabla.Tensor;
import java.util.List;

/**
 * How {@link Trainer} shares a run between processes (data parallelism, one process per device),
 * without core knowing the communication engine: {@code dev.nabla.distributed}'s
 * {@code DistributedDataParallel} implements it over MPI, and {@link #SINGLE} is one process alone.
 *
 * <p>The contract: every rank builds the same model and optimizer; {@link #synchronize} makes the
 * parameters equal to rank 0's; each rank takes its rows of every global batch
 * ({@link #shardStart}), and after {@code backward()} {@link #reduceGradients} leaves every rank with
 * the gradient of the whole batch's mean loss, so every rank's optimizer step is the same and the
 * parameters stay identical without another broadcast. Only the primary rank writes files and
 * prints.
 */
public interface DataParallel {

    /** This process's rank, 0-based. */
    int rank();

    /** How many processes train together. */
    int worldSize();

    /** Whether this rank prints progress and writes metrics and checkpoints (rank 0). */
    default boolean isPrimary() {
        return rank() == 0;
    }

    /**
     * The first row of this rank's share of a global batch of {@code rows}: rank r of N takes rows
     * {@code [r·rows/N, (r+1)·rows/N)} (floor), so the shares tile the batch in order and differ in
     * size by at most one row.
     */
    default int shardStart(int rows) {
        return shardStart(rows, rank(), worldSize());
    }

    /** The end (exclusive) of this rank's share of a global batch of {@code rows}. */
    default int shardEnd(int rows) {
        return shardStart(rows, rank() + 1, worldSize());
    }

    /** Where rank {@code rank}'s share of {@code rows} starts ({@code rank == worldSize} gives {@code rows}). */
    static int shardStart(int rows, int rank, int worldSize) {
        return (int) ((long) rank * rows / worldSize);
    }

    /** Makes every rank's parameters equal to rank 0's (a broadcast), before the first step. */
    void synchronize(List<Tensor> parameters);

    /**
     * Replaces each parameter's gradient by the gradient of the global batch's mean loss: this
     * rank's gradient (of the mean over its {@code localRows}) weighted by
     * {@code localRows / globalRows} and summed over the ranks. A parameter without a gradient
     * (a rank whose share is empty) counts as zeros.
     *
     * @param localLoss this rank's mean loss over its share (ignored when {@code localRows} is 0)
     * @return the global batch's mean loss, the same on every rank
     */
    double reduceGradients(List<Tensor> parameters, double localLoss, int localRows, int globalRows);

    /** The element-wise sums of {@code values} over the ranks (metrics: loss sums, counts). */
    double[] sum(double[] values);

    /** A short description for the run's header line, e.g. "2 ranks over MPI (Open MPI v4.1.4)". */
    String describe();

    /** One process training alone: every method is the identity. */
    DataParallel SINGLE = new DataParallel() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void synchronize(List<Tensor> parameters) {
        }

        @Override
        public double reduceGradients(List<Tensor> parameters, double localLoss, int localRows, int globalRows) {
            return localLoss;
        }

        @Override
        public double[] sum(double[] values) {
            return values.clone();
        }

        @Override
        public String describe() {
            return "1 process";
        }
    };
}
