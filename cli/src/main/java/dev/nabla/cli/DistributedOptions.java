package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.distributed.CollectiveTimeoutException;
import dev.nabla.distributed.Communicator;
import dev.nabla.distributed.DeviceCollectives;
import dev.nabla.distributed.DistributedDataParallel;
import dev.nabla.distributed.LaunchEnvironment;
import dev.nabla.distributed.MpiCommunicator;
import dev.nabla.distributed.MpiLauncher;
import dev.nabla.distributed.NcclCollectives;
import dev.nabla.train.DataParallel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nabla train}'s data-parallel options, as a mixin so that {@link TrainCommand} only
 * dispatches: {@code --nproc N} starts {@code mpirun} with N ranks of this same command
 * ({@link MpiLauncher}), and {@code --distributed} makes this process one rank of a job a launcher
 * started ({@code mpirun}, {@code srun}). Each rank trains its share of every batch
 * ({@link DistributedDataParallel}); rank 0 alone prints progress and writes the run folder.
 *
 * <p>A failure on any rank prints {@code error: rank R of N: ...} there and ends the whole job
 * ({@code MPI_Abort}), since the other ranks would wait for it in their next collective; a rank
 * that dies or hangs is named by the survivors once {@code --collective-timeout} passes.
 */
final class DistributedOptions {

    @Option(names = "--nproc", defaultValue = "0", paramLabel = "N",
            description = "Train on N processes on this machine: starts mpirun with N ranks of this command"
                    + " (Open MPI; like torchrun --nproc-per-node). Each GPU rank takes cuda:LOCAL_RANK.")
    int nproc;

    @Option(names = "--distributed",
            description = "Be one rank of a job started by a launcher (mpirun -np N ./nabla train --distributed, srun):"
                    + " rank variables OMPI_COMM_WORLD_*, SLURM_*, PMI_*.")
    boolean distributed;

    @Option(names = "--collective-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "With --nproc/--distributed: how long a rank waits in a collective before naming the ranks"
                    + " that did not arrive and ending the job (default: ${DEFAULT-VALUE}).")
    double collectiveTimeout;

    @Option(names = "--dist-backend", defaultValue = "auto", paramLabel = "ENGINE",
            description = "With --nproc/--distributed: what all-reduces the gradients: nccl (CUDA tensors, on the GPU),"
                    + " mpi (any device, staged through host memory), or auto (nccl for CUDA when libnccl.so.2 is"
                    + " found, else mpi; default), as torch.distributed's backend.")
    String distBackend;

    @Option(names = "--bucket-mb", defaultValue = "25", paramLabel = "MB",
            description = "With --nproc/--distributed: gradients are all-reduced in flat buckets of this many MiB"
                    + " (default: ${DEFAULT-VALUE}, as PyTorch's bucket_cap_mb).")
    double bucketMb;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /**
     * Set by {@code --nproc} for its ranks: a folder where each rank leaves its exit status
     * ({@code rank-R}). {@code mpirun --enable-recovery} exits 0 even after {@code MPI_Abort} or a
     * killed rank, so the launcher reads these instead.
     */
    static final String STATUS_VARIABLE = "NABLA_RANK_STATUS_DIR";

    /** The options that choose how a run is spread over processes (allowed with --resume too). */
    static final List<String> NAMES = List.of("--nproc", "--distributed", "--collective-timeout", "--bucket-mb");

    /** One process's place in a run: alone, or one rank of several. */
    interface Group {
        DataParallel parallel();

        default boolean primary() {
            return parallel().isPrimary();
        }

        /** Every rank's run folder: the one rank 0 chose ({@code chosen} is null on the other ranks). */
        Path agreeOnRunFolder(Path chosen);

        /** The device this rank opens for {@code --backend requested} ({@code cuda} → {@code cuda:LOCAL_RANK}). */
        String deviceFor(String requested);
    }

