package dev.nabla.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17, item 10: how JNI libraries are unpacked into the per-user cache. */
class NativeLibraryCacheTest {

    private static ClassLoader jarWith(Path root, String file, byte[] content) throws IOException {
        Files.createDirectories(root.resolve("lib"));
        Files.write(root.resolve("lib").resolve(file), content);
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    @Test
    void theCacheRootFollowsTheOverrideThenXdgThenHome() {
        assertEquals(Path.of("/x/native"), NativeLibraryCache.root(Map.of("NABLA_NATIVE_CACHE", "/x/native",
                "XDG_CACHE_HOME", "/xdg"), "/home/u"));
        assertEquals(Path.of("/xdg/nabla/native"), NativeLibraryCache.root(Map.of("XDG_CACHE_HOME", "/xdg"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/nabla/native"), NativeLibraryCache.root(Map.of(), "/home/u"));
    }

    @Test
    void aLibraryIsUnpackedOnceAndAWrongCopyIsReplacedNotRewritten(@TempDir Path dir) throws IOException {
        byte[] library = "ELF pretend library".getBytes();
        ClassLoader loader = jarWith(dir.resolve("jar"), "libFake-linux.so", library);
        Path folder = dir.resolve("cache/fake-1.0");
        NativeLibraryCache.unpack(folder, loader, List.of("libFake-linux.so", "libAbsent.so"));
        Path unpacked = folder.resolve("libFake-linux.so");
        assertArrayEquals(library, Files.readAllBytes(unpacked));
        assertEquals(List.of(unpacked), Files.list(folder).toList(), "no temporary file left, nothing for libAbsent");

        // Complete already: left alone (another process may have it mapped).
        FileTime old = FileTime.fromMillis(1_000_000);
        Files.setLastModifiedTime(unpacked, old);
        Object inode = Files.readAttributes(unpacked, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        NativeLibraryCache.unpack(folder, loader, List.of("libFake-linux.so"));
        assertEquals(old, Files.getLastModifiedTime(unpacked));

        // Half written by something else: replaced by a new file (a rename), not written in place.
        Files.write(unpacked, new byte[] {1, 2});
        NativeLibraryCache.unpack(folder, loader, List.of("libFake-linux.so"));
        assertArrayEquals(library, Files.readAllBytes(unpacked));
        Object after = Files.readAttributes(unpacked, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertEquals(false, after.equals(inode), "a new inode: mapped copies of the old one stay intact");
    }

    @Test
    void theBindingSeesTheCacheAsItsTmpdirOnlyWhileItLoads(@TempDir Path dir) throws IOException {
        ClassLoader loader = jarWith(dir.resolve("jar"), "libSeen.so", new byte[] {7});
        String before = System.getProperty("java.io.tmpdir");
        AtomicReference<String> during = new AtomicReference<>();
        NativeLibraryCache.load("seen-" + System.nanoTime(), loader, List.of("libSeen.so"),
                () -> during.set(System.getProperty("java.io.tmpdir")));
        assertEquals(before, System.getProperty("java.io.tmpdir"));
        assertTrue(Files.exists(Path.of(during.get()).resolve("libSeen.so")), "the library is where the binding looks");

        // A binding that fails to load (no driver) fails as before, and the property is restored.
        assertThrows(UnsatisfiedLinkError.class, () -> NativeLibraryCache.load("failing-" + System.nanoTime(), loader,
                List.of("libSeen.so"), () -> {
                    throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
                }));
        assertEquals(before, System.getProperty("java.io.tmpdir"));
    }

    @Test
    void versionsComeFromMavensPomProperties() {
        assertEquals(Optional.empty(), NativeLibraryCache.mavenVersion(getClass().getClassLoader(), "no.such", "jar"));
        // Jackson is on core's class path and its jar carries its pom.properties.
        assertEquals(true, NativeLibraryCache.mavenVersion(getClass().getClassLoader(), "com.fasterxml.jackson.core",
                "jackson-databind").isPresent());
    }
}
