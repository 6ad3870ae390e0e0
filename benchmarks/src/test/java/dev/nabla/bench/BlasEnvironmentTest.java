package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code --compare} runs OpenBLAS on the CPU's own kernels unless told otherwise, and says which. */
class BlasEnvironmentTest {

    @Test
    void corePinsAreRemovedByDefaultAndKeptOnRequest() {
        Map<String, String> env = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell", "OPENBLAS_L2_SIZE", "512",
                "PATH", "/usr/bin"));
        PythonContender.prepareEnvironment(env, 2, false);
        assertFalse(env.containsKey("OPENBLAS_CORETYPE"));
        assertFalse(env.containsKey("OPENBLAS_L2_SIZE"));
        assertEquals("2", env.get("OPENBLAS_NUM_THREADS"));
        assertEquals("/usr/bin", env.get("PATH"));

        Map<String, String> kept = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell"));
        PythonContender.prepareEnvironment(kept, 2, true);
        assertEquals("Haswell", kept.get("OPENBLAS_CORETYPE"));
    }

    @Test
    void theFooterNamesWhatWasRemovedOrKept() {
        Map<String, String> env = Map.of("OPENBLAS_CORETYPE", "Haswell");
        assertEquals(Optional.of("removed OPENBLAS_CORETYPE=Haswell from the contenders' environment so OpenBLAS"
                + " runs this CPU's own kernels (--keep-blas-env keeps them)"),
                PythonContender.blasEnvironmentNote(env, false));
        assertTrue(PythonContender.blasEnvironmentNote(env, true).orElseThrow().startsWith("kept OPENBLAS_CORETYPE"));
        assertEquals(Optional.empty(), PythonContender.blasEnvironmentNote(Map.of("PATH", "/bin"), false));
    }
}
