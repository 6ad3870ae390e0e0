package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code nabla bench --cpu-isa}: the JVM flags of the fork and the OpenBLAS core the contenders are pinned to. */
class CpuIsaTest {

    @Test
    void parsesTheIsaNamesAndRefusesOthers() {
        assertEquals(CpuIsa.AVX2, CpuIsa.parse("AVX2"));
        assertEquals(List.of("-XX:UseAVX=0"), CpuIsa.parse("sse").jvmFlags());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuIsa.parse("neon"));
        assertTrue(e.getMessage().contains("avx512, avx2, avx, sse"), e.getMessage());
    }

    @Test
    void theForkRunsTheSameCommandWithTheIsaFlags() {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "--cpu-isa is x86-64 only; this is " + arch);
        List<String> command = CpuIsa.SSE.forkCommand("dev.nabla.cli.Main", List.of("bench", "--cpu-isa", "sse"));
        int main = command.indexOf("dev.nabla.cli.Main");
        assertTrue(command.subList(0, main).contains("-XX:UseAVX=0"), command.toString());
        assertTrue(command.contains("-D" + CpuIsa.PROPERTY + "=sse"), command.toString());
        assertEquals(List.of("bench", "--cpu-isa", "sse"), command.subList(main + 1, command.size()));
    }

    @Test
    void openBlasIsPinnedToTheMatchingCore() {
        Map<String, String> env = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell", "OPENBLAS_L2_SIZE", "512"));
        PythonContender.prepareEnvironment(env, 2, false, Optional.of(CpuIsa.SSE));
        assertEquals("Nehalem", env.get("OPENBLAS_CORETYPE"));
        assertFalse(env.containsKey("OPENBLAS_L2_SIZE"));

        Map<String, String> avx512 = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell"));
        PythonContender.prepareEnvironment(avx512, 2, true, Optional.of(CpuIsa.AVX512));
        assertFalse(avx512.containsKey("OPENBLAS_CORETYPE"), "AVX-512: OpenBLAS's own choice, even with --keep-blas-env");

        Map<String, String> avx2 = new HashMap<>();
        PythonContender.prepareEnvironment(avx2, 2, false, Optional.of(CpuIsa.AVX2));
        assertEquals("Haswell", avx2.get("OPENBLAS_CORETYPE"));
        assertTrue(PythonContender.blasEnvironmentNote(Map.of(), false, Optional.of(CpuIsa.AVX2)).orElseThrow()
                .startsWith("OPENBLAS_CORETYPE=Haswell (the avx2 kernels)"));
        String note = PythonContender.blasEnvironmentNote(Map.of("OPENBLAS_CORETYPE", "Haswell", "OPENBLAS_L2_SIZE",
                "512"), false, Optional.of(CpuIsa.SSE)).orElseThrow();
        assertTrue(note.startsWith("OPENBLAS_CORETYPE=Nehalem") && note.contains("removed OPENBLAS_L2_SIZE=512")
                && !note.contains("Haswell"), note);
    }
}
