package dev.nabla.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The data-cache sizes of one core, in bytes, which the GEMM's block sizes are derived from
 * ({@link KernelShape#blocking}).
 *
 * <p>Read from {@code /sys/devices/system/cpu/cpu0/cache/index*} (Linux); where that is absent (some
 * VMs and sandboxes hide it) from {@code getconf} (glibc asks CPUID); else typical sizes of current
 * laptop and server cores (48 KiB L1d, 1 MiB L2). {@code source} says which.
 *
 * @param l1     level-1 data cache
 * @param l2     level-2 (unified) cache
 * @param l3     level-3 cache (shared), 0 when unknown or absent
 * @param source where the sizes came from
 */
record CacheSizes(long l1, long l2, long l3, String source) {

    static final CacheSizes DEFAULTS = new CacheSizes(48 << 10, 1 << 20, 0, "defaults (cache sizes not readable)");

    static CacheSizes detect() {
        CacheSizes sysfs = fromSysfs(Path.of("/sys/devices/system/cpu/cpu0/cache"));
        if (sysfs != null) {
            return sysfs;
        }
        CacheSizes getconf = fromGetconf();
        return getconf != null ? getconf : DEFAULTS;
    }

    /** Sizes from a sysfs cache folder ({@code indexN/level}, {@code type}, {@code size}), or null. */
    static CacheSizes fromSysfs(Path folder) {
        long l1 = 0;
        long l2 = 0;
        long l3 = 0;
        try (var entries = Files.list(folder)) {
            for (Path index : (Iterable<Path>) entries::iterator) {
                if (!index.getFileName().toString().startsWith("index")) {
                    continue;
                }
                String type = Files.readString(index.resolve("type")).trim();
                if (type.equals("Instruction")) {
                    continue;
                }
                int level = Integer.parseInt(Files.readString(index.resolve("level")).trim());
                long size = parseSize(Files.readString(index.resolve("size")));
                switch (level) {
                    case 1 -> l1 = size;
                    case 2 -> l2 = size;
                    case 3 -> l3 = size;
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return l1 > 0 && l2 > 0 ? new CacheSizes(l1, l2, l3, "sysfs") : null;
    }

    /** {@code 48K}, {@code 1024K}, {@code 32M} or plain bytes. */
    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("K")) {
            unit = 1 << 10;
        } else if (s.endsWith("M")) {
            unit = 1 << 20;
        } else if (s.endsWith("G")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        return Long.parseLong(s.trim()) * unit;
    }

    private static CacheSizes fromGetconf() {
        try {
            Process process = new ProcessBuilder("getconf", "-a").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(2, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return null;
            }
            return fromGetconf(output);
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Sizes from {@code getconf -a} output ({@code LEVEL1_DCACHE_SIZE 49152} ...), or null. */
    static CacheSizes fromGetconf(String output) {
        long l1 = 0;
        long l2 = 0;
        long l3 = 0;
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            // Only the cache lines matter; others hold paths, or numbers beyond a long (ULONG_MAX).
            if (parts.length != 2 || !parts[0].startsWith("LEVEL") || !parts[1].matches("\\d{1,15}")) {
                continue;
            }
            long value = Long.parseLong(parts[1]);
            switch (parts[0]) {
                case "LEVEL1_DCACHE_SIZE" -> l1 = value;
                case "LEVEL2_CACHE_SIZE" -> l2 = value;
                case "LEVEL3_CACHE_SIZE" -> l3 = value;
                default -> { }
            }
        }
        return l1 > 0 && l2 > 0 ? new CacheSizes(l1, l2, l3, "getconf") : null;
    }

    /** e.g. {@code L1d 48 KiB, L2 1024 KiB, L3 32 MiB (sysfs)}. */
    String summary() {
        return "L1d " + (l1 >> 10) + " KiB, L2 " + (l2 >> 10) + " KiB"
                + (l3 > 0 ? ", L3 " + (l3 >> 20) + " MiB" : "") + " (" + source + ")";
    }
}
