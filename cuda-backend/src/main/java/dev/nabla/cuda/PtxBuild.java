package dev.nabla.cuda;

import dev.nabla.kernels.Dialect;
import dev.nabla.kernels.KernelSource;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Build step, not used at run time: compiles the CUDA dialect of the kernels to PTX with
 * {@code nvcc -ptx -arch=compute_75} and writes it where the jar packs it from
 * ({@link KernelModules#PTX_RESOURCE}). Maven runs it in {@code process-classes} (exec-maven-plugin,
 * see cuda-backend/pom.xml) because it needs the compiled {@code nabla-kernels} classes.
 *
 * <p>Without nvcc (PATH, then {@code /usr/local/cuda/bin}) it says so and writes nothing: the
 * build succeeds and the backend needs NVRTC at run time (the probe says so). It does not call
 * {@code System.exit}: it runs inside Maven's JVM. nvcc runs only when the assembled source
 * changed since the last build (the source is kept next to the PTX's build folder).
 *
 * <p>Arguments: the classes folder to write {@code dev/nabla/cuda/nabla_kernels.ptx} into, and a
 * work folder.
 */
public final class PtxBuild {

    private PtxBuild() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path classes = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Path ptx = classes.resolve(KernelModules.PTX_RESOURCE.substring(1));
        Optional<Path> nvcc = findNvcc();
        if (nvcc.isEmpty()) {
            Files.deleteIfExists(ptx);
            System.out.println("[nabla] nvcc not found on PATH or in /usr/local/cuda/bin: the CUDA backend jar carries no "
                    + "PTX; at run time it will need NVRTC (libnvrtc.so.12)");
            return;
        }
        String source = KernelSource.assemble(Dialect.CUDA);
        Files.createDirectories(work);
        Path sourceFile = work.resolve("nabla_kernels.cu");
        if (Files.isRegularFile(ptx) && Files.isRegularFile(sourceFile)
                && Files.readString(sourceFile, StandardCharsets.UTF_8).equals(source)) {
            return; // up to date
        }
        Files.writeString(sourceFile, source, StandardCharsets.UTF_8);
        Files.createDirectories(ptx.getParent());
        Path temporary = work.resolve("nabla_kernels.ptx");
        List<String> command = List.of(nvcc.get().toString(), "-ptx", "-arch=compute_75", "-o",
                temporary.toString(), sourceFile.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
            Files.deleteIfExists(sourceFile); // so that the next build tries again
            throw new IOException(String.join(" ", command) + " failed with exit code " + process.exitValue() + ":\n"
                    + output);
        }
        Files.move(temporary, ptx, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("[nabla] " + nvcc.get() + ": PTX ISA " + KernelModules.ptxIsaVersion(Files.readString(ptx))
                + " (compute_75) for " + KernelModules.PTX_RESOURCE);
    }

    /** nvcc on PATH, else in /usr/local/cuda/bin (where the CUDA toolkit puts it without adding it to PATH). */
    static Optional<Path> findNvcc() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
