package dev.nabla.cuda;

import dev.nabla.Device;
import dev.nabla.fuzz.BackendFuzzProperties;
import dev.nabla.testing.ProbedDevice;

/**
 * Random programs of tensor operations on a CUDA device against the reference (values, gradients,
 * errors); skips with the provider's reason where there is no CUDA device, fails with it under
 * {@code NABLA_REQUIRE=cuda}.
 */
class CudaFuzzTest extends BackendFuzzProperties {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }
}
