package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel shapes and block sizes from registers and caches; where the cache sizes are read from. */
class CpuFeaturesTest {

    @Test
    void registersFollowTheJvmsIsaFlag() {
        assertEquals(32, CpuFeatures.registers(false, Optional.of(3), 512));
        assertEquals(32, CpuFeatures.registers(false, Optional.of(3), 256), "AVX-512VL at 256 bits keeps 32");
        assertEquals(16, CpuFeatures.registers(false, Optional.of(2), 256));
        assertEquals(16, CpuFeatures.registers(false, Optional.of(0), 128));
        assertEquals(32, CpuFeatures.registers(true, Optional.empty(), 128), "AArch64 has 32 vector registers");
    }

    @Test
    void kernelShapeFitsTheRegisters() {
        assertEquals(KernelShape.R8_V2, KernelShape.choose(16, 32));
        assertEquals(KernelShape.R8_V2, KernelShape.choose(8, 32));
        assertEquals(KernelShape.R4_V2, KernelShape.choose(8, 16));
        assertEquals(KernelShape.R4_V2, KernelShape.choose(4, 16));
        assertEquals(KernelShape.R8_V3, KernelShape.choose(4, 32));
        for (KernelShape shape : KernelShape.values()) {
            // accumulators + B vectors + one broadcast + one product without FMA
            int needed = shape.rows * shape.vectors + shape.vectors + 2;
            int registers = shape == KernelShape.R4_V2 ? 16 : 32;
            assertTrue(needed <= registers, shape + " needs " + needed + " registers");
        }
    }

    @Test
    void blockSizesComeFromTheCaches() {
        CacheSizes laptop = new CacheSizes(48 << 10, 1 << 20, 0, "test");
        assertEquals(new Gemm.Blocking(256, 200, 512, Gemm.ROW_MAJOR_TILES), KernelShape.R8_V2.blocking(16, laptop));
        assertEquals(new Gemm.Blocking(512, 100, 256, Gemm.ROW_MAJOR_TILES), KernelShape.R4_V2.blocking(8, laptop));
        // A 32 KiB L1 and 256 KiB L2 (older cores): smaller blocks, still whole tiles.
        Gemm.Blocking small = KernelShape.R4_V2.blocking(8, new CacheSizes(32 << 10, 256 << 10, 0, "test"));
        assertEquals(336, small.kc());
        assertEquals(0, small.mc() % 4);
        assertEquals(0, small.nc() % 16);
        assertTrue(small.mc() >= 16 && small.nc() >= 128, small.toString());
        // With an L3, op(B)'s block lives there: a quarter of it, at most 4096 columns.
        CacheSizes zen4 = new CacheSizes(32 << 10, 1 << 20, 32 << 20, "test");
        assertEquals(new Gemm.Blocking(336, 128, 4096, Gemm.ROW_MAJOR_TILES), KernelShape.R4_V2.blocking(8, zen4));
        assertEquals(new Gemm.Blocking(168, 256, 4096, Gemm.ROW_MAJOR_TILES), KernelShape.R8_V2.blocking(16, zen4));
        // A 4 MiB L3: a 1 MiB block of B, KC 512 × NC 512.
        assertEquals(new Gemm.Blocking(512, 100, 512, Gemm.ROW_MAJOR_TILES),
                KernelShape.R4_V2.blocking(8, new CacheSizes(48 << 10, 1 << 20, 4 << 20, "test")));
    }

    @Test
    void cacheSizesFromSysfs(@TempDir Path folder) throws IOException {
        write(folder.resolve("index0"), "1", "Data", "48K");
        write(folder.resolve("index1"), "1", "Instruction", "32K");
        write(folder.resolve("index2"), "2", "Unified", "2048K");
        write(folder.resolve("index3"), "3", "Unified", "32M");
        CacheSizes sizes = CacheSizes.fromSysfs(folder);
        assertEquals(new CacheSizes(48 << 10, 2 << 20, 32 << 20, "sysfs"), sizes);
        assertNull(CacheSizes.fromSysfs(folder.resolve("missing")));
    }

    @Test
    void cacheSizesFromGetconf() {
        String output = "LEVEL1_ICACHE_SIZE                 32768\nLEVEL1_DCACHE_SIZE                 49152\n"
                + "LEVEL1_DCACHE_ASSOC                \nLEVEL2_CACHE_SIZE                  1048576\n"
                + "LEVEL3_CACHE_SIZE                  33554432\nULONG_MAX                          18446744073709551615\n"
                + "PATH                               /bin:/usr/bin\n";
        assertEquals(new CacheSizes(49152, 1 << 20, 32 << 20, "getconf"), CacheSizes.fromGetconf(output));
        assertNull(CacheSizes.fromGetconf("PATH /bin\n"));
        assertEquals(3L << 20, CacheSizes.parseSize("3M\n"));
    }

    private static void write(Path index, String level, String type, String size) throws IOException {
        Files.createDirectories(index);
        Files.writeString(index.resolve("level"), level + "\n");
        Files.writeString(index.resolve("type"), type + "\n");
        Files.writeString(index.resolve("size"), size + "\n");
    }
}
