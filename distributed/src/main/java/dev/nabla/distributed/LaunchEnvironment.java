package dev.nabla.distributed;

import java.util.Map;
import java.util.Optional;

/**
 * Where this process sits in a job, from the variables its launcher set: Open MPI's
 * {@code mpirun} ({@code OMPI_COMM_WORLD_RANK}, {@code _SIZE}, {@code _LOCAL_RANK}), Slurm's
 * {@code srun} ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}), or a PMI
 * launcher such as MPICH's Hydra ({@code PMI_RANK}, {@code PMI_SIZE}, {@code MPI_LOCALRANKID}).
 * The local rank picks the GPU ({@code cuda:LOCAL_RANK}), as {@code torchrun}'s {@code LOCAL_RANK}.
 *
 * @param rank      0-based rank in the job
 * @param size      the number of ranks
 * @param localRank 0-based rank among the ranks on this machine
 * @param launcher  which variables said so ("mpirun", "srun", "pmi")
 */
public record LaunchEnvironment(int rank, int size, int localRank, String launcher) {

    public LaunchEnvironment {
        if (size < 1 || rank < 0 || rank >= size || localRank < 0) {
            throw new IllegalArgumentException("launcher " + launcher + " gave rank " + rank + " of " + size
                    + ", local rank " + localRank + " (need 0 <= rank < size and local rank >= 0)");
        }
    }

    /** The launcher's variables in this process, or empty when no launcher started it. */
    public static Optional<LaunchEnvironment> detect() {
        return detect(System.getenv());
    }

    /** The launcher described by {@code variables} (Open MPI first, then Slurm, then PMI). */
    public static Optional<LaunchEnvironment> detect(Map<String, String> variables) {
        Optional<LaunchEnvironment> found = read(variables, "mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                "OMPI_COMM_WORLD_LOCAL_RANK");
        if (found.isEmpty()) {
            found = read(variables, "srun", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID");
        }
        if (found.isEmpty()) {
            found = read(variables, "pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID");
        }
        return found;
    }

    private static Optional<LaunchEnvironment> read(Map<String, String> variables, String launcher, String rankName,
                                                    String sizeName, String localName) {
        String rank = variables.get(rankName);
        String size = variables.get(sizeName);
        if (rank == null || size == null) {
            return Optional.empty();
        }
        String local = variables.get(localName);
        return Optional.of(new LaunchEnvironment(number(rankName, rank), number(sizeName, size),
                local == null ? 0 : number(localName, local), launcher));
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the launcher variable " + name + "=" + value + " is not a number");
        }
    }

    /**
     * The device a rank trains on: {@code cuda} or {@code opencl} without an index becomes
     * {@code cuda:LOCAL_RANK}, so that each rank on a machine takes its own GPU; anything else
     * ({@code auto}, {@code cpu}, {@code cuda:1}) is kept.
     */
    public String deviceFor(String requested) {
        if (requested.equals("cuda") || requested.equals("opencl")) {
            return requested + ":" + localRank;
        }
        return requested;
    }
}
