package dev.nabla.opencl;

import dev.nabla.Device;
import dev.nabla.fuzz.BackendFuzzProperties;
import dev.nabla.testing.ProbedDevice;

/**
 * Random programs of tensor operations on {@code opencl:0} (PoCL here) against the reference
 * (values, gradients, errors); skips with the provider's reason where there is no OpenCL device.
 */
class OpenClFuzzTest extends BackendFuzzProperties {

    @Override
    protected Device device() {
        return ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
    }

    /** About 15 s on PoCL on the 2-core build machine (400 programs took 25 s): every launch is a queued kernel. */
    @Override
    protected int defaultTries() {
        return 250;
    }
}
