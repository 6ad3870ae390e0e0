/**
 * The CUDA backend: Nabla's primitives as kernels from the {@code nabla-kernels} module, compiled
 * as CUDA C (by NVRTC at run time, or by nvcc at build time into packed PTX), launched through
 * JCuda's driver API; GEMM through cuBLAS 12 (JCublas2) or cuBLAS 13 ({@code java.lang.foreign}),
 * else the shared GEMM kernel.
 *
 * <p>Layout: {@link dev.nabla.cuda.CudaProvider} discovers devices and never throws
 * ({@code DriverCheck} looks at libcuda before JCuda does); {@link dev.nabla.cuda.CudaBackend}
 * owns a device's primary context and single stream ({@code CudaContext}); {@code KernelModules}
 * chooses NVRTC or PTX; {@code GemmPaths} chooses the cuBLAS binding and {@code Gemm} routes to
 * it; {@code PinnedStaging} does transfers; {@code CudaKernels} launches. The compute primitives,
 * the caching allocator and the storage class are shared with OpenCL in
 * {@code dev.nabla.kernels.host} ({@code KernelBackend}, {@code CachingAllocator},
 * {@code DeviceStorage}, whose handle here is a {@code DeviceBlock}).
 *
 * <p>Invariants: every command goes to the device's one stream, so a block freed and reused is
 * never written before earlier commands that read it have run; the context is made current on
 * every thread that calls in; every driver, NVRTC and cuBLAS status is checked, and failures are
 * {@link dev.nabla.cuda.CudaException}s naming the call (and, for asynchronous faults, the last
 * kernel launched).
 */
package dev.nabla.cuda;
