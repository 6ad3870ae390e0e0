package dev.nabla.distributed;

import java.util.ArrayList;
import java.util.List;

/** What {@code nabla devices} says about the distributed engines: each one's library and version, or why it is missing. */
public final class Engines {

    private Engines() {
    }

    /** One line per engine: "mpi: Open MPI v4.1.4 (/usr/lib/...); mpirun /usr/bin/mpirun", or "nccl: unavailable: ...". */
    public static List<String> describe() {
        List<String> lines = new ArrayList<>();
        var mpiMissing = MpiCommunicator.unavailableReason();
        if (mpiMissing.isPresent()) {
            lines.add("mpi: unavailable: " + mpiMissing.get());
        } else {
            lines.add("mpi: " + MpiCommunicator.libraryDescription() + "; " + MpiLauncher.findMpirun()
                    .map(path -> "mpirun " + path).orElse("no mpirun on the PATH (train --nproc needs it)"));
        }
        var path = Nccl.find();
        if (path.isEmpty()) {
            lines.add("nccl: unavailable: " + Nccl.unavailableReason().orElse(""));
        } else {
            try {
                Nccl nccl = new Nccl(path.get());
                lines.add("nccl: NCCL " + nccl.version() + " (" + path.get() + ")");
            } catch (RuntimeException e) {
                lines.add("nccl: unavailable: " + path.get() + " cannot be used: " + e.getMessage());
            }
        }
        return lines;
    }
}
