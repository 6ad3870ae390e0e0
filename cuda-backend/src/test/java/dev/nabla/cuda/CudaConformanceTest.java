package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.conformance.BackendConformanceTest;
import dev.nabla.testing.ProbedDevice;

/**
 * The shared conformance suite on a CUDA device ({@code cuda:0}, or {@code -Dnabla.cuda.device=N}),
 * against the reference backend. Where there is none, every test skips with the provider's reason
 * (no driver, no GPU, no loadable kernels). The assumption sits in {@link #device()}, which the
 * suite calls before each test, rather than in a {@code @BeforeAll}: Surefire reports a class
 * aborted in {@code @BeforeAll} as "Tests run: 0" without the reason, each skipped test with it.
 */
class CudaConformanceTest extends BackendConformanceTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }
}
