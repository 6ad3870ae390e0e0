package dev.nabla.train;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A data-parallel group of threads in one JVM, for testing {@link Trainer}'s use of
 * {@link DataParallel} without MPI: each collective puts every rank's contribution in its slot,
 * waits for the others, and sums the slots in rank order (so every rank gets the same bits).
 * The gradient reduction weights each rank's gradient by its share of the rows, as
 * {@code DistributedDataParallel} does.
 */
final class ThreadRanks {

    private final int worldSize;
    private final CyclicBarrier barrier;
    private final double[][] slots;

    ThreadRanks(int worldSize) {
        this.worldSize = worldSize;
        this.barrier = new CyclicBarrier(worldSize);
        this.slots = new double[worldSize][];
    }

    DataParallel rank(int rank) {
        return new DataParallel() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int worldSize() {
                return worldSize;
            }

            @Override
            public void synchronize(List<Tensor> parameters) {
                // Every rank builds the model from the same seed: check that instead of broadcasting.
                double[] mine = new double[] {flatten(parameters, 1f, false).length};
                double[] all = sum(mine);
                if (all[0] != mine[0] * worldSize) {
                    throw new IllegalStateException("ranks built models of different sizes");
                }
            }

            @Override
            public double reduceGradients(List<Tensor> parameters, double localLoss, int localRows, int globalRows) {
                float weight = (float) localRows / globalRows;
                double[] reduced = sum(flatten(parameters, weight, true));
                int offset = 0;
                for (Tensor p : parameters) {
                    float[] values = new float[(int) p.numel()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) reduced[offset + i];
                    }
                    offset += values.length;
                    Tensor grad = Tensor.of(p.device(), values, p.shape()).keep();
                    p.setGrad(grad);
                }
                return sum(new double[] {localRows == 0 ? 0 : localLoss * weight})[0];
            }

            @Override
            public double[] sum(double[] values) {
                slots[rank] = values.clone();
                await();
                double[] total = new double[values.length];
                for (double[] slot : slots) {
                    for (int i = 0; i < total.length; i++) {
                        total[i] += slot[i];
                    }
                }
                await(); // nobody overwrites a slot before every rank has read them all
                return total;
            }

            @Override
            public String describe() {
                return worldSize + " threads";
            }
        };
    }

    /** The gradients (or, with {@code grads} false, the parameters) times {@code weight}, in one array; missing ones are zeros. */
    private static double[] flatten(List<Tensor> parameters, float weight, boolean grads) {
        int total = 0;
        for (Tensor p : parameters) {
            total += (int) p.numel();
        }
        double[] flat = new double[total];
        int offset = 0;
        try (var ignored = NoGrad.open(); Scope scope = Scope.open()) {
            for (Tensor p : parameters) {
                int n = (int) p.numel();
                Tensor source = grads ? p.grad().orElse(null) : p;
                if (source != null && weight != 0) {
                    float[] values = source.toFloatArray();
                    for (int i = 0; i < n; i++) {
                        flat[offset + i] = values[i] * weight; // one float multiply, as the MPI path
                    }
                }
                offset += n;
            }
        }
        return flat;
    }

    private void await() {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("ThreadRanks: a rank did not arrive", e);
        }
    }
}
