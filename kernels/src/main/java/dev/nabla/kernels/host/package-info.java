/**
 * Host-side dispatch of the shared kernels, written once for every GPU backend: per family, which
 * kernel a primitive launches, with which arguments and geometry. A backend implements
 * {@link dev.nabla.kernels.host.KernelLauncher}; the numerics live in the kernel sources.
 */
package dev.nabla.kernels.host;
