/**
 * Nabla's public API: {@link dev.nabla.Tensor} (an n-dimensional array with reverse-mode
 * autodiff), {@link dev.nabla.Device} (where tensors live, chosen automatically or by name),
 * {@link dev.nabla.DType}, {@link dev.nabla.Scope} (bulk release of device memory) and
 * {@link dev.nabla.Profiler} (time per backend operation, like {@code torch.profiler}).
 *
 * <p>Invariants: every operation validates shapes, dtypes and devices before it reaches a backend,
 * and its exceptions name the op, the shapes and the devices. Tensors of different devices never
 * meet in one op; {@code to(device)} moves them.
 *
 * <p>Behind {@code Tensor}, package-private: {@code Checks} (every argument check),
 * {@code Kernels} and {@code GemmDispatch} (each op's forward over the backend SPI),
 * {@code StorageHandle} (reference-counted storage and its cleaner), {@code Shapes} and
 * {@code TensorText}. Each op in {@code Tensor} reads as check, compute, record; the autograd
 * engine is {@link dev.nabla.autograd.Tape}.
 */
package dev.nabla;
