package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The probe on this machine (whatever it has), and the reasons it gives, without a GPU. */
class CudaProviderTest {

    @SuppressWarnings("restricted")
    private static boolean libcudaLoads() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void probeNeverThrowsAndGivesOneLine() {
        CudaProvider provider = new CudaProvider();
        assertEquals("cuda", provider.name());
        assertEquals(10, provider.priority());
        Probe probe = provider.probe();
        if (probe.isAvailable()) {
            for (DeviceInfo info : probe.devices()) {
                assertEquals(DeviceInfo.Kind.GPU, info.kind());
                assertTrue(info.description().contains("kernels: "), info.description());
                assertTrue(info.description().contains("GEMM: "), info.description());
            }
        } else {
            assertFalse(probe.reason().isBlank());
            assertEquals(1, probe.reason().lines().count(), probe.reason());
        }
    }

    @Test
    void withoutLibcudaTheReasonSaysSoAndAutoFallsBack() {
        Assumptions.assumeFalse(libcudaLoads(), "this machine has an NVIDIA driver");
        Probe probe = new CudaProvider().probe();
        assertFalse(probe.isAvailable());
        assertEquals("no NVIDIA driver: libcuda.so.1 is not installed (it comes with the NVIDIA driver, not with "
                + "the CUDA toolkit or PyTorch)", probe.reason());
        assertNotEquals("cuda", Device.auto().info().backend());
        assertTrue(Device.autoExplanation().contains("cuda: unavailable, no NVIDIA driver"), Device.autoExplanation());
        var e = assertThrows(IllegalArgumentException.class, () -> new CudaProvider().open(0));
        assertTrue(e.getMessage().startsWith("cuda:0: CUDA is unavailable: no NVIDIA driver"), e.getMessage());
    }

    @Test
    void tooNewPtxForTheDriverWithoutNvrtcIsExplained() {
        var plan = new KernelModules.Plan(Optional.empty(), Optional.of("9.0"),
                "libnvrtc.so.12 is not installed (or not on the loader's path)");
        String reason = plan.unavailableReason(new DriverCheck.Driver(12040, "550.54.15")).orElseThrow();
        assertTrue(reason.startsWith("the driver 550.54.15 (CUDA 12.4) cannot JIT-compile PTX ISA 9.0 (it needs a driver "
                + "for CUDA 13.0), and NVRTC cannot be used (libnvrtc.so.12 is not installed"), reason);
        assertEquals(Optional.empty(), plan.unavailableReason(new DriverCheck.Driver(13000, "580.65.06")));
        var withNvrtc = new KernelModules.Plan(Optional.of("12.6"), Optional.of("9.0"), "");
        assertEquals(Optional.empty(), withNvrtc.unavailableReason(new DriverCheck.Driver(12040, "")));
        var nothing = new KernelModules.Plan(Optional.empty(), Optional.empty(), "libnvrtc.so.12 is not installed");
        assertTrue(nothing.unavailableReason(new DriverCheck.Driver(13000, "")).orElseThrow()
                .startsWith("no kernel code: this build carries no PTX"));
    }

    @Test
    void aPtxIsaNewerThanAnyKnownNeedsANewerDriver() {
        var plan = new KernelModules.Plan(Optional.empty(), Optional.of("9.9"), "libnvrtc.so.12 is not installed");
        String reason = plan.unavailableReason(new DriverCheck.Driver(13010, "590.1")).orElseThrow();
        assertTrue(reason.startsWith("the driver 590.1 (CUDA 13.1) cannot JIT-compile PTX ISA 9.9 (newer than any this "
                + "build knows; it needs a driver newer than CUDA 13.1)"), reason);
        // A driver newer than every known one may JIT it: let it try (a failure names the JIT log).
        assertEquals(Optional.empty(), plan.unavailableReason(new DriverCheck.Driver(13020, "")));
        // An older unknown ISA (an older nvcc) loads on any CUDA 12 driver.
        var old = new KernelModules.Plan(Optional.empty(), Optional.of("7.8"), "");
        assertEquals(Optional.empty(), old.unavailableReason(new DriverCheck.Driver(12000, "")));
        assertTrue(KernelModules.newerThanKnown("10.0"));
        assertTrue(KernelModules.newerThanKnown("9.2"));
        assertFalse(KernelModules.newerThanKnown("9.1"));
        assertFalse(KernelModules.newerThanKnown("7.8"));
        assertFalse(KernelModules.newerThanKnown("?"));
    }

    @Test
    void theJitLogsJoinTheLoadFailure() {
        assertEquals("; JIT error log: ptxas fatal: Unsupported .version 9.9; JIT info log: info",
                KernelModules.jitLogText("ptxas fatal: Unsupported .version 9.9\n", " info "));
        assertEquals("", KernelModules.jitLogText("", null));
    }

    @Test
    void describesTheDriver() {
        assertEquals("580.65.06", DriverCheck.parseRelease(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 06:54:38 UTC 2025\n"
                        + "GCC version:  gcc version 12.3.0\n"));
        assertEquals("550.54.15", DriverCheck.parseRelease(
                "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build\n"));
        assertEquals("", DriverCheck.parseRelease("garbage"));
        assertEquals("driver 580.65.06 (CUDA 13.0)", new DriverCheck.Driver(13000, "580.65.06").describe());
        assertEquals("driver for CUDA 12.4", new DriverCheck.Driver(12040, "").describe());
    }
}
