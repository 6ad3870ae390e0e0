/**
 * Nabla's device kernels, written once in a small C dialect and compiled as OpenCL C by the
 * OpenCL backend and as CUDA C by the CUDA backend, so both GPUs share one set of numerics.
 *
 * <p>The sources live as resources next to this package, one file per family ({@code
 * elementwise.c}, {@code reductions.c}, {@code softmax_cross_entropy.c}, {@code gemm.c}, {@code
 * optimizers.c}, {@code random.c}, {@code indexing.c}), after a prelude per dialect and the shared
 * {@code ops.c}. {@link dev.nabla.kernels.KernelSource} assembles them; {@link
 * dev.nabla.kernels.KernelNames} is the one place kernel names come from; {@link
 * dev.nabla.kernels.StridedLayouts} packs a {@link dev.nabla.backend.Layout} into the struct the
 * kernels read.
 *
 * <p>Invariants: the module has no native dependency; every name {@link
 * dev.nabla.kernels.KernelNames#all()} lists is an entry point of the assembled source in both
 * dialects (tests check it with nvcc/ptxas and with PoCL); the launch geometry the kernels assume
 * ({@link dev.nabla.kernels.KernelSource#BLOCK_SIZE}, the GEMM tile) is emitted into the source from
 * the Java constants, so host and device cannot disagree.
 */
package dev.nabla.kernels;
