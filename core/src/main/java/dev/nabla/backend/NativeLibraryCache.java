package dev.nabla.backend;

import dev.nabla.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Unpacks the JNI libraries that JOCL and JCuda carry in their jars into a private, per-user
 * cache folder, atomically, before the binding loads them.
 *
 * <p>Why: both bindings' {@code LibUtils} try {@code System.loadLibrary}, and failing that copy
 * {@code /lib/<file>} from the jar to {@code java.io.tmpdir/<file>} <em>unless a file of that name
 * is already there</em>, with a plain (truncating) write. Two processes starting together race:
 * one loads the file while the other is still writing it ({@code UnsatisfiedLinkError: file too
 * short}), or truncates and rewrites it under a process that has mapped it (SIGBUS or SIGSEGV in
 * the JVM). In a shared {@code /tmp} the first user's copy is also the one every other user loads.
 *
 * <p>What: {@link #load} writes each library into {@code $XDG_CACHE_HOME/nabla/native/<binding>}
 * (default {@code ~/.cache/nabla/native/<binding>}, e.g. {@code jocl-2.0.6}) as a temporary file
 * renamed into place, so a reader sees the whole file or none; a file already there with the
 * resource's size is reused and never rewritten in place. Then it runs the binding's first call
 * with {@code java.io.tmpdir} pointing at that folder, so the binding finds the file it would have
 * written and loads it. {@code NABLA_NATIVE_CACHE} names another folder; if the folder cannot be
 * written, a fresh private temporary folder is used instead (unpacked again in each process).
 *
 * <p>NOTE: the {@code java.io.tmpdir} property is changed for the duration of the binding's class
 * initialisation only, under this class's lock. The JDK's own temporary files do not follow the
 * property after startup (they read the value the JVM started with), so only code that reads the
 * property during those milliseconds sees the cache folder, a private writable folder.
 */
public final class NativeLibraryCache {

    /** Variable that overrides the cache root (the folder holding one folder per binding). */
    public static final String ROOT_VARIABLE = "NABLA_NATIVE_CACHE";

    private static final Set<String> LOADED = new HashSet<>();

    private NativeLibraryCache() {
    }

    /**
     * Unpacks {@code libraryFiles} (file names under the jar's {@code /lib}, found through
     * {@code loader}) into the cache folder {@code binding}, then runs {@code firstCall} (the call
     * that makes the binding load them) with {@code java.io.tmpdir} pointing there. Runs
     * {@code firstCall} only the first time per binding; later calls return at once. Errors of the
     * binding ({@link LinkageError}) propagate unchanged; a cache that cannot be written falls back
     * to a private temporary folder.
     */
    public static void load(String binding, ClassLoader loader, List<String> libraryFiles, Runnable firstCall) {
        Map<String, String> same = new java.util.LinkedHashMap<>();
        libraryFiles.forEach(file -> same.put(file, file));
        load(binding, loader, same, firstCall);
    }

    /**
     * As {@link #load(String, ClassLoader, List, Runnable)}, for bindings that unpack a library
     * somewhere other than under its own name: each resource under the jar's {@code /lib}
     * (the key) is written to the path (the value) relative to the cache folder that the binding
     * would write it to relative to {@code java.io.tmpdir}. JOCLBlast, for one, writes its
     * {@code lib/linux/x86_64/libclblast.so} to
     * {@code JOCLBlast_1_5_2-linux-x86_64_dependents/linux/x86_64/libclblast.so}.
     */
    public static synchronized void load(String binding, ClassLoader loader, Map<String, String> resourceToTarget,
                                         Runnable firstCall) {
        List<String> libraryFiles = List.copyOf(resourceToTarget.values());
        String key = binding + " " + libraryFiles;
        if (LOADED.contains(key)) {
            return;
        }
        Path folder;
        try {
            folder = unpack(root(System.getenv(), System.getProperty("user.home")).resolve(binding), loader,
                    resourceToTarget);
        } catch (IOException | RuntimeException unwritable) {
            try {
                folder = unpack(Files.createTempDirectory("nabla-native-" + binding + "-"), loader, resourceToTarget);
                deleteOnExit(folder, libraryFiles);
            } catch (IOException noTempEither) {
                // Nothing we can prepare: the binding unpacks the way it always did.
                firstCall.run();
                LOADED.add(key);
                return;
            }
        }
        String saved = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", folder.toString());
        try {
            firstCall.run();
        } finally {
            System.setProperty("java.io.tmpdir", saved);
        }
        LOADED.add(key);
    }

    /** {@code NABLA_NATIVE_CACHE}, else {@code $XDG_CACHE_HOME/nabla/native}, else {@code ~/.cache/nabla/native}. */
    static Path root(Map<String, String> environment, String home) {
        String override = environment.get(ROOT_VARIABLE);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".cache");
        return cache.resolve("nabla").resolve("native");
    }

    /**
     * Makes {@code folder} hold each library, complete; returns {@code folder}. A resource the jar
     * lacks (another platform's jar) is skipped: the binding then reports it as it always did.
     */
    static Path unpack(Path folder, ClassLoader loader, List<String> libraryFiles) throws IOException {
        Map<String, String> same = new java.util.LinkedHashMap<>();
        libraryFiles.forEach(file -> same.put(file, file));
        return unpack(folder, loader, same);
    }

    static Path unpack(Path folder, ClassLoader loader, Map<String, String> resourceToTarget) throws IOException {
        createPrivately(folder);
        for (Map.Entry<String, String> library : resourceToTarget.entrySet()) {
            URL resource = loader.getResource("lib/" + library.getKey());
            if (resource == null) {
                continue;
            }
            Path target = folder.resolve(library.getValue());
            if (target.getParent() != null && !target.getParent().equals(folder)) {
                Files.createDirectories(target.getParent());
            }
            URLConnection connection = resource.openConnection();
            long size = connection.getContentLengthLong();
            // SAFETY: an existing file is never opened for writing: another process may have it
            // mapped. A wrong one (a different build of the same version, a half-written file of
            // some other tool) is replaced by rename, which leaves mapped copies intact.
            if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
                continue;
            }
            try (InputStream in = connection.getInputStream()) {
                AtomicFiles.write(target, in::transferTo);
            }
        }
        return folder;
    }

    /** Creates the folder (and missing parents) readable and writable by this user only. */
    private static void createPrivately(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            if (!Files.isWritable(folder)) {
                throw new IOException(folder + " is not writable");
            }
            return;
        }
        Files.createDirectories(folder.getParent());
        try {
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectory(folder);
        } catch (java.nio.file.FileAlreadyExistsException anotherProcessWasFirst) {
            // fine: the same folder, made by a process starting at the same time
        }
    }

    private static void deleteOnExit(Path folder, List<String> libraryFiles) {
        folder.toFile().deleteOnExit();  // registered first, so deleted last (after its files)
        for (String file : libraryFiles) {
            folder.resolve(file).toFile().deleteOnExit();
        }
    }

    /**
     * The version of a Maven artifact on the class path, from the {@code pom.properties} Maven
     * puts in its jar; empty if the jar has none (a repackaged jar).
     */
    public static Optional<String> mavenVersion(ClassLoader loader, String groupId, String artifactId) {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/" + groupId + "/" + artifactId
                + "/pom.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties properties = new Properties();
            properties.load(in);
            return Optional.ofNullable(properties.getProperty("version"));
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }
}
