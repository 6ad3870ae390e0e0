package dev.nabla.cli;

import dev.nabla.distributed.AllReduceBenchmark;
import dev.nabla.distributed.DataParallelStepBenchmark;
import dev.nabla.distributed.MpiCommunicator;
import dev.nabla.distributed.MpiLauncher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code nabla bench --workload allreduce}: starts {@code mpirun} with N ranks of
 * {@link AllReduceBenchmark} on this machine and lets rank 0 print the table (sizes 4 KB–256 MB,
 * nccl-tests' busbw). NCCL's bandwidth needs GPUs: its row comes from the GPU checklist
 * (docs/gpu.md).
 */
final class AllReduceBench {

    private AllReduceBench() {
    }

    /**
     * {@code nabla bench --workload ddp-step}: the data-parallel mlp-step of one global batch at
     * 1, 2, 4... up to {@code maxRanks} local ranks ({@link DataParallelStepBenchmark}), each an
     * {@code mpirun} job, then a table of step time, samples/s, speedup and efficiency against one
     * rank (strong scaling: the global batch is fixed, each rank's share shrinks).
     */
    static int runStepScaling(int maxRanks, String device, String hidden, int batch, double seconds, String distBackend,
            PrintWriter out, PrintWriter err) throws IOException {
        if (maxRanks < 1) {
            throw new IllegalArgumentException("--nproc " + maxRanks + ": at least 1 rank");
        }
        if (batch < maxRanks) {
            throw new IllegalArgumentException("--workload ddp-step: --batch " + batch + " gives " + maxRanks
                    + " ranks less than one row each");
        }
        Path mpirun = MpiLauncher.findMpirun().orElseThrow(() -> new IllegalStateException(
                "--workload ddp-step: " + MpiLauncher.missingMessage()));
        var missing = MpiCommunicator.unavailableReason();
        if (missing.isPresent()) {
            throw new IllegalStateException("--workload ddp-step: " + missing.get());
        }
        List<Integer> counts = new java.util.ArrayList<>();
        for (int n = 1; n < maxRanks; n *= 2) {
            counts.add(n);
        }
        counts.add(maxRanks);
        List<DataParallelStepBenchmark.Result> results = new java.util.ArrayList<>();
        for (int ranks : counts) {
            err.println("ddp-step: " + ranks + " rank" + (ranks == 1 ? "" : "s") + " with mpirun (" + mpirun + ")");
            err.flush();
            List<String> command = MpiLauncher.command(mpirun, ranks, MpiLauncher.javaCommand(
                    DataParallelStepBenchmark.class.getName(), List.of(device, hidden, Integer.toString(batch),
                            Double.toString(seconds), distBackend)));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status;
            try {
                status = process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.EXIT_FAILURE;
            }
            var result = DataParallelStepBenchmark.Result.parse(output);
            if (status != 0 || result.isEmpty()) {
                err.println("error: --workload ddp-step at " + ranks + " ranks failed (mpirun exit " + status + "):");
                err.print(output);
                err.flush();
                return Main.EXIT_FAILURE;
            }
            results.add(result.get());
        }
        out.print(scalingTable(results, device, hidden, batch));
        out.flush();
        return 0;
    }

    /** The scaling table: one row per rank count, speedup and efficiency against the first row. */
    static String scalingTable(List<DataParallelStepBenchmark.Result> results, String device, String hidden, int batch) {
        StringBuilder text = new StringBuilder(String.format(java.util.Locale.ROOT,
                "data-parallel mlp-step 784-%s-10, global batch %d, adam, on %s (one device per rank); gradients over"
                        + " %s%n", hidden.replace(',', '-'), batch, device, results.getLast().engine()));
        text.append(String.format(java.util.Locale.ROOT, "%6s %10s %10s %16s %11s %8s %11s%n", "ranks", "rows/rank",
                "step (ms)", "all-reduce (ms)", "samples/s", "speedup", "efficiency"));
        DataParallelStepBenchmark.Result base = results.getFirst();
        for (DataParallelStepBenchmark.Result r : results) {
            // At a fixed global batch the speedup in samples/s is the ratio of step times.
            double speedup = base.stepMs() / r.stepMs();
            double efficiency = speedup * base.ranks() / r.ranks();
            text.append(String.format(java.util.Locale.ROOT, "%6d %10d %10.2f %16.2f %,11.0f %7.2fx %10.0f%%%n",
                    r.ranks(), r.rowsPerRank(), r.stepMs(), r.reduceMs(), r.samplesPerSecond(), speedup,
                    efficiency * 100));
        }
        return text.toString();
    }

    static int run(int ranks, PrintWriter err) throws IOException {
        if (ranks < 2) {
            throw new IllegalArgumentException("--nproc " + ranks + ": an all-reduce needs at least 2 ranks");
        }
        Path mpirun = MpiLauncher.findMpirun().orElseThrow(() -> new IllegalStateException(
                "--workload allreduce: " + MpiLauncher.missingMessage()));
        var missing = MpiCommunicator.unavailableReason();
        if (missing.isPresent()) {
            throw new IllegalStateException("--workload allreduce: " + missing.get());
        }
        err.println("starting " + ranks + " local ranks with mpirun (" + mpirun + ")");
        err.flush();
        List<String> command = MpiLauncher.command(mpirun, ranks,
                MpiLauncher.javaCommand(AllReduceBenchmark.class.getName(), List.of()));
        try {
            return new ProcessBuilder(command).inheritIO().start().waitFor() == 0 ? 0 : Main.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        }
    }
}
