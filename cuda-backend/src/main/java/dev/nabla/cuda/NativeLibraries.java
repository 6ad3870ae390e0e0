package dev.nabla.cuda;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds NVIDIA's shared libraries (cuBLAS, NVRTC) where GPU machines actually keep them, and
 * turns a failed JNI load into one line.
 *
 * <p>Search order for a library such as {@code libcublas.so.13} ({@link #candidates}):
 * <ol>
 *   <li>{@code NABLA_CUBLAS} (for cuBLAS only): the library file itself, or a folder holding it;</li>
 *   <li>each folder of {@code LD_LIBRARY_PATH};</li>
 *   <li>{@code /usr/local/cuda/lib64} (a CUDA toolkit);</li>
 *   <li>the loader cache, as {@code ldconfig -p} prints it (distribution packages);</li>
 *   <li>Python site-packages, where PyTorch's pip wheels put CUDA: {@code nvidia/cu13/lib} (the
 *       CUDA 13 wheels put every library there) and {@code nvidia/cublas/lib} or
 *       {@code nvidia/cuda_nvrtc/lib} (the CUDA 12 wheels), under {@code $VIRTUAL_ENV},
 *       {@code /usr/lib/python3*}, {@code /usr/local/lib/python3*}, {@code ~/.local/lib/python3*},
 *       {@code /opt/conda/lib/python3*} and whatever {@code python3 -c 'import site; ...'} reports.</li>
 * </ol>
 * The environment, the loader cache and Python's answer are inputs ({@link Environment}), so the
 * order is tested with a temporary folder and a fake environment.
 */
final class NativeLibraries {

    /** What the search looks at; {@link #system()} reads the real machine. */
    record Environment(Map<String, String> variables, Path home, Path root, String loaderCache,
                       List<Path> pythonSitePackages) {

        /**
         * The real environment: variables, home, {@code ldconfig -p}, {@code python3 -c 'import site...'}.
         * Read once per process (two short child processes).
         */
        static Environment system() {
            return SystemEnvironment.INSTANCE;
        }
    }

    /** Lazy holder: the child processes run on first use only. */
    private static final class SystemEnvironment {
        static final Environment INSTANCE = new Environment(System.getenv(),
                Path.of(System.getProperty("user.home", "/root")), Path.of("/"),
                run(List.of("ldconfig", "-p"), "/sbin/ldconfig"), pythonSitePackages());
    }

    private NativeLibraries() {
    }

    /** True for {@code libX.so.13[.minor...]} when looking for {@code libX.so.12}: another ABI. */
    static boolean namesOtherMajor(Path file, String soname) {
        Matcher wanted = Pattern.compile("\\.so\\.(\\d+)$").matcher(soname);
        Matcher given = Pattern.compile("\\.so\\.(\\d+)").matcher(String.valueOf(file.getFileName()));
        return wanted.find() && given.find() && !wanted.group(1).equals(given.group(1));
    }

    /**
     * Every path where {@code soname} might be, in search order, existing or not (the caller
     * keeps the first that exists and loads). {@code overrideVariable} names a variable that
     * points at the file or its folder ({@code NABLA_CUBLAS}), or is null.
     */
    static List<Path> candidates(String soname, String overrideVariable, List<String> pipFolders, Environment env) {
        LinkedHashSet<Path> paths = new LinkedHashSet<>();
        if (overrideVariable != null) {
            String override = env.variables().get(overrideVariable);
            if (override != null && !override.isBlank()) {
                Path path = Path.of(override.strip());
                if (Files.isDirectory(path)) {
                    paths.add(path.resolve(soname));
                } else if (!namesOtherMajor(path, soname) || path.getParent() == null) {
                    paths.add(path);
                } else {
                    // A file of another major version (NABLA_CUBLAS=.../libcublas.so.13 while looking
                    // for libcublas.so.12): only its folder says anything about this one.
                    paths.add(path.getParent().resolve(soname));
                }
            }
        }
        String ldLibraryPath = env.variables().get("LD_LIBRARY_PATH");
        if (ldLibraryPath != null) {
            for (String dir : ldLibraryPath.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    paths.add(Path.of(dir).resolve(soname));
                }
            }
        }
        paths.add(env.root().resolve("usr/local/cuda/lib64").resolve(soname));
        // ldconfig -p lines: "\tlibcublas.so.13 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcublas.so.13"
        Matcher cached = Pattern.compile("^\\s*" + Pattern.quote(soname) + "\\s+\\(([^)]*)\\)\\s*=>\\s*(\\S+)\\s*$",
                Pattern.MULTILINE).matcher(env.loaderCache());
        while (cached.find()) {
            if (cached.group(1).contains("x86-64")) {
                paths.add(Path.of(cached.group(2)));
            }
        }
        for (Path sitePackages : sitePackages(env)) {
            for (String folder : pipFolders) {
                paths.add(sitePackages.resolve(folder).resolve(soname));
            }
        }
        return List.copyOf(paths);
    }

    /** The first candidate that exists as a file. */
    static Optional<Path> find(String soname, String overrideVariable, List<String> pipFolders, Environment env) {
        return candidates(soname, overrideVariable, pipFolders, env).stream().filter(Files::isRegularFile).findFirst();
    }

    /** Site-packages folders in search order: the virtualenv, system Pythons, the user's, conda, then Python's own list. */
    static List<Path> sitePackages(Environment env) {
        LinkedHashSet<Path> folders = new LinkedHashSet<>();
        String virtualEnv = env.variables().get("VIRTUAL_ENV");
        if (virtualEnv != null && !virtualEnv.isBlank()) {
            folders.addAll(pythonFolders(Path.of(virtualEnv).resolve("lib"), "site-packages"));
        }
        Path root = env.root();
        folders.addAll(pythonFolders(root.resolve("usr/lib"), "site-packages"));
        folders.addAll(pythonFolders(root.resolve("usr/lib"), "dist-packages"));
        folders.addAll(pythonFolders(root.resolve("usr/local/lib"), "dist-packages"));
        folders.addAll(pythonFolders(root.resolve("usr/local/lib"), "site-packages"));
        folders.addAll(pythonFolders(env.home().resolve(".local/lib"), "site-packages"));
        folders.addAll(pythonFolders(root.resolve("opt/conda/lib"), "site-packages"));
        folders.addAll(env.pythonSitePackages());
        return List.copyOf(folders);
    }

    /** {@code lib/python3*}/{@code leaf}, sorted so that the order is stable. */
    private static List<Path> pythonFolders(Path lib, String leaf) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(lib)) {
            return found;
        }
        try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
            for (Path python : pythons) {
                Path folder = python.resolve(leaf);
                if (Files.isDirectory(folder)) {
                    found.add(folder);
                }
            }
        } catch (IOException e) {
            return found; // an unreadable folder holds nothing we can load
        }
        found.sort(null);
        return found;
    }

    private static List<Path> pythonSitePackages() {
        String printed = run(List.of("python3", "-c",
                "import site; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))"), null);
        List<Path> folders = new ArrayList<>();
        for (String line : printed.split("\n")) {
            if (!line.isBlank()) {
                folders.add(Path.of(line.strip()));
            }
        }
        return folders;
    }

    /** Runs a short command and returns its output, or "" when it is missing, fails or hangs (never throws). */
    private static String run(List<String> command, String fallbackExecutable) {
        for (String executable : fallbackExecutable == null ? List.of(command.getFirst())
                : List.of(command.getFirst(), fallbackExecutable)) {
            List<String> line = new ArrayList<>(command);
            line.set(0, executable);
            try {
                Child child = runChild(line, CHILD_TIMEOUT, false);
                if (child.exitCode() == 0) {
                    return child.output();
                }
            } catch (IOException e) {
                // not installed: try the next spelling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }
        return "";
    }

    /** How long {@code ldconfig -p} and {@code python3 -c ...} may take before they are killed. */
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(10);

    /** A finished child process: its exit code ({@link #TIMED_OUT} if it was killed) and what it printed. */
    record Child(int exitCode, String output) {
        static final int TIMED_OUT = -1;

        boolean timedOut() {
            return exitCode == TIMED_OUT;
        }
    }

    /**
     * Runs {@code command} with no input and collects its standard output (and standard error when
     * {@code mergeErrors}, else it is discarded). The output is read on a daemon thread, so a child
     * that hangs, or leaves a descendant holding the pipe open, cannot block the caller beyond
     * {@code timeout}: past it the child and its descendants are killed and the result says so.
     *
     * @throws IOException if the command cannot be started (not installed)
     */
    static Child runChild(List<String> command, Duration timeout, boolean mergeErrors)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (mergeErrors) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process process = builder.start();
        process.getOutputStream().close(); // a child that reads its input sees end-of-file at once
        ByteArrayOutputStream output = new ByteArrayOutputStream(); // synchronized: safe to read while written
        Thread reader = Thread.ofPlatform().daemon().name("nabla-child-output").start(() -> {
            try (InputStream in = process.getInputStream()) {
                in.transferTo(output);
            } catch (IOException e) {
                // the pipe closed (the child was killed): keep what arrived
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return new Child(Child.TIMED_OUT, output.toString(StandardCharsets.UTF_8));
        }
        // A descendant that outlives the child may hold the pipe open: wait for the rest only briefly.
        reader.join(Duration.ofSeconds(2));
        return new Child(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    /**
     * Loads {@code library} into the process for good, after its companions in the same folder
     * (e.g. {@code libcublasLt.so.13} before {@code libcublas.so.13}: pip wheels do not always
     * carry an {@code $ORIGIN} run path, so the loader would not find them by itself). Once a
     * library is loaded, the dynamic loader reuses it for any later request of its soname, which
     * is how JCuda's JNI libraries find a {@code libcublas.so.12} that lives in site-packages.
     *
     * @throws IllegalArgumentException if the loader refuses the library (message from dlopen)
     */
    @SuppressWarnings("restricted") // loading native libraries is the point; --enable-native-access is set
    static SymbolLookup loadGlobally(Path library, List<String> companions) {
        for (String companion : companions) {
            Path sibling = library.resolveSibling(companion);
            if (Files.isRegularFile(sibling)) {
                SymbolLookup.libraryLookup(sibling, Arena.global());
            }
        }
        return SymbolLookup.libraryLookup(library, Arena.global());
    }

    /**
     * The file a library whose name starts with {@code namePrefix} ({@code libnvrtc.so}) was
     * loaded from, from the text of {@code /proc/self/maps}; empty if it is not mapped.
     */
    static Optional<Path> mappedLibrary(String procMaps, String namePrefix) {
        for (String line : procMaps.split("\n")) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            Path path = Path.of(line.substring(slash).strip());
            if (path.getFileName() != null && path.getFileName().toString().startsWith(namePrefix)) {
                return Optional.of(path);
            }
        }
        return Optional.empty();
    }

    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("([\\w.+-]+\\.so[\\w.]*): cannot open shared object file");
    private static final Pattern UNDEFINED_SYMBOL = Pattern.compile("undefined symbol: (\\w+)");

    /**
     * One line saying why a JCuda class could not load its JNI library: the shared library the
     * loader could not find ({@code libcublas.so.12 is not installed}), a missing symbol, or the
     * first line of the error. JCuda's own message spans many lines (every attempt and its stack
     * trace), and on a second attempt the JVM wraps it in a {@link NoClassDefFoundError}.
     */
    static String describeLoadFailure(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        String all = text.toString();
        Matcher missing = MISSING_LIBRARY.matcher(all);
        if (missing.find()) {
            return missing.group(1) + " is not installed (or not on the loader's path)";
        }
        Matcher symbol = UNDEFINED_SYMBOL.matcher(all);
        if (symbol.find()) {
            return "the installed library lacks " + symbol.group(1) + " (too old)";
        }
        String first = String.valueOf(error.getMessage()).lines().findFirst().orElse("");
        return error.getClass().getSimpleName() + ": " + first;
    }
}
