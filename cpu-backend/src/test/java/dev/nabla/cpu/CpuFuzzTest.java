package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.fuzz.BackendFuzzProperties;

/** Random programs of tensor operations on the CPU backend against the reference (values, gradients, errors). */
class CpuFuzzTest extends BackendFuzzProperties {

    @Override
    protected Device device() {
        return Device.of("cpu");
    }

    /** About 8 s on the 2-core build machine (1,500 programs took 12 s). */
    @Override
    protected int defaultTries() {
        return 1_000;
    }
}
