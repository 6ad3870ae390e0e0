package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.data.Split;
import dev.nabla.train.DataParallel;
import dev.nabla.train.TrainConfig;
import dev.nabla.train.Trainer;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Trains the same small classifier either as one process ({@code single RUN_DIR}) or as one rank of
 * an {@code mpirun} job ({@code mpi RUN_DIR}, or {@code device RUN_DIR} for the device-bucket path), for {@link DistributedDataParallelTest}: the
 * config has no dropout and one seed, so N ranks at batch B must reproduce one process at batch B
 * up to float summation order.
 */
public final class EquivalenceCheck {

    /** 2,001 rows: the last batch of 128 each epoch has 81 rows, split 40/41 on 2 ranks (unequal shares). */
    static final int ROWS = 2_001;
    static final int FEATURES = 24;
    static final int CLASSES = 4;
    /** 16 steps an epoch, 240 steps in all. */
    static final int EPOCHS = 15;

    private EquivalenceCheck() {
    }

    static TrainConfig config() {
        return new TrainConfig("synthetic", "", 0, new int[] {48, 32}, "relu", 0f, "adam", 3e-3f, 0.9f, 0f,
                "cosine", EPOCHS, 128, 7, 0f);
    }

    /** A learnable synthetic set: the label is the argmax of a fixed linear map of the features, plus noise. */
    static Split data() {
        java.util.Random random = new java.util.Random(11);
        float[][] map = new float[CLASSES][FEATURES];
        for (float[] row : map) {
            for (int j = 0; j < FEATURES; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        int testRows = 500;
        float[] x = new float[(ROWS + testRows) * FEATURES];
        int[] y = new int[ROWS + testRows];
        for (int i = 0; i < y.length; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) random.nextGaussian() * 3 + 1;
            }
            for (int c = 0; c < CLASSES; c++) {
                double score = random.nextGaussian() * 2;
                for (int j = 0; j < FEATURES; j++) {
                    score += map[c][j] * x[i * FEATURES + j];
                }
                if (score > best) {
                    best = score;
                    y[i] = c;
                }
            }
        }
        return new Split("synthetic", "EquivalenceCheck", FEATURES, CLASSES,
                java.util.Arrays.copyOf(x, ROWS * FEATURES), java.util.Arrays.copyOf(y, ROWS),
                java.util.Arrays.copyOfRange(x, ROWS * FEATURES, x.length), java.util.Arrays.copyOfRange(y, ROWS, y.length));
    }

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[1]);
        PrintWriter out = new PrintWriter(System.out, true);
        if (args[0].equals("single")) {
            new Trainer(config(), data(), Device.cpu(), runDir, false, out).fit();
            return;
        }
        long bucketBytes = Long.parseLong(args[2]);
        // "device": the buckets stay tensors on the device, as with NCCL (staged here by a test engine).
        boolean device = args[0].equals("device");
        try (Communicator comm = MpiCommunicator.initialize(Duration.ofSeconds(120))) {
            HostStagedCollectives staged = device ? new HostStagedCollectives(comm) : null;
            try (DistributedDataParallel ddp = device ? new DistributedDataParallel(comm, staged, bucketBytes)
                    : new DistributedDataParallel(comm, bucketBytes)) {
                DataParallel group = ddp;
                PrintWriter rankOut = group.isPrimary() ? out : new PrintWriter(Writer.nullWriter());
                new Trainer(config(), data(), Device.cpu(), runDir, false, rankOut).parallel(group).fit();
                System.out.println("rank " + comm.rank() + " done; buckets " + ddp.bucketCount()
                        + (device ? "; device all-reduces " + staged.allReduces + ", broadcasts " + staged.broadcasts
                                : ""));
            }
        }
    }
}
