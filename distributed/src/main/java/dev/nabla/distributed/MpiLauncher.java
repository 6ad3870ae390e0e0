package dev.nabla.distributed;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code mpirun} command that starts N ranks of a Java program on this machine, as
 * {@code nabla train --nproc N} (like {@code torchrun --nproc-per-node}) and the tests use it. The
 * flags are the ones a container needs:
 * <ul>
 *   <li>{@code --allow-run-as-root} when running as root (Open MPI refuses root otherwise);</li>
 *   <li>{@code --oversubscribe}: more ranks than cores is fine on a small machine;</li>
 *   <li>{@code --bind-to none}: Open MPI pins each rank to one core by default, which leaves a
 *       rank's compute threads on a single core;</li>
 *   <li>{@code --mca btl self,vader} (shared memory only: the ranks are local) and
 *       {@code --mca btl_vader_single_copy_mechanism none}: containers usually forbid the
 *       {@code process_vm_readv} single copy (ptrace scope), which otherwise fails at the first large
 *       message;</li>
 *   <li>{@code --mca mpi_yield_when_idle 1}: a rank waiting in a collective yields its core
 *       instead of spinning, which matters when ranks outnumber cores;</li>
 *   <li>{@code --enable-recovery}: a rank that dies does not make {@code mpirun} kill the others at
 *       once, so that the survivors reach their collective timeout and say which rank failed
 *       ({@link MpiCommunicator}); they then end the job with {@code MPI_Abort}.</li>
 * </ul>
 */
public final class MpiLauncher {

    private MpiLauncher() {
    }

    /** {@code mpirun} on the PATH, or empty. */
    public static Optional<Path> findMpirun() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, "mpirun");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** What to install when Open MPI is missing, for error messages and skipped tests. */
    public static String missingMessage() {
        return "Open MPI is not installed: mpirun is not on the PATH; install it with apt-get install openmpi-bin"
                + " libopenmpi3 (Debian/Ubuntu; dnf install openmpi on Fedora, then module load mpi), or start the"
                + " ranks with your own launcher and --distributed";
    }

    /**
     * The command that runs {@code program} (a full command line: {@code java ... Main args}) as
     * {@code ranks} local processes.
     */
    public static List<String> command(Path mpirun, int ranks, List<String> program) {
        if (ranks < 1) {
            throw new IllegalArgumentException("--nproc must be at least 1, got " + ranks);
        }
        List<String> command = new ArrayList<>(List.of(mpirun.toString()));
        if (isRoot()) {
            command.add("--allow-run-as-root");
        }
        command.addAll(List.of("--oversubscribe", "--bind-to", "none", "--enable-recovery",
                "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none",
                "--mca", "mpi_yield_when_idle", "1",
                "-np", Integer.toString(ranks)));
        command.addAll(program);
        return command;
    }

    /**
     * The command line that starts this JVM's program again: the same {@code java}, the JVM options
     * this one was started with ({@code --add-modules}, {@code --enable-native-access}, {@code -Xmx}...)
     * and its class path, then {@code mainClass} and {@code args}.
     */
    public static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> options = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String option : options) {
            // The agent options of a debugger or of surefire's own harness do not belong to the ranks.
            if (!option.startsWith("-agentlib") && !option.startsWith("-javaagent")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
