package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.fuzz.BackendFuzzProperties;

/** Random programs of tensor operations on the CPU backend against the reference (values, gradients, errors). */
class CpuFuzzTest extends BackendFuzzProperties {

    @Override
    protected Device device() {
        return Device.of("cpu");
    }

    /** About 5 s on the 2-core build machine (2,000 programs took 5.8 s). */
    @Override
    protected int defaultTries() {
        return 1_500;
    }
}
