package dev.nabla.distributed;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a test main class as N local MPI ranks with the command {@code nabla train --nproc} uses
 * ({@link MpiLauncher}), or skips the calling test with the precise reason Open MPI cannot run here.
 */
final class MpiRun {

    /** What the job did: mpirun's exit status and every rank's output, interleaved. */
    record Result(int exitStatus, String output) {
    }

    private MpiRun() {
    }

    /** Skips the calling test unless both {@code mpirun} and {@code libmpi.so.40} are here. */
    static Path requireMpi() {
        var mpirun = MpiLauncher.findMpirun();
        Assumptions.assumeTrue(mpirun.isPresent(), MpiLauncher.missingMessage());
        var reason = MpiCommunicator.unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
        return mpirun.get();
    }

    static Result run(int ranks, Class<?> main, List<String> args, Duration timeout) throws Exception {
        Path mpirun = requireMpi();
        List<String> command = MpiLauncher.command(mpirun, ranks, MpiLauncher.javaCommand(main.getName(), args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                output.append("[reading mpirun's output failed: ").append(e).append(']');
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            reader.join(5_000);
            throw new AssertionError(main.getSimpleName() + " on " + ranks + " ranks did not finish within " + timeout
                    + "; output:\n" + output);
        }
        reader.join();
        return new Result(process.exitValue(), output.toString());
    }
}
