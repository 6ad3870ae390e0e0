package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.conformance.BackendEdgeCasesTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The SPI edge cases on the first OpenCL device (PoCL in CI), against the reference backend. */
class OpenClEdgeCasesTest extends BackendEdgeCasesTest {

    @BeforeAll
    static void requireOpenCl() {
        var probe = new OpenClProvider().probe();
        Assumptions.assumeTrue(probe.isAvailable(), "no OpenCL device: " + probe.reason());
    }

    @Override
    protected Device device() {
        return Device.of("opencl:0");
    }
}
