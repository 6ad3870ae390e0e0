/**
 * The Java side every GPU backend shares: per family, which kernel a primitive launches, with
 * which arguments and geometry; {@link dev.nabla.kernels.host.KernelBackend}, which implements
 * the SPI's compute primitives once over a {@link dev.nabla.kernels.host.KernelLauncher}; and the
 * caching allocator and device storage. A backend brings its launcher, its transfers and its
 * allocation calls; the numerics live in the kernel sources.
 */
package dev.nabla.kernels.host;
