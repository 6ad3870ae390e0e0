/**
 * The OpenCL backend: Nabla's primitives as kernels from the {@code nabla-kernels} module,
 * compiled as OpenCL C and run through JOCL on any OpenCL 1.2+ device (GPUs, and PoCL on the CPU,
 * which is how CI runs the conformance suite without a GPU).
 *
 * <p>Layout: {@link dev.nabla.opencl.OpenClProvider} discovers platforms and devices and never
 * throws; {@link dev.nabla.opencl.OpenClBackend} owns one context, one in-order command queue and
 * one program per device; {@link dev.nabla.opencl.OpenClAllocator} is the caching allocator;
 * {@link dev.nabla.opencl.OpenClKernels} sets arguments and launches; one class per op family
 * ({@code Elementwise}, {@code Reductions}, {@code Gemm}, {@code SoftmaxCrossEntropy},
 * {@code Optimizers}, {@code Random}, {@code Indexing}) maps SPI calls onto kernels.
 *
 * <p>Invariants: every command goes to the device's single in-order queue, so a block freed and
 * reused is never written before earlier commands that read it have run; host transfers are
 * blocking (Java arrays may move, so the driver must be done with them before the call returns);
 * JOCL's exceptions are enabled, and failures surface as exceptions naming the call and device.
 */
package dev.nabla.opencl;
