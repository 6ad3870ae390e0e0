package dev.nabla.cli;

import dev.nabla.distributed.AllReduceBenchmark;
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
