package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The search order for libcublas.so.13, in a temporary file system with a fake environment. */
class NativeLibrariesTest {

    private static final String CUBLAS = "libcublas.so.13";

    @TempDir
    Path root;

    private NativeLibraries.Environment environment(Map<String, String> variables, String loaderCache,
                                                    List<Path> pythonSitePackages) {
        return new NativeLibraries.Environment(variables, root.resolve("home/user"), root, loaderCache, pythonSitePackages);
    }

    private Path touch(String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not really a library");
        return file;
    }

    private static Optional<Path> find(NativeLibraries.Environment env) {
        return NativeLibraries.find(CUBLAS, GemmPaths.CUBLAS_VARIABLE, GemmPaths.CUBLAS_PIP_FOLDERS, env);
    }

    @Test
    void searchesOverrideThenLdLibraryPathThenToolkitThenLoaderCacheThenSitePackages() throws IOException {
        Path viaSite = touch("usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/" + CUBLAS);
        Path viaPython = touch("venv/lib/python3.11/site-packages/nvidia/cu13/lib/" + CUBLAS);
        Path viaCache = touch("usr/lib/x86_64-linux-gnu/" + CUBLAS);
        Path viaToolkit = touch("usr/local/cuda/lib64/" + CUBLAS);
        Path viaLdPath = touch("opt/cuda13/lib/" + CUBLAS);
        Path viaOverride = touch("custom/" + CUBLAS);
        String cache = "4 libs found in cache `/etc/ld.so.cache'\n"
                + "\tlibcublas.so.13 (libc6) => /lib32/libcublas.so.13\n"
                + "\tlibcublas.so.13 (libc6,x86-64) => " + viaCache + "\n"
                + "\tlibcublasLt.so.13 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcublasLt.so.13\n";
        List<Path> python = List.of(root.resolve("venv/lib/python3.11/site-packages"));
        Map<String, String> all = Map.of("NABLA_CUBLAS", root.resolve("custom").toString(),
                "LD_LIBRARY_PATH", root.resolve("nothing-here") + ":" + root.resolve("opt/cuda13/lib"));

        List<Path> candidates = NativeLibraries.candidates(CUBLAS, GemmPaths.CUBLAS_VARIABLE,
                GemmPaths.CUBLAS_PIP_FOLDERS, environment(all, cache, python));
        List<Path> existing = candidates.stream().filter(Files::isRegularFile).toList();
        assertEquals(List.of(viaOverride, viaLdPath, viaToolkit, viaCache, viaSite, viaPython), existing);
        assertTrue(candidates.stream().noneMatch(p -> p.toString().startsWith("/lib32")), "32-bit entries are skipped");

        // Take the sources away one by one, from the front.
        assertEquals(Optional.of(viaOverride), find(environment(all, cache, python)));
        Map<String, String> noOverride = Map.of("LD_LIBRARY_PATH", root.resolve("opt/cuda13/lib").toString());
        assertEquals(Optional.of(viaLdPath), find(environment(noOverride, cache, python)));
        assertEquals(Optional.of(viaToolkit), find(environment(Map.of(), cache, python)));
        Files.delete(viaToolkit);
        assertEquals(Optional.of(viaCache), find(environment(Map.of(), cache, python)));
        assertEquals(Optional.of(viaSite), find(environment(Map.of(), "", python)));
        Files.delete(viaSite);
        assertEquals(Optional.of(viaPython), find(environment(Map.of(), "", python)));
        assertEquals(Optional.empty(), find(environment(Map.of(), "", List.of())));
    }

    @Test
    void overrideOfAnotherMajorVersionOnlyNamesAFolder() {
        assertTrue(NativeLibraries.namesOtherMajor(Path.of("/x/libcublas.so.13"), "libcublas.so.12"));
        assertTrue(NativeLibraries.namesOtherMajor(Path.of("/x/libcublas.so.13.1.0.3"), "libcublas.so.12"));
        assertFalse(NativeLibraries.namesOtherMajor(Path.of("/x/libcublas.so.13.1.0.3"), "libcublas.so.13"));
        assertFalse(NativeLibraries.namesOtherMajor(Path.of("/x/libcublas-renamed.so"), "libcublas.so.12"));
    }

