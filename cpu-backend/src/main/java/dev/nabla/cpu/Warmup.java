package dev.nabla.cpu;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.HeapStorage;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Compiles the hot kernels in the background when the first {@link CpuBackend} opens, so a short
 * training run does not spend its first epoch in the interpreter and C1.
 *
 * <p>A Vector API kernel runs 10–100× slower before C2 compiles it (vectors boxed on the heap),
 * and C2 compiles a method only after thousands of calls or loop iterations. This thread makes
 * those calls on small operands (single-threaded sizes, a few hundred milliseconds of work on one
 * core) while the caller is still loading data: the packed GEMM in the three transpositions a
 * training step uses, with and without bias and ReLU, one deep enough to accumulate over two depth
 * blocks; the classifier's dot-product path; the
 * fused softmax cross-entropy; ReLU and its gradient; the bias-gradient column sum; and the Adam
 * step. Once per process; {@code -Dnabla.cpu.warmup=false} turns it off.
 */
final class Warmup {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Warmup() {
    }

    static void start() {
        if (!Boolean.parseBoolean(System.getProperty("nabla.cpu.warmup", "true")) || !STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(Warmup::run, "nabla-cpu-warmup");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    static void run() {
        try {
            int m = 40;
            int n = 64;
            int k = 160;
            HeapStorage a = filled(m * k);
            HeapStorage b = filled(k * n);
            HeapStorage c = filled(m * n);
            HeapStorage bias = filled(n);
            // Depth over one depth block (KC depends on the kernel shape and L1): two depth blocks,
            // so the kernel also runs its accumulating stores.
            int deep = Gemm.DEFAULT_BLOCKING.kc() + k;
            HeapStorage deepA = filled(deep * m);
            HeapStorage deepB = filled(deep * n);
            HeapStorage logits = filled(64 * 10);
            HeapStorage labels = new HeapStorage(DType.I32, 64);
            float[] loss = new float[64];
            float[] rowStats = new float[2 * 64];
            float[] gradLoss = new float[64];
            java.util.Arrays.fill(gradLoss, 1f / 64);
            float[] gradLogits = new float[64 * 10];
            float[] param = filled(4096).floats();
            float[] grad = filled(4096).floats();
            float[] m1 = new float[4096];
            float[] m2 = new float[4096];
            HeapStorage classes = filled(m * 10);
            Layout matrix = Layout.contiguous(m, n);
            float[] activations = c.floats();
            float[] relu = new float[m * n];
            float[] reluGrad = new float[m * n];
            float[] columnSums = new float[n];
            OptimizerStep adam = new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0.1f, 0.001f);
            long deadline = System.nanoTime() + 2_000_000_000L;
            for (int round = 0; round < 1500 && System.nanoTime() < deadline; round++) {
                // Forward (x·Wᵀ + bias, ReLU), input gradient (dY·W), weight gradient (dYᵀ·X) over two depth blocks.
                Gemm.gemm(new GemmSpec(false, true, m, n, k, a, 0, k, b, 0, k, c, Optional.of(bias),
                        Activation.RELU), Gemm.Path.PACKED);
                Gemm.gemm(new GemmSpec(false, false, m, n, k, a, 0, k, b, 0, n, c, Optional.empty(),
                        Activation.NONE), Gemm.Path.PACKED);
                Gemm.gemm(new GemmSpec(true, false, m, n, deep, deepA, 0, m, deepB, 0, n, c, Optional.empty(),
                        Activation.NONE), Gemm.Path.PACKED);
                // The classifier layer (n = 10 with transposed B), then ReLU, its gradient and a bias gradient.
                Gemm.gemm(new GemmSpec(false, true, m, 10, k, a, 0, k, b, 0, k, classes,
                        Optional.of(bias), Activation.NONE), Gemm.Path.DOTS);
                Elementwise.unary(UnaryOp.RELU, 0f, activations, matrix, relu);
                Elementwise.binary(BinaryOp.RELU_GRAD, activations, matrix, relu, matrix, reluGrad);
                Reductions.reduce(ReduceOp.SUM, reluGrad, 1, m, n, columnSums);
                SoftmaxCrossEntropy.forward(logits.floats(), labels.ints(), 64, 10, loss, rowStats);
                SoftmaxCrossEntropy.backward(logits.floats(), labels.ints(), rowStats, gradLoss, 64, 10, gradLogits);
                Optimizers.step(adam, param, grad, m1, m2, 4096);
            }
        } catch (RuntimeException | LinkageError e) {
            // Warm-up is an optimization only; the real call will report any real problem.
        }
    }

    private static HeapStorage filled(int count) {
        HeapStorage storage = new HeapStorage(DType.F32, count);
        float[] values = storage.floats();
        for (int i = 0; i < count; i++) {
            values[i] = ((i * 37) % 101 - 50) / 100f;
        }
        return storage;
    }
}
