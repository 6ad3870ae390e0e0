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

    /** The newest PTX ISA the oldest supported driver (r580, CUDA 13.0) JIT-compiles. */
    static final double MAX_PTX_ISA = 9.0;

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
        NativeLibraries.Child child = NativeLibraries.runChild(command, java.time.Duration.ofMinutes(10), true);
        if (child.timedOut()) {
            Files.deleteIfExists(sourceFile); // so that the next build tries again
            throw new IOException("timed out after 10 minutes: " + String.join(" ", command) + "\n" + child.output());
        }
        if (child.exitCode() != 0) {
            Files.deleteIfExists(sourceFile); // so that the next build tries again
            throw new IOException(String.join(" ", command) + " failed with exit code " + child.exitCode() + ":\n"
                    + child.output());
        }
        String isa = KernelModules.ptxIsaVersion(Files.readString(temporary));
        if (!isa.matches("\\d+\\.\\d+") || Double.parseDouble(isa) > MAX_PTX_ISA) {
            // NOTE: drivers JIT only the PTX ISA of their own CUDA version or older; CUDA 13.0's
            // driver (r580, the GPU machines Nabla is verified on) stops at ISA 9.0. A newer nvcc
            // would pack PTX those machines reject, with no fallback (NVRTC 12 is rarely there).
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(sourceFile);
            throw new IOException(nvcc.get() + " emitted PTX ISA " + isa + ", newer than " + MAX_PTX_ISA
                    + ", which driver r580 (CUDA 13.0) can JIT; build with nvcc 13.0 (or raise MAX_PTX_ISA in "
                    + "PtxBuild if the target drivers are newer)");
        }
        Files.move(temporary, ptx, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("[nabla] " + nvcc.get() + ": PTX ISA " + isa + " (compute_75) for "
                + KernelModules.PTX_RESOURCE);
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