    /** A process training alone. */
    static final Group SINGLE = new Group() {
        @Override
        public DataParallel parallel() {
            return DataParallel.SINGLE;
        }

        @Override
        public Path agreeOnRunFolder(Path chosen) {
            return chosen;
        }

        @Override
        public String deviceFor(String requested) {
            return requested;
        }
    };

    boolean launches() {
        return nproc != 0;
    }

    boolean isRank() {
        return distributed;
    }

    /** Checks the values; a bad one is a usage error. */
    void validate() {
        if (nproc < 0) {
            throw new ParameterException(mixee.commandLine(), "--nproc must be at least 1, got " + nproc);
        }
        if (nproc > 0 && distributed) {
            throw new ParameterException(mixee.commandLine(), "--nproc starts the ranks itself; --distributed is for"
                    + " a rank that a launcher started. Give one of them");
        }
        if (!(collectiveTimeout > 0)) {
            throw new ParameterException(mixee.commandLine(), "--collective-timeout must be positive, got "
                    + collectiveTimeout);
        }
        if (!(bucketMb > 0)) {
            throw new ParameterException(mixee.commandLine(), "--bucket-mb must be positive, got " + bucketMb);
        }
        if (!List.of("auto", "mpi", "nccl").contains(distBackend)) {
            throw new ParameterException(mixee.commandLine(), "--dist-backend must be auto, mpi or nccl, got '"
                    + distBackend + "'");
        }
    }

    /**
     * {@code --nproc N}: runs {@code mpirun} with N ranks of this command ({@code --nproc} replaced
     * by {@code --distributed}), its output on this terminal, and returns its exit status.
     */
    int launch(List<String> trainArguments) throws java.io.IOException, InterruptedException {
        Path mpirun = MpiLauncher.findMpirun().orElseThrow(() -> new IllegalStateException(
                "--nproc " + nproc + ": " + MpiLauncher.missingMessage()));
        var missingLibrary = MpiCommunicator.unavailableReason();
        if (missingLibrary.isPresent()) {
            throw new IllegalStateException("--nproc " + nproc + ": " + missingLibrary.get());
        }
        List<String> args = new ArrayList<>(List.of("train", "--distributed"));
        // picocli's original arguments may start with the top command's options and "train".
        int train = trainArguments.indexOf("train");
        args.addAll(withoutNproc(train >= 0 ? trainArguments.subList(train + 1, trainArguments.size()) : trainArguments));
        Path statusDir = java.nio.file.Files.createTempDirectory("nabla-ranks-");
        try {
            List<String> command = new ArrayList<>(MpiLauncher.command(mpirun, nproc,
                    MpiLauncher.javaCommand(Main.class.getName(), args)));
            command.addAll(1, List.of("-x", STATUS_VARIABLE));
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().put(STATUS_VARIABLE, statusDir.toString());
            int mpirunStatus = builder.start().waitFor();
            return jobStatus(mpirunStatus, statusDir, nproc, mixee.commandLine().getErr());
        } finally {
            try (var files = java.nio.file.Files.list(statusDir)) {
                for (Path file : files.toList()) {
                    java.nio.file.Files.deleteIfExists(file);
                }
            }
            java.nio.file.Files.deleteIfExists(statusDir);
        }
    }

    /**
     * The job's exit status: mpirun's if it failed, else the first failing rank's, else 1 naming
     * the ranks that left no status (killed, or died in native code).
     */
    static int jobStatus(int mpirunStatus, Path statusDir, int ranks, PrintWriter err) throws java.io.IOException {
        if (mpirunStatus != 0) {
            return mpirunStatus;
        }
        List<Integer> silent = new ArrayList<>();
        int failed = 0;
        for (int rank = 0; rank < ranks; rank++) {
            Path file = statusDir.resolve("rank-" + rank);
            if (!java.nio.file.Files.isRegularFile(file)) {
                silent.add(rank);
            } else if (failed == 0) {
                failed = Integer.parseInt(java.nio.file.Files.readString(file).strip());
            }
        }
        if (!silent.isEmpty()) {
            err.println("error: rank" + (silent.size() == 1 ? " " : "s ") + String.join(", ", silent.stream()
                    .map(String::valueOf).toList()) + " of " + ranks + " ended without finishing (killed, or"
                    + " aborted by another rank's failure; see above)");
            err.flush();
            return failed != 0 ? failed : Main.EXIT_FAILURE;
        }
        return failed;
    }

