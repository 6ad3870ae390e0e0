package dev.nabla.kernels.host;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The host-side guard for the kernels' int indexing, and the epilogue's launch geometry; no device. */
class IndexLimitsTest {

    private record FakeStorage(DType dtype, long numel) implements Storage {
    }

    /** Records launches: name and geometry. */
    private static final class Recorder implements KernelLauncher {
        final List<String> launches = new ArrayList<>();

        @Override
        public void launchItems(String name, long items, Object... args) {
            launches.add(name + " items " + items);
        }

        @Override
        public void launchGroups(String name, long groups, Object... args) {
            launches.add(name + " groups " + groups);
        }

        @Override
        public void launchGrid(String name, long groupsX, long groupsY, int localX, int localY, Object... args) {
            launches.add(name + " grid " + groupsX + "x" + groupsY);
        }
    }

    @Test
    void countsUpToTheLimitPassAndAboveItThrowNamingOpShapeAndLimit() {
        assertDoesNotThrow(() -> IndexLimits.elements("softmax", 1, Integer.MAX_VALUE, 1));
        assertDoesNotThrow(() -> IndexLimits.elements("softmax", 0, Long.MAX_VALUE));
        var e = assertThrows(IllegalArgumentException.class, () -> IndexLimits.elements("softmax", 65_536, 32_768, 1));
        assertEquals("softmax: shape [65536, 32768, 1] has 2147483648 elements, more than the GPU kernels' int "
                + "index limit of 2147483647 (2^31 - 1); split the tensor or use the CPU backend", e.getMessage());
        var overflow = assertThrows(IllegalArgumentException.class,
                () -> IndexLimits.elements("gather", Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertTrue(overflow.getMessage().contains("more than 9223372036854775807 elements"), overflow.getMessage());
    }

    @Test
    void aLayoutWhoseLargestIndexExceedsTheLimitThrows() {
        assertDoesNotThrow(() -> IndexLimits.layout("exp", new Layout(new int[] {1000, 1000}, new int[] {1000, 1}, 0)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> IndexLimits.layout("exp", new Layout(new int[] {3, 1000}, new int[] {1_100_000_000, 1}, 0)));
        assertTrue(e.getMessage().startsWith("exp: shape [3, 1000] with strides [1100000000, 1] and offset 0 reaches "
                + "element 2200000999"), e.getMessage());
    }

    @Test
    void aGemmWhoseOperandsExceedTheLimitThrows() {
        Storage s = new FakeStorage(DType.F32, 1);
        assertDoesNotThrow(() -> IndexLimits.gemm(new GemmSpec(false, false, 1024, 1024, 1024, s, 0, 1024, s, 0, 1024,
                s, Optional.empty(), Activation.NONE)));
        var c = assertThrows(IllegalArgumentException.class, () -> IndexLimits.gemm(new GemmSpec(false, false,
                65_536, 65_536, 1, s, 0, 1, s, 0, 65_536, s, Optional.empty(), Activation.NONE)));
        assertTrue(c.getMessage().startsWith("gemm C: shape [65536, 65536]"), c.getMessage());
        var a = assertThrows(IllegalArgumentException.class, () -> IndexLimits.gemm(new GemmSpec(false, false,
                1_000_000, 1, 4000, s, 0, 4000, s, 0, 1, s, Optional.empty(), Activation.NONE)));
        assertTrue(a.getMessage().startsWith("gemm A: m=1000000, k=4000, lda=4000"), a.getMessage());
    }

    @Test
    void theGuardedLauncherRejectsGlobalSizesAboveTheLimitBeforeLaunching() {
        Recorder recorder = new Recorder();
        KernelLauncher guarded = IndexLimits.guard(recorder);
        guarded.launchItems("fill_f32", 1000);
        var e = assertThrows(IllegalArgumentException.class, () -> guarded.launchItems("fill_f32", 3_000_000_000L));
        assertTrue(e.getMessage().startsWith("fill_f32: 3000000000 work-items"), e.getMessage());
        // Within the limit, but rounded up to whole groups it is not: GLOBAL_ID would wrap.
        assertThrows(IllegalArgumentException.class, () -> guarded.launchItems("fill_f32", Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> guarded.launchGrid("gemm_nn", 40_000_000, 1, 64, 1));
        assertEquals(List.of("fill_f32 items 1000"), recorder.launches);
    }

    @Test
    void theEpilogueRunsOnTheGemmKernelBelowCudasGridYLimitAndElementWiseAboveIt() {
        Storage c = new FakeStorage(DType.F32, 1);
        Storage bias = new FakeStorage(DType.F32, 1);
        Recorder small = new Recorder();
        GemmKernel.biasAndActivation(small, 1000, 8, c, Optional.of(bias), Activation.RELU);
        assertEquals(List.of(KernelNames.gemm(false, false) + " grid 1x16"), small.launches);

        // 65535 row tiles of 64 is the most grid y takes; one row more must not use it.
        int rows = GemmKernel.MAX_GRID_Y * 64 + 1;
        Recorder large = new Recorder();
        GemmKernel.biasAndActivation(large, rows, 4, c, Optional.of(bias), Activation.RELU);
        assertEquals(2, large.launches.size(), large.launches.toString());
        for (String launch : large.launches) {
            assertTrue(launch.endsWith(" items " + (long) rows * 4), launch);
            assertTrue(!launch.contains(" grid "), launch);
        }
        Recorder biasOnly = new Recorder();
        GemmKernel.biasAndActivation(biasOnly, rows, 4, c, Optional.of(bias), Activation.NONE);
        assertEquals(1, biasOnly.launches.size());
        Recorder boundary = new Recorder();
        GemmKernel.biasAndActivation(boundary, GemmKernel.MAX_GRID_Y * 64, 4, c, Optional.empty(), Activation.RELU);
        assertEquals(List.of(KernelNames.gemm(false, false) + " grid 1x65535"), boundary.launches);
    }
}
