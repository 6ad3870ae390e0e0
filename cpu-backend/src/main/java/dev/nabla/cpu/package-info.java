/**
 * The Vector-API CPU backend: {@code jdk.incubator.vector} kernels on {@code float[]} heap storage,
 * multithreaded over one shared pool.
 *
 * <p>One file per op family, named as in every other backend: {@link dev.nabla.cpu.Elementwise},
 * {@link dev.nabla.cpu.Reductions}, {@link dev.nabla.cpu.Gemm},
 * {@link dev.nabla.cpu.SoftmaxCrossEntropy}, {@link dev.nabla.cpu.Optimizers}; the SPI entry is
 * {@link dev.nabla.cpu.CpuBackend} and its provider {@link dev.nabla.cpu.CpuProvider}. What the
 * kernels are shaped for (vector width, registers, FMA, caches) is read once by
 * {@link dev.nabla.cpu.CpuFeatures}; {@link dev.nabla.cpu.KernelShape} turns it into the SGEMM
 * micro-kernel and block sizes.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Inputs are valid: core checked shapes, dtypes and devices; outputs are contiguous.</li>
 *   <li>Every kernel agrees with {@link dev.nabla.backend.reference.ReferenceBackend} to float
 *       rounding; tests compare the two on random inputs. Element-wise transcendentals use the
 *       scalar definitions of {@link dev.nabla.backend.UnaryOp}, so only summation order differs;
 *       the exception is the fused softmax cross-entropy, whose {@code exp} is a vectorized float
 *       polynomial within 2 ulp of {@code Math.exp} (its inputs are max-shifted, so never
 *       positive; see {@link dev.nabla.cpu.SoftmaxCrossEntropy}).</li>
 *   <li>Parallelism is one level deep: kernels split work through {@link dev.nabla.cpu.CpuThreads}
 *       into a chunk per core, and never call back into the pool from a chunk.</li>
 *   <li>Without hardware FMA no kernel calls {@code FloatVector.fma} (a software path ≈ 350×
 *       slower): products go through {@link dev.nabla.cpu.CpuFeatures}'s {@code fma}, a multiply
 *       and an add there.</li>
 *   <li>No Vector API class is linked before {@link dev.nabla.cpu.CpuProvider#probe()} has found
 *       the incubator module.</li>
 * </ul>
 */
package dev.nabla.cpu;
