package dev.nabla.kernels;

/** The languages a kernel source is assembled for; each has its own prelude. */
public enum Dialect {
    /** OpenCL C 1.2, for {@code clCreateProgramWithSource}. */
    OPENCL("prelude_opencl.h"),
    /** CUDA C++, for {@code nvcc} or NVRTC; kernels are {@code extern "C"} so names stay plain. */
    CUDA("prelude_cuda.h");

    private final String prelude;

    Dialect(String prelude) {
        this.prelude = prelude;
    }

    /** Resource name of the prelude that maps the dialect's macros onto this language. */
    public String prelude() {
        return prelude;
    }
}
