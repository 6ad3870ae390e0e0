package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The data-parallel training step at N ranks, for {@code nabla bench --workload ddp-step}: every
 * rank runs the MLP step on its share of one global batch (strong scaling, as
 * {@code train --nproc N --batch-size B}): forward, cross-entropy, backward, the gradient
 * all-reduce ({@link DistributedDataParallel}), Adam. Rank 0 prints one {@code RESULT} line (the
 * slowest rank sets the pace, since the all-reduce waits for it), which the bench command gathers
 * over N = 1, 2, 4... into a scaling table.
 *
 * <p>Arguments: {@code DEVICE HIDDEN GLOBAL_BATCH SECONDS DIST_BACKEND}, e.g.
 * {@code cpu 1024,1024 256 3 auto}; {@code cuda} opens {@code cuda:LOCAL_RANK}.
 */
public final class DataParallelStepBenchmark {

    /** What rank 0 prints, parsed by the bench command. */
    public record Result(int ranks, int rowsPerRank, double stepMs, double reduceMs, double samplesPerSecond,
            String engine) {

        static final String PREFIX = "RESULT ";

        String line() {
            return String.format(Locale.ROOT, PREFIX + "ranks=%d rows=%d step_ms=%.4f reduce_ms=%.4f samples_per_s=%.1f"
                    + " engine=%s", ranks, rowsPerRank, stepMs, reduceMs, samplesPerSecond, engine);
        }

        /** The result in a rank's output, if it printed one. */
        public static java.util.Optional<Result> parse(String output) {
            for (String line : output.split("\n")) {
                if (!line.startsWith(PREFIX)) {
                    continue;
                }
                var fields = new java.util.HashMap<String, String>();
                // The engine's description has spaces: it is the last field and takes the rest of the line.
                int engineAt = line.indexOf(" engine=");
                fields.put("engine", line.substring(engineAt + " engine=".length()).strip());
                for (String pair : line.substring(PREFIX.length(), engineAt).trim().split(" ")) {
                    int eq = pair.indexOf('=');
                    fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                return java.util.Optional.of(new Result(Integer.parseInt(fields.get("ranks")),
                        Integer.parseInt(fields.get("rows")), Double.parseDouble(fields.get("step_ms")),
                        Double.parseDouble(fields.get("reduce_ms")), Double.parseDouble(fields.get("samples_per_s")),
                        fields.get("engine")));
            }
            return java.util.Optional.empty();
        }
    }

    private DataParallelStepBenchmark() {
    }

    /** Times the step on {@code comm}'s ranks; every rank returns rank 0's figures. */
    public static Result run(Communicator comm, String deviceSpec, int[] hidden, int globalBatch, Duration duration,
            String distBackend) {
        int rank = comm.rank();
        int size = comm.size();
        int localRank = LaunchEnvironment.detect().map(LaunchEnvironment::localRank).orElse(0);
        Device device = Device.of(new LaunchEnvironment(rank, size, localRank, "mpi").deviceFor(deviceSpec));
        int from = (int) ((long) rank * globalBatch / size);
        int to = (int) ((long) (rank + 1) * globalBatch / size);
        int rows = to - from;
        Sequential model = Mlp.of(784, hidden, 10, "relu", 0f, device, 42);
        Adam optimizer = new Adam(model.parameters(), 1e-3f);
        // Fixed inputs (the step's cost does not depend on their values); this rank's rows of the batch.
        Tensor x = Tensor.randn(device, 7, (long) from * 784, rows, 784).keep();
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = (from + i) % 10;
        }
        Tensor y = Tensor.of(device, labels, rows).keep();
        try (DistributedDataParallel ddp = new DistributedDataParallel(comm,
                d -> NcclCollectives.choose(distBackend, comm, d, System.err::println),
                DistributedDataParallel.DEFAULT_BUCKET_BYTES)) {
            ddp.synchronize(model.parameters());
            long[] reduceNanos = {0};
            Runnable step = () -> {
                try (Scope scope = Scope.open()) {
                    optimizer.zeroGrad();
                    Tensor loss = Losses.crossEntropy(model.forward(x), y);
                    loss.backward();
                    long started = System.nanoTime();
                    ddp.reduceGradients(model.parameters(), 0, rows, globalBatch);
                    reduceNanos[0] += System.nanoTime() - started;
                    optimizer.step();
                }
            };
            // Warm up (JIT, allocator, connections) for a third of the time, then agree on a count.
            long warmUntil = System.nanoTime() + duration.toNanos() / 3;
            int warm = 0;
            while (System.nanoTime() < warmUntil || warm < 3) {
                step.run();
                warm++;
            }
            device.backend().synchronize();
            long started = System.nanoTime();
            step.run();
            device.backend().synchronize();
            int[] steps = {(int) Math.clamp(duration.toNanos() / Math.max(1, System.nanoTime() - started), 5, 100_000)};
            comm.broadcast(steps, 0);
            comm.barrier();
            reduceNanos[0] = 0;
            started = System.nanoTime();
            for (int i = 0; i < steps[0]; i++) {
                step.run();
            }
            device.backend().synchronize();
            float[] timing = {(System.nanoTime() - started) / 1e6f / steps[0], reduceNanos[0] / 1e6f / steps[0]};
            comm.broadcast(timing, 0);
            String engine = ddp.deviceCollectives().map(DeviceCollectives::describe).orElse(comm.describe());
            return new Result(size, globalBatch / size, timing[0], timing[1], globalBatch / (timing[0] / 1e3), engine);
        }
    }

    /** One rank: {@code mpirun -np N java ... DataParallelStepBenchmark DEVICE HIDDEN BATCH SECONDS DIST_BACKEND}. */
    public static void main(String[] args) {
        String deviceSpec = args.length > 0 ? args[0] : "cpu";
        int[] hidden = Arrays.stream((args.length > 1 ? args[1] : "1024,1024").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Duration duration = Duration.ofMillis((long) ((args.length > 3 ? Double.parseDouble(args[3]) : 3) * 1000));
        String distBackend = args.length > 4 ? args[4] : "auto";
        try (MpiCommunicator comm = MpiCommunicator.initialize(Duration.ofMinutes(5))) {
            Result result = run(comm, deviceSpec, hidden, batch, duration, distBackend);
            if (comm.rank() == 0) {
                System.out.println(result.line());
                System.out.flush();
            }
        }
    }
}
