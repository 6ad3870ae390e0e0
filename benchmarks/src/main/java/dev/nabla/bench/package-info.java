/**
 * The benchmark workloads and their measurement: what {@code nabla bench} runs and the JMH suites
 * in {@link dev.nabla.bench.jmh} reuse. {@link dev.nabla.bench.Workload} defines the work (GEMM,
 * element-wise, reductions, fused softmax cross-entropy, optimizer steps, an MLP training step),
 * {@link dev.nabla.bench.Runner} warms up and samples interleaved {@link dev.nabla.bench.Contender}s
 * (Nabla devices, PyTorch and NumPy through {@code benchmarks/compare/*.py}),
 * {@link dev.nabla.bench.Report} renders table and JSON, {@link dev.nabla.bench.BarChart} the PNG,
 * {@link dev.nabla.bench.PeakProbe} measures the CPU's FMA peak.
 */
package dev.nabla.bench;