    @Test
    void overrideMayNameTheFileItself() throws IOException {
        Path file = touch("elsewhere/libcublas-renamed.so");
        assertEquals(Optional.of(file),
                find(environment(Map.of("NABLA_CUBLAS", file.toString()), "", List.of())));
    }

    @Test
    void findsPipWheelsInEverySitePackagesKind() throws IOException {
        // CUDA 12 wheels use nvidia/cublas/lib; CUDA 13 wheels nvidia/cu13/lib.
        Path user = touch("home/user/.local/lib/python3.10/site-packages/nvidia/cublas/lib/" + CUBLAS);
        assertEquals(Optional.of(user), find(environment(Map.of(), "", List.of())));
        Path system = touch("usr/lib/python3.12/site-packages/nvidia/cublas/lib/" + CUBLAS);
        assertEquals(Optional.of(system), find(environment(Map.of(), "", List.of())));
        Path venv = touch("env/lib/python3.13/site-packages/nvidia/cu13/lib/" + CUBLAS);
        assertEquals(Optional.of(venv),
                find(environment(Map.of("VIRTUAL_ENV", root.resolve("env").toString()), "", List.of())));
        Path conda = touch("opt/conda/lib/python3.11/site-packages/nvidia/cu13/lib/" + CUBLAS);
        Files.delete(user);
        Files.delete(system);
        assertEquals(Optional.of(conda), find(environment(Map.of(), "", List.of())));
    }

    @Test
    void describesAFailedJniLoadInOneLine() {
        // As JCuda reports it on a machine without the driver (one line of a long, multi-line message).
        var missingDriver = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory\n\tat ...");
        assertEquals("libcuda.so.1 is not installed (or not on the loader's path)",
                NativeLibraries.describeLoadFailure(missingDriver));
        // The second attempt: the JVM only says the class failed, the cause holds JCuda's message.
        var again = new NoClassDefFoundError("Could not initialize class jcuda.jcublas.JCublas2");
        again.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: ... "
                + "/tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open shared object file"));
        assertEquals("libcublas.so.12 is not installed (or not on the loader's path)",
                NativeLibraries.describeLoadFailure(again));
        var old = new UnsatisfiedLinkError("/tmp/libJNvrtc.so: undefined symbol: nvrtcGetCUBIN");
        assertEquals("the installed library lacks nvrtcGetCUBIN (too old)", NativeLibraries.describeLoadFailure(old));
        assertEquals("UnsatisfiedLinkError: something else", NativeLibraries.describeLoadFailure(
                new UnsatisfiedLinkError("something else\nsecond line")));
    }

    @Test
    void childOutputIsCollected() throws Exception {
        var child = NativeLibraries.runChild(List.of("sh", "-c", "echo hello; echo oops >&2; exit 3"),
                java.time.Duration.ofSeconds(20), false);
        assertEquals(new NativeLibraries.Child(3, "hello\n"), child, "stderr discarded");
        var merged = NativeLibraries.runChild(List.of("sh", "-c", "echo hello; echo oops >&2"),
                java.time.Duration.ofSeconds(20), true);
        assertEquals(0, merged.exitCode());
        assertTrue(merged.output().contains("hello") && merged.output().contains("oops"), merged.output());
    }

    // @Timeout is a hang guard (the bug was blocking forever), not a measurement: what is
    // checked is that the child was killed, or that we returned before its descendant finished.
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHungChildIsKilledAtTheTimeoutInsteadOfBlockingTheProbe() throws Exception {
        var child = NativeLibraries.runChild(List.of("sh", "-c", "echo partial; exec sleep 120"),
                java.time.Duration.ofMillis(500), false);
        assertTrue(child.timedOut(), child.toString());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDescendantHoldingThePipeOpenDoesNotBlockEither(@TempDir Path dir) throws Exception {
        // sh exits at once; its background child keeps stdout open, then leaves a marker file.
        Path marker = dir.resolve("descendant-finished");
        var child = NativeLibraries.runChild(List.of("sh", "-c", "(sleep 30; touch '" + marker + "') & echo done"),
                java.time.Duration.ofSeconds(45), false);
        assertEquals(0, child.exitCode());
        assertEquals("done\n", child.output());
        assertFalse(Files.exists(marker), "runChild waited for the descendant holding the pipe");
    }
}
