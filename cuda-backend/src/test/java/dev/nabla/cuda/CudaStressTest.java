package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.conformance.DeviceStressTest;
import dev.nabla.testing.ProbedDevice;

/**
 * The paths a first GPU run must exercise and the conformance cases do not: copies of more than
 * five million elements through the 4 MiB pinned slots (multi-piece copies and slot waits),
 * copies from a platform thread and a virtual thread while the test's thread launches kernels
 * (context binding on other OS threads), 2048² GEMMs in every transposition (cuBLAS's mapping at
 * scale), and an epoch of training against the CPU backend. Skips with the provider's reason
 * where there is no CUDA device, fails with it under {@code NABLA_REQUIRE=cuda}.
 */
class CudaStressTest extends DeviceStressTest {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }
}