    /** Leaves this rank's exit status where {@code --nproc}'s launcher looks (nothing without one). */
    private static void recordStatus(int rank, int status) {
        String dir = System.getenv(STATUS_VARIABLE);
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            java.nio.file.Files.writeString(Path.of(dir, "rank-" + rank), Integer.toString(status));
        } catch (java.io.IOException e) {
            // the launcher then reports this rank as silent, with exit status 1
        }
    }

    /** The arguments after {@code train}, without {@code --nproc N} / {@code --nproc=N}. */
    static List<String> withoutNproc(List<String> arguments) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (argument.equals("--nproc")) {
                i++; // and its value
            } else if (!argument.startsWith("--nproc=")) {
                kept.add(argument);
            }
        }
        return kept;
    }

    /**
     * {@code --distributed}: joins the MPI job, runs {@code training} as this rank, and leaves MPI.
     * A failure is printed here with the rank, then the job is aborted (every rank exits).
     */
    int runAsRank(Function<Group, Integer> training) {
        var launch = LaunchEnvironment.detect();
        PrintWriter err = mixee.commandLine().getErr();
        MpiCommunicator communicator = MpiCommunicator.initialize(Duration.ofMillis((long) (collectiveTimeout * 1000)));
        if (launch.isEmpty() && communicator.rank() == 0) {
            err.println("note: --distributed without a launcher's rank variables (OMPI_COMM_WORLD_RANK, SLURM_PROCID,"
                    + " PMI_RANK): training as a world of " + communicator.size());
        }
        int localRank = launch.map(LaunchEnvironment::localRank).orElse(0);
        DistributedDataParallel ddp = new DistributedDataParallel(communicator,
                device -> deviceEngine(distBackend, communicator, device, err), (long) (bucketMb * (1 << 20)));
        Group group = new Group() {
            @Override
            public DataParallel parallel() {
                return ddp;
            }

            @Override
            public Path agreeOnRunFolder(Path chosen) {
                return Path.of(communicator.broadcast(chosen == null ? "" : chosen.toString(), 0));
            }

            @Override
            public String deviceFor(String requested) {
                return new LaunchEnvironment(communicator.rank(), communicator.size(), localRank, "mpi")
                        .deviceFor(requested);
            }
        };
        int status;
        try {
            status = training.apply(group);
        } catch (RuntimeException | Error e) {
            boolean usage = e instanceof ParameterException;
            boolean named = causes(e).stream().anyMatch(t -> t instanceof CollectiveTimeoutException);
            String prefix = named ? "" : "rank " + communicator.rank() + " of " + communicator.size() + ": ";
            err.println("error: " + prefix + Main.describe(e));
            if (Main.debugRequested(mixee.commandLine().getParseResult())) {
                e.printStackTrace(err);
            }
            err.flush();
            mixee.commandLine().getOut().flush();
            recordStatus(communicator.rank(), usage ? Main.EXIT_USAGE : Main.EXIT_FAILURE);
            // The other ranks may wait for this one in a collective: end them all.
            communicator.abort(usage ? Main.EXIT_USAGE : Main.EXIT_FAILURE);
            return usage ? Main.EXIT_USAGE : Main.EXIT_FAILURE;
        } finally {
            ddp.close();
        }
        communicator.close();
        recordStatus(communicator.rank(), status);
        return status;
    }

    /** {@link NcclCollectives#choose}, with rank 0's note printed on {@code err}. */
    static DeviceCollectives deviceEngine(String choice, Communicator communicator, Device device, PrintWriter err) {
        return NcclCollectives.choose(choice, communicator, device, err::println);
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
