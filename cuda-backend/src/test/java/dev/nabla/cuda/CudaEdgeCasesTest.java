package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.backend.Probe;
import dev.nabla.conformance.BackendEdgeCasesTest;
import org.junit.jupiter.api.Assumptions;

/**
 * The SPI edge cases on a CUDA device ({@code cuda:0}, or {@code -Dnabla.cuda.device=N}); each
 * test skips with the provider's reason where there is none (see {@link CudaConformanceTest}).
 */
class CudaEdgeCasesTest extends BackendEdgeCasesTest {

    private static final int DEVICE = Integer.getInteger("nabla.cuda.device", 0);
    private static final Probe PROBE = new CudaProvider().probe();

    @Override
    protected Device device() {
        Assumptions.assumeTrue(PROBE.isAvailable(), () -> "no CUDA device: " + PROBE.reason());
        Assumptions.assumeTrue(DEVICE < PROBE.devices().size(),
                () -> "cuda:" + DEVICE + " does not exist (" + PROBE.devices().size() + " CUDA devices)");
        return Device.of("cuda:" + DEVICE);
    }
}
