/**
 * The OpenCL backend: Nabla's primitives as kernels from the {@code nabla-kernels} module,
 * compiled as OpenCL C and run through JOCL on any OpenCL 1.2+ device (GPUs, and PoCL on the CPU,
 * which is how CI runs the conformance suite without a GPU).
 *
 * <p>Layout: {@link dev.nabla.opencl.OpenClProvider} discovers platforms and devices and never
 * throws; {@link dev.nabla.opencl.OpenClBackend} owns one context, one in-order command queue and
 * one program per device, and does host transfers and buffer copies; {@code OpenClKernels} sets
 * arguments and launches; {@code GemmPaths} chooses CLBlast ({@code ClBlast}, through JOCLBlast) or
 * the shared GEMM kernel, and {@code Gemm} routes each GEMM to it. The compute primitives, the
 * caching allocator and the storage class are
 * shared with CUDA in {@code dev.nabla.kernels.host} ({@code KernelBackend},
 * {@code CachingAllocator}, {@code DeviceStorage}).
 *
 * <p>Invariants: every command goes to the device's single in-order queue, so a block freed and
 * reused is never written before earlier commands that read it have run; host transfers are
 * blocking (Java arrays may move, so the driver must be done with them before the call returns);
 * JOCL's exceptions are enabled, and failures surface as exceptions naming the call and device;
 * CLBlast queues its kernels on the same queue, so its GEMMs are ordered with Nabla's kernels.
 */
package dev.nabla.opencl;
