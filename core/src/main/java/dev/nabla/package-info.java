/**
 * Nabla's public API: {@link dev.nabla.Tensor} (an n-dimensional array with reverse-mode
 * autodiff), {@link dev.nabla.Device} (where tensors live, chosen automatically or by name),
 * {@link dev.nabla.DType} and {@link dev.nabla.Scope} (bulk release of device memory).
 *
 * <p>Invariants: every operation validates shapes, dtypes and devices before it reaches a backend,
 * and its exceptions name the op, the shapes and the devices. Tensors of different devices never
 * meet in one op; {@code to(device)} moves them.
 */
package dev.nabla;
