/**
 * JMH benchmarks over the {@link dev.nabla.bench.Workload}s, one class per family: {@link
 * dev.nabla.bench.jmh.GemmBench}, {@link dev.nabla.bench.jmh.PrimitiveBench} (element-wise,
 * reductions, fused softmax cross-entropy, optimizer steps), {@link dev.nabla.bench.jmh.MlpStepBench}.
 * Every class has a {@code backend} parameter; {@link dev.nabla.bench.jmh.BenchMain} fills it with
 * the available backends. Build and run: see docs/benchmarks.md.
 */
package dev.nabla.bench.jmh;
