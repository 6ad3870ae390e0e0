package dev.nabla.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.Probe;
import dev.nabla.kernels.KernelNames;
import dev.nabla.testing.ChildJvm;
import dev.nabla.testing.ProbedDevice;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, selection, program build and the no-platform path; needs an OpenCL platform (PoCL in CI). */
class OpenClProviderTest {

    private static Probe probe;

    @BeforeAll
    static void requireOpenCl() {
        probe = new OpenClProvider().probe();
        ProbedDevice.assumeAvailable("opencl", "OpenCL", probe); // fails instead where NABLA_REQUIRE names opencl
    }

    @Test
    void listsDevicesGpusFirstAndNamesThem() {
        List<DeviceInfo> devices = probe.devices();
        for (int i = 0; i < devices.size(); i++) {
            DeviceInfo info = devices.get(i);
            assertEquals("opencl", info.backend());
            assertEquals(i, info.index());
            assertFalse(info.name().isBlank());
            assertTrue(info.description().contains("compute units"), info.description());
            if (i > 0 && info.kind() == DeviceInfo.Kind.GPU) {
                assertEquals(DeviceInfo.Kind.GPU, devices.get(i - 1).kind(), "GPUs come first");
            }
        }
    }

    @Test
    void pocLsCpuDeviceIsACpuSoAutoPassesItOver() {
        boolean onlyCpus = probe.devices().stream().allMatch(d -> d.kind() == DeviceInfo.Kind.CPU);
        Assumptions.assumeTrue(onlyCpus, "this machine has an OpenCL GPU or accelerator");
        assertNotEquals("opencl", Device.auto().info().backend(), Device.autoExplanation());
        assertTrue(Device.autoExplanation().contains("opencl: no GPU device"), Device.autoExplanation());
    }

    @Test
    void theProgramHoldsExactlyTheKernelsKernelNamesLists() {
        OpenClBackend backend = (OpenClBackend) Device.of("opencl:0").backend();
        assertEquals(new TreeSet<>(KernelNames.all()), new TreeSet<>(backend.kernelNames()));
    }

    @Test
    void aBrokenKernelFailsWithTheDeviceNameAndTheBuildLog() {
        List<OpenClDevices.Found> found = OpenClDevices.discover();
        OpenClDevices.Found first = found.getFirst();
        var context = org.jocl.CL.clCreateContext(null, 1, new org.jocl.cl_device_id[] {first.device()}, null, null,
                null);
        try {
            var e = assertThrows(KernelBuildException.class, () -> OpenClKernels.build(context, first.device(),
                    first.label(), "__kernel void broken(__global float* x) { x[0] = undefined_name; }", ""));
            assertTrue(e.getMessage().contains(first.label()), e.getMessage());
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
            assertTrue(e.buildLog().contains("undefined_name"), e.buildLog());
        } finally {
            org.jocl.CL.clReleaseContext(context);
        }
    }

    @Test
    void selectionByIndexOrNamePartNarrowsToOneDevice() {
        List<OpenClDevices.Found> all = List.of(
                new OpenClDevices.Found(null, null, "NVIDIA CUDA", "NVIDIA H100", DeviceInfo.Kind.GPU, ""),
                new OpenClDevices.Found(null, null, "Portable Computing Language", "pthread-zen4", DeviceInfo.Kind.CPU, ""));
        assertEquals(all, OpenClDevices.select(all, null));
        assertEquals(all, OpenClDevices.select(all, " "));
        assertEquals(List.of(all.get(1)), OpenClDevices.select(all, "1"));
        assertEquals(List.of(all.get(1)), OpenClDevices.select(all, "portable"));
        assertEquals(List.of(all.get(0)), OpenClDevices.select(all, "h100"));
        var e = assertThrows(IllegalArgumentException.class, () -> OpenClDevices.select(all, "7"));
        assertTrue(e.getMessage().contains("NABLA_OPENCL_DEVICE=7 matches no OpenCL device"), e.getMessage());
        assertTrue(e.getMessage().contains("1: Portable Computing Language / pthread-zen4"), e.getMessage());
    }

    @Test
    void indexOutOfRangeNamesTheValidDevices() {
        var e = assertThrows(IllegalArgumentException.class, () -> new OpenClProvider().open(probe.devices().size()));
        assertTrue(e.getMessage().contains("no such device"), e.getMessage());
    }

    /**
     * With the ICD loader pointed at an empty vendor folder there is no platform: the probe
     * reports why instead of throwing. Runs in a child JVM because JOCL's state is per process.
     */
    @Test
    void withoutAPlatformTheProbeGivesAReason(@TempDir Path emptyVendors) throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("OCL_ICD_VENDORS", emptyVendors.toString() + File.separator);
        environment.put("OPENCL_VENDOR_PATH", null);
        ChildJvm.Result result = ChildJvm.run(ProbeMain.class, List.of(), environment, List.of(), Duration.ofSeconds(60));
        String output = result.output();
        assertEquals(0, result.exitStatus(), result.describeExit() + ": " + output);
        assertTrue(output.contains("available=false"), output);
        assertTrue(output.contains("no OpenCL platform installed"), output);
        assertTrue(Files.isDirectory(emptyVendors));
    }
}
