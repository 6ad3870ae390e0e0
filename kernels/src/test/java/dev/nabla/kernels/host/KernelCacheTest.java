package dev.nabla.kernels.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelCacheTest {

    @TempDir
    Path dir;

    private static final byte[] IMAGE = "a compiled kernel image\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Test
    void aSecondLookupReturnsTheStoredImageWithoutCompiling() {
        KernelCache cache = new KernelCache(Optional.of(dir.resolve("kernels")));
        AtomicInteger compiles = new AtomicInteger();
        String key = KernelCache.key("cuda", "source", "nvrtc 12.6", "--gpu-architecture=sm_90");
        KernelCache.Entry first = cache.getOrCompile(key, "cubin", () -> {
            compiles.incrementAndGet();
            return IMAGE.clone();
        });
        // a new cache object, as a second process would have
        KernelCache.Entry second = new KernelCache(Optional.of(dir.resolve("kernels"))).getOrCompile(key, "cubin", () -> {
            compiles.incrementAndGet();
            return new byte[] {1};
        });
        assertFalse(first.cached());
        assertTrue(second.cached());
        assertArrayEquals(IMAGE, second.image());
        assertEquals(1, compiles.get());
        assertTrue(Files.exists(dir.resolve("kernels").resolve(key + ".cubin")));
    }

    @Test
    void everyPartOfTheKeyMatters() {
        String base = KernelCache.key("cuda", "source", "nvrtc 12.6", "sm_90");
        assertNotEquals(base, KernelCache.key("cuda", "source ", "nvrtc 12.6", "sm_90"));
        assertNotEquals(base, KernelCache.key("cuda", "source", "nvrtc 12.8", "sm_90"));
        assertNotEquals(base, KernelCache.key("cuda", "source", "nvrtc 12.6", "sm_89"));
        // boundaries count: ("ab","c") is not ("a","bc")
        assertNotEquals(KernelCache.key("ab", "c"), KernelCache.key("a", "bc"));
        assertEquals(base, KernelCache.key("cuda", "source", "nvrtc 12.6", "sm_90"));
    }

    @Test
    void aDamagedEntryIsDeletedAndCompiledAgain() throws Exception {
        KernelCache cache = new KernelCache(Optional.of(dir));
        String key = KernelCache.key("x");
        cache.put(key, "ptx", IMAGE);
        Path file = cache.file(key, "ptx");
        byte[] content = Files.readAllBytes(file);
        content[content.length - 3] ^= 0x20; // one flipped bit in the image
        Files.write(file, content);
        assertTrue(cache.get(key, "ptx").isEmpty());
        assertFalse(Files.exists(file), "the damaged entry is deleted");

        cache.put(key, "ptx", IMAGE);
        Files.write(file, java.util.Arrays.copyOf(Files.readAllBytes(file), 30)); // truncated: header only in part
        KernelCache.Entry entry = cache.getOrCompile(key, "ptx", IMAGE::clone);
        assertFalse(entry.cached());
        assertArrayEquals(IMAGE, cache.get(key, "ptx").orElseThrow(), "compiled again and stored whole");
    }

    @Test
    void aFolderThatCannotBeWrittenOnlyCostsTheCompilation() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "in the way");
        KernelCache cache = new KernelCache(Optional.of(notAFolder.resolve("kernels")));
        AtomicInteger compiles = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            KernelCache.Entry entry = cache.getOrCompile("k", "cubin", () -> {
                compiles.incrementAndGet();
                return IMAGE.clone();
            });
            assertArrayEquals(IMAGE, entry.image());
        }
        assertEquals(2, compiles.get());
    }

    @Test
    void concurrentWritersLeaveOneWholeEntryAndNoTemporaryFiles() throws Exception {
        KernelCache cache = new KernelCache(Optional.of(dir));
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                writes.add(pool.submit(() -> {
                    cache.put("same", "cubin", big);
                    cache.get("same", "cubin").ifPresent(read -> assertArrayEquals(big, read));
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        }
        assertArrayEquals(big, cache.get("same", "cubin").orElseThrow());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("same.cubin")), files.toList());
        }
    }

    @Test
    void theFolderFollowsTheEnvironment() {
        assertEquals(Optional.of(Path.of("/home/u/.cache/nabla/kernels")), KernelCache.standardFolder(Map.of(), "/home/u"));
        assertEquals(Optional.of(Path.of("/x/nabla/kernels")),
                KernelCache.standardFolder(Map.of("XDG_CACHE_HOME", "/x"), "/home/u"));
        assertEquals(Optional.of(Path.of("/c/kernels")),
                KernelCache.standardFolder(Map.of("XDG_CACHE_HOME", "/x", "NABLA_CACHE_DIR", "/c"), "/home/u"));
        assertEquals(Optional.empty(), KernelCache.standardFolder(Map.of("NABLA_KERNEL_CACHE", "off"), "/home/u"));
        assertTrue(new KernelCache(Optional.empty()).get("k", "cubin").isEmpty());
    }
}
