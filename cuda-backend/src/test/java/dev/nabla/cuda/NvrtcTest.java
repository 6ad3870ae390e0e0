package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import jcuda.nvrtc.nvrtcResult;
import org.junit.jupiter.api.Test;

/** NVRTC's target choice, option strings and failure messages, without NVRTC or a GPU. */
class NvrtcTest {

    /** nvrtcGetSupportedArchs of NVRTC 12.6 and 12.8. */
    private static final int[] NVRTC_12_6 = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};
    private static final int[] NVRTC_12_8 = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 101, 120};

    @Test
    void machineCodeForAKnownArchitecturePtxForTheNewestBelowOtherwise() {
        var h100 = KernelModules.nvrtcTarget(90, NVRTC_12_6);
        assertEquals(new KernelModules.NvrtcTarget(90, true), h100);
        assertEquals("--gpu-architecture=sm_90", h100.option());
        assertEquals("--gpu-architecture=sm_80", KernelModules.nvrtcTarget(80, NVRTC_12_6).option());
        assertEquals("--gpu-architecture=sm_86", KernelModules.nvrtcTarget(86, NVRTC_12_6).option());
        // Blackwell (10.0) and 12.0 are unknown to NVRTC 12.6: PTX for compute_90, JIT-compiled by the driver.
        var b200 = KernelModules.nvrtcTarget(100, NVRTC_12_6);
        assertEquals(new KernelModules.NvrtcTarget(90, false), b200);
        assertEquals("--gpu-architecture=compute_90", b200.option());
        assertEquals("--gpu-architecture=compute_90", KernelModules.nvrtcTarget(120, NVRTC_12_6).option());
        assertEquals("--gpu-architecture=sm_100", KernelModules.nvrtcTarget(100, NVRTC_12_8).option());
        assertEquals("--gpu-architecture=sm_120", KernelModules.nvrtcTarget(120, NVRTC_12_8).option());
        // 10.3 is not listed by 12.8: the newest below, 10.1, as PTX.
        assertEquals("--gpu-architecture=compute_101", KernelModules.nvrtcTarget(103, NVRTC_12_8).option());
        var e = assertThrows(IllegalStateException.class, () -> KernelModules.nvrtcTarget(35, NVRTC_12_6));
        assertTrue(e.getMessage().startsWith("NVRTC supports no architecture at or below sm_35"), e.getMessage());
        assertEquals("machine code for sm_90", h100.describe());
        assertEquals("PTX for compute_90, JIT-compiled by the driver", b200.describe());
    }

    @Test
    void aMissingBuiltinsLibraryIsOneLineNamingIt() {
        assertEquals("libnvrtc-builtins.so.12.6", NvrtcLibrary.builtinsSoname(12, 6));
        String log = "nvrtc: error: failed to open libnvrtc-builtins.so.12.6.\n"
                + "  Make sure that libnvrtc-builtins.so.12.6 is installed correctly.\n";
        String message = KernelModules.nvrtcFailure("nvrtcCompileProgram(--gpu-architecture=sm_90)",
                nvrtcResult.NVRTC_ERROR_BUILTIN_OPERATION_FAILURE, log);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith("nvrtcCompileProgram(--gpu-architecture=sm_90) failed: "
                + "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE (7)"), message);
        assertTrue(message.contains("(nvrtc: error: failed to open libnvrtc-builtins.so.12.6.)"), message);

        String probe = NvrtcLibrary.builtinsMissing("libnvrtc-builtins.so.12.6", "12.6",
                Optional.of(Path.of("/venv/nvidia/cuda_nvrtc/lib/libnvrtc.so.12")));
        assertEquals(1, probe.lines().count());
        assertEquals("NVRTC 12.6 loads (/venv/nvidia/cuda_nvrtc/lib/libnvrtc.so.12) but libnvrtc-builtins.so.12.6, "
                + "which it needs to compile, is not installed beside it (it comes with libnvrtc, e.g. pip's "
                + "nvidia-cuda-nvrtc-cu12)", probe);
        // As the probe's reason when the packed PTX is too new for the driver:
        var plan = new KernelModules.Plan(Optional.empty(), Optional.of("9.0"), probe);
        String reason = plan.unavailableReason(new DriverCheck.Driver(12040, "550.54.15")).orElseThrow();
        assertEquals(1, reason.lines().count());
        assertTrue(reason.contains("NVRTC cannot be used (NVRTC 12.6 loads"), reason);
    }

    @Test
    void aCompileErrorKeepsTheLog() {
        String message = KernelModules.nvrtcFailure("nvrtcCompileProgram(--gpu-architecture=sm_90)",
                nvrtcResult.NVRTC_ERROR_COMPILATION, "nabla_kernels.cu(12): error: identifier \"x\" is undefined\n\n1 error\n");
        assertTrue(message.startsWith("nvrtcCompileProgram(--gpu-architecture=sm_90) failed: NVRTC_ERROR_COMPILATION (6); "
                + "log:\nnabla_kernels.cu(12): error"), message);
        assertFalse(KernelModules.nvrtcFailure("nvrtcGetPTX", 4, null).contains("log"));
    }

    @Test
    void findsWhereALibraryWasLoadedFrom() {
        String maps = "7f1c2a000000-7f1c2a100000 r--p 00000000 08:01 1234  /usr/lib/x86_64-linux-gnu/libc.so.6\n"
                + "7f1c2b000000-7f1c2b800000 r-xp 00000000 08:01 5678  /opt/venv/lib/python3.12/site-packages/nvidia/"
                + "cuda_nvrtc/lib/libnvrtc.so.12\n"
                + "7f1c2c000000-7f1c2c001000 rw-p 00000000 00:00 0 \n"
                + "7ffd1000000-7ffd1021000 rw-p 00000000 00:00 0  [stack]\n";
        assertEquals(Optional.of(Path.of("/opt/venv/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12")),
                NativeLibraries.mappedLibrary(maps, "libnvrtc.so"));
        assertEquals(Optional.empty(), NativeLibraries.mappedLibrary(maps, "libcublas.so"));
        assertEquals(Optional.empty(), NativeLibraries.mappedLibrary(
                "1-2 r-xp 0 0:0 0 /usr/lib/libnvrtc-builtins.so.12.6\n", "libnvrtc.so"));
    }
}
