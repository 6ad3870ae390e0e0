package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.TestDevices;
import dev.nabla.testing.ProbedDevice;

/**
 * {@code opencl:0} opened a second time with its GEMMs forced onto Nabla's kernel, as
 * {@code NABLA_OPENCL_GEMM=kernel} would: the suites run through both GEMM paths in one build.
 * One per JVM; skips (or fails, where OpenCL is required) like {@link ProbedDevice#orSkip}.
 */
final class KernelGemmDevice {

    private static Device device;

    private KernelGemmDevice() {
    }

    static synchronized Device orSkip() {
        Device base = ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
        if (device == null) {
            OpenClBackend backend = new OpenClProvider().openWithGemm(0,
                    new GemmPaths.Plan(GemmPaths.Kind.KERNEL, "forced by the test"));
            device = TestDevices.over(base, backend, "GEMM kernel");
        }
        return device;
    }
}
