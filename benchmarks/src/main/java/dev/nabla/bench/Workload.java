package dev.nabla.bench;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.amp.Autocast;
import dev.nabla.amp.GradScaler;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Module;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * One benchmarked unit of work, the same for {@code nabla bench}, the JMH suites and the Python
 * comparison scripts (which receive {@link #params()} and build the equivalent in PyTorch or
 * NumPy).
 *
 * <p>Primitive workloads call the backend SPI directly on storage allocated once, so they time
 * the kernel, not tensor bookkeeping; {@link MlpStep} goes through the public API (model,
 * autograd, optimizer, scope) as a training loop does.
 */
public sealed interface Workload {

    /** Family name as {@code --workload} spells it: {@code matmul}, {@code elementwise}, ... */
    String kind();

    /** Short description of the shape and variant, e.g. {@code 256x1024x784 NT}. */
    String label();

    /** What the Python scripts need to build the same work; also written to JSON. */
    Map<String, Object> params();

    /** Which figure measures this workload. */
    Metric metric();

    /** Floating-point operations of one call (the matrix products' for a training step). */
    default double flops() {
        return 0;
    }

    /** Bytes one call reads and writes at minimum (for memory-bound workloads). */
    default double bytes() {
        return 0;
    }

    /** Training samples one call processes (the batch of a training step), else 0. */
    default int samplesPerCall() {
        return 0;
    }

    /** Allocates inputs on {@code device} and returns something that runs one call at a time. */
    Instance prepare(Device device);

    /**
     * A cheaper workload that compiles the same code paths, run first so that the JIT's slow first
     * calls (seconds for a large GEMM under C1) are not spent on the large one.
     */
    default Optional<Workload> warmupProxy() {
        return Optional.empty();
    }

    /** Throughput figure of a workload family. */
    enum Metric {
        /** GFLOP/s, compared against the device's FMA peak. */
        FLOPS,
        /** GB/s of minimum traffic. */
        BYTES
    }

    /** A prepared workload: {@link #run()} performs one call (queued on GPUs). */
    interface Instance extends AutoCloseable {
        void run();

        @Override
        void close();
    }

    // ---- matmul ---------------------------------------------------------------------------

    /**
     * {@code C[m,n] = op(A) · op(B)}, row-major, as {@link Backend#gemm}; {@code role} names where
     * the shape comes from (e.g. {@code fc1.fwd}), or is empty. In F32 the backend's GEMM is called
     * on storage directly; in BF16/F16 (operands and result of that dtype) through
     * {@link Tensor#matmul}, which is what a 16-bit product costs a user.
     */
    record Matmul(int m, int n, int k, boolean transA, boolean transB, String role, DType dtype) implements Workload {
        public Matmul {
            positive("matmul", "m", m);
            positive("matmul", "n", n);
            positive("matmul", "k", k);
            role = role == null ? "" : role;
            dtype = checkDtype("matmul", dtype);
        }

        /** An F32 product. */
        public Matmul(int m, int n, int k, boolean transA, boolean transB, String role) {
            this(m, n, k, transA, transB, role, DType.F32);
        }

        public static Matmul square(int size) {
            return new Matmul(size, size, size, false, false, "");
        }

        public String trans() {
            return (transA ? "T" : "N") + (transB ? "T" : "N");
        }

        @Override
        public String kind() {
            return "matmul";
        }

        @Override
        public String label() {
            return m + "x" + n + "x" + k + " " + trans() + (role.isEmpty() ? "" : " " + role) + dtypeSuffix(dtype);
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "m", m, "n", n, "k", k, "transA", transA, "transB", transB,
                    "dtype", dtype.pytorchName());
        }

        @Override
        public Metric metric() {
            return Metric.FLOPS;
        }

        @Override
        public double flops() {
            return 2.0 * m * n * k;
        }

        @Override
        public Optional<Workload> warmupProxy() {
            if ((long) m * n * k <= 256L * 256 * 256) {
                return Optional.empty();
            }
            return Optional.of(new Matmul(Math.min(m, 256), Math.min(n, 256), Math.min(k, 256), transA, transB, "",
                    dtype));
        }

        @Override
        public Instance prepare(Device device) {
            if (dtype != DType.F32) {
                Tensor a = Tensor.rand(device, 1, 0, transA ? k : m, transA ? m : k).toType(dtype);
                Tensor b = Tensor.rand(device, 2, 0, transB ? n : k, transB ? k : n).toType(dtype);
                Tensor opA = transA ? a.t() : a;
                Tensor opB = transB ? b.t() : b;
                return tensorInstance(() -> opA.matmul(opB), a, b);
            }
            Backend backend = device.backend();
            Storages s = new Storages(backend);
            Storage a = s.uniform(1, (long) m * k);
            Storage b = s.uniform(2, (long) k * n);
            Storage c = s.zeros((long) m * n);
            GemmSpec spec = GemmSpec.of(transA, transB, m, n, k, a, b, c);
            return s.instance(() -> backend.gemm(spec));
        }
    }

    // ---- element-wise and reductions ------------------------------------------------------

    /**
     * An element-wise op over {@code [rows, cols]}: in F32 the backend's kernel on storage; in
     * BF16/F16 through {@link Tensor}'s op (16-bit operands and result, F32 arithmetic inside).
     */
    record Elementwise(Op op, int rows, int cols, DType dtype) implements Workload {
        /** The element-wise variants: same-shape add, row-broadcast add (a bias), ReLU. */
        public enum Op {
            ADD("add"), BIAS_ADD("bias-add"), RELU("relu");

            private final String text;

            Op(String text) {
                this.text = text;
            }

            public String text() {
                return text;
            }
        }

        public Elementwise {
            positive("elementwise", "rows", rows);
            positive("elementwise", "cols", cols);
            dtype = checkDtype("elementwise", dtype);
        }

        /** An F32 op. */
        public Elementwise(Op op, int rows, int cols) {
            this(op, rows, cols, DType.F32);
        }

        @Override
        public String kind() {
            return "elementwise";
        }

        @Override
        public String label() {
            return op.text() + " " + rows + "x" + cols + (op == Op.BIAS_ADD ? " + [" + cols + "]" : "")
                    + dtypeSuffix(dtype);
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "op", op.text(), "rows", rows, "cols", cols, "dtype", dtype.pytorchName());
        }

        @Override
        public Metric metric() {
            return Metric.BYTES;
        }

        /** The minimum traffic in this dtype: 16-bit elements count two bytes. */
        @Override
        public double bytes() {
            double n = (double) rows * cols;
            int e = dtype.byteSize();
            return switch (op) {
                case ADD -> 3 * e * n;
                case BIAS_ADD -> 2 * e * n + (double) e * cols;
                case RELU -> 2 * e * n;
            };
        }

        @Override
        public Instance prepare(Device device) {
            if (dtype != DType.F32) {
                Tensor a = Tensor.rand(device, 1, 0, rows, cols).sub(0.5f).toType(dtype);
                Tensor b = Tensor.rand(device, 2, 0, op == Op.BIAS_ADD ? new int[] {cols} : new int[] {rows, cols})
                        .toType(dtype);
                return tensorInstance(() -> op == Op.RELU ? a.relu() : a.add(b), a, b);
            }
            Backend backend = device.backend();
            Storages s = new Storages(backend);
            long n = (long) rows * cols;
            Layout full = Layout.contiguous(rows, cols);
            Storage a = s.uniform(1, n);
            Storage out = s.zeros(n);
            return switch (op) {
                case ADD -> {
                    Storage b = s.uniform(2, n);
                    yield s.instance(() -> backend.binary(BinaryOp.ADD, a, full, b, full, out));
                }
                case BIAS_ADD -> {
                    Storage bias = s.uniform(2, cols);
                    Layout broadcast = Layout.contiguous(cols).broadcastTo(new int[] {rows, cols});
                    yield s.instance(() -> backend.binary(BinaryOp.ADD, a, full, bias, broadcast, out));
                }
                case RELU -> s.instance(() -> backend.unary(UnaryOp.RELU, 0f, a, full, out));
            };
        }
    }

    /** Sum of {@code [rows, cols]} along {@code axis} (0: column sums, as a bias gradient; 1: row sums). */
    record Reduce(int axis, int rows, int cols) implements Workload {
        public Reduce {
            positive("reduce", "rows", rows);
            positive("reduce", "cols", cols);
            if (axis != 0 && axis != 1) {
                throw new IllegalArgumentException("reduce: axis must be 0 or 1, got " + axis);
            }
        }

        @Override
        public String kind() {
            return "reduce";
        }

        @Override
        public String label() {
            return "sum(axis " + axis + ") " + rows + "x" + cols;
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "axis", axis, "rows", rows, "cols", cols);
        }

        @Override
        public Metric metric() {
            return Metric.BYTES;
        }

        @Override
        public double bytes() {
            return 4.0 * rows * cols + 4.0 * (axis == 0 ? cols : rows);
        }

        @Override
        public Instance prepare(Device device) {
            Backend backend = device.backend();
            Storages s = new Storages(backend);
            Storage src = s.uniform(1, (long) rows * cols);
            Storage dst = s.zeros(axis == 0 ? cols : rows);
            return axis == 0
                    ? s.instance(() -> backend.reduce(ReduceOp.SUM, src, 1, rows, cols, dst))
                    : s.instance(() -> backend.reduce(ReduceOp.SUM, src, rows, cols, 1, dst));
        }
    }

    // ---- fused softmax cross-entropy ------------------------------------------------------

    /** Fused softmax cross-entropy forward and backward over logits {@code [rows, classes]}. */
    record CrossEntropy(int rows, int classes) implements Workload {
        public CrossEntropy {
            positive("cross-entropy", "rows", rows);
            positive("cross-entropy", "classes", classes);
        }

        @Override
        public String kind() {
            return "cross-entropy";
        }

        @Override
        public String label() {
            return rows + "x" + classes + " fwd+bwd";
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "rows", rows, "classes", classes);
        }

        @Override
        public Metric metric() {
            return Metric.BYTES;
        }

        /**
         * Forward reads the logits; backward reads them again and writes the gradient. Per row:
         * the label (read twice), the loss (written), its gradient (read) and the two row stats
         * (written, then read).
         */
        @Override
        public double bytes() {
            return 12.0 * rows * classes + 4.0 * 7 * rows;
        }

        @Override
        public Instance prepare(Device device) {
            Backend backend = device.backend();
            Storages s = new Storages(backend);
            Storage logits = s.normal(1, (long) rows * classes);
            Storage labels = s.labels(3, rows, classes);
            Storage loss = s.zeros(rows);
            Storage lse = s.zeros(2L * rows); // per row: max, log Σ exp(x − max)
            Storage gradLoss = s.zeros(rows);
            backend.fill(gradLoss, 1f / rows, rows);
            Storage grad = s.zeros((long) rows * classes);
            return s.instance(() -> {
                backend.crossEntropyForward(logits, labels, rows, classes, loss, lse);
                backend.crossEntropyBackward(logits, labels, lse, gradLoss, rows, classes, grad);
            });
        }
    }

    // ---- optimizer step -------------------------------------------------------------------

    /** One fused optimizer update of {@code count} parameters ({@code adam}, {@code adamw} or {@code sgd}). */
    record OptimizerUpdate(String optimizer, int count) implements Workload {
        public OptimizerUpdate {
            optimizer = checkOptimizer(optimizer);
            positive("optimizer", "count", count);
        }

        @Override
        public String kind() {
            return "optimizer";
        }

        @Override
        public String label() {
            return optimizer + " " + count + " params";
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "optimizer", optimizer, "count", count);
        }

        @Override
        public Metric metric() {
            return Metric.BYTES;
        }

        /** Adam: reads p, g, m, v and writes p, m, v; SGD with momentum: reads p, g, buf, writes p, buf. */
        @Override
        public double bytes() {
            return (optimizer.equals("sgd") ? 5.0 : 7.0) * 4 * count;
        }

        @Override
        public Instance prepare(Device device) {
            Backend backend = device.backend();
            Storages s = new Storages(backend);
            Storage p = s.normal(1, count);
            Storage g = s.normal(2, count);
            Storage m = s.zeros(count);
            Storage v = s.zeros(count);
            // Step 10's bias corrections; the kernel does the same work at every step.
            float bc1 = (float) (1 - Math.pow(0.9, 10));
            float bc2 = (float) (1 - Math.pow(0.999, 10));
            OptimizerStep step = switch (optimizer) {
                case "adam" -> new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, bc1, bc2);
                case "adamw" -> new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, bc1, bc2);
                default -> new OptimizerStep.Sgd(1e-3f, 0.9f, 0f, 0f, false, false);
            };
            return s.instance(() -> backend.optimizerStep(step, p, g, m, v, count));
        }
    }

    // ---- a whole training step ------------------------------------------------------------

    /**
     * One training step of a ReLU MLP through the public API: forward, fused cross-entropy,
     * zero grad, backward, optimizer step, all inside a {@link Scope}, as the trainer runs it (no
     * data loading, no dropout, no loss read back). With {@code dtype} BF16 or F16 the forward pass
     * and the loss run inside {@link Autocast} with F32 master weights, and F16 scales the loss with a
     * {@link GradScaler} (PyTorch's AMP recipe).
     */
    record MlpStep(int inputs, List<Integer> hidden, int classes, int batch, String optimizer, float lr, DType dtype)
            implements Workload {
        /** An F32 step. */
        public MlpStep(int inputs, List<Integer> hidden, int classes, int batch, String optimizer, float lr) {
            this(inputs, hidden, classes, batch, optimizer, lr, DType.F32);
        }

        public MlpStep {
            dtype = checkDtype("mlp-step", dtype);
            positive("mlp-step", "inputs", inputs);
            positive("mlp-step", "classes", classes);
            positive("mlp-step", "batch", batch);
            hidden = List.copyOf(hidden);
            if (hidden.isEmpty()) {
                throw new IllegalArgumentException("mlp-step: at least one hidden layer is needed");
            }
            for (int h : hidden) {
                positive("mlp-step", "hidden layer size", h);
            }
            optimizer = checkOptimizer(optimizer);
            if (!(lr > 0)) {
                throw new IllegalArgumentException("mlp-step: learning rate must be positive, got " + lr);
            }
        }

        /** Layer widths from input to classes, e.g. {@code [784, 1024, 1024, 10]}. */
        public int[] widths() {
            int[] w = new int[hidden.size() + 2];
            w[0] = inputs;
            for (int i = 0; i < hidden.size(); i++) {
                w[i + 1] = hidden.get(i);
            }
            w[w.length - 1] = classes;
            return w;
        }

        /** {@code 784-1024-1024-10}. */
        public String architecture() {
            return Arrays.stream(widths()).mapToObj(Integer::toString).collect(Collectors.joining("-"));
        }

        @Override
        public String kind() {
            return "mlp-step";
        }

        @Override
        public String label() {
            return architecture() + " b" + batch + " " + optimizer + (dtype == DType.F32 ? ""
                    : " autocast " + dtype.pytorchName() + (dtype == DType.F16 ? "+scaler" : ""));
        }

        @Override
        public Map<String, Object> params() {
            return map("workload", kind(), "inputs", inputs, "hidden", hidden, "classes", classes, "batch", batch,
                    "optimizer", optimizer, "lr", (double) lr, "dtype", dtype.pytorchName());
        }

        @Override
        public Metric metric() {
            return Metric.FLOPS;
        }

        /**
         * The matrix products one step performs: forward {@code 2·B·in·out} per layer, the weight
         * gradient the same, the input gradient the same except for the first layer (its input
         * needs none). Bias, activation, loss and optimizer work are not counted.
         */
        @Override
        public double flops() {
            int[] w = widths();
            double total = 0;
            for (int i = 0; i + 1 < w.length; i++) {
                double layer = 2.0 * batch * w[i] * w[i + 1];
                total += (i == 0 ? 2 : 3) * layer;
            }
            return total;
        }

        @Override
        public int samplesPerCall() {
            return batch;
        }

        @Override
        public Instance prepare(Device device) {
            Tensor x = Tensor.randn(device, 7, 0, batch, inputs);
            int[] labelValues = new SplittableRandom(3).ints(batch, 0, classes).toArray();
            Tensor y = Tensor.of(device, labelValues, batch);
            int[] widths = widths();
            Module model = Mlp.of(inputs, Arrays.copyOfRange(widths, 1, widths.length - 1), classes, "relu", 0f,
                    device, 42);
            model.train();
            List<Tensor> params = model.parameters();
            Optimizer opt = switch (optimizer) {
                case "adam" -> new Adam(params, lr);
                case "adamw" -> new AdamW(params, lr);
                default -> new SGD(params, lr, 0.9f);
            };
            GradScaler scaler = dtype == DType.F16 ? new GradScaler() : null;
            return new Instance() {
                @Override
                public void run() {
                    try (Scope ignored = Scope.open()) {
                        // Gradients cleared (freed) before the forward pass, as the Trainer and
                        // PyTorch's zero_grad(set_to_none=True) loop do: the last step's gradients
                        // are not held through this step's forward (StepMemory's peak, issue 13).
                        opt.zeroGrad();
                        Tensor loss;
                        try (Autocast ac = dtype == DType.F32 ? Autocast.disabled() : Autocast.open(dtype)) {
                            Tensor logits = model.forward(x);
                            loss = Losses.crossEntropy(logits, y);
                        }
                        if (scaler == null) {
                            loss.backward();
                            opt.step();
                        } else {
                            scaler.scale(loss).backward();
                            scaler.step(opt);
                            scaler.update();
                        }
                    }
                }

                @Override
                public void close() {
                    opt.close();
                    for (Tensor p : params) {
                        p.close();
                    }
                    x.close();
                    y.close();
                }
            };
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** The optimizer names workloads accept. */
    List<String> OPTIMIZERS = List.of("adam", "adamw", "sgd");

    private static String checkOptimizer(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!OPTIMIZERS.contains(n)) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; valid: "
                    + String.join(", ", OPTIMIZERS));
        }
        return n;
    }

    /** The dtypes the 16-bit-capable workloads take: F32 (null means F32), BF16, F16. */
    private static DType checkDtype(String workload, DType dtype) {
        if (dtype == null) {
            return DType.F32;
        }
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(workload + ": dtype must be F32, BF16 or F16, got " + dtype);
        }
        return dtype;
    }

    private static String dtypeSuffix(DType dtype) {
        return dtype == DType.F32 ? "" : " " + dtype.pytorchName();
    }

    /** Runs {@code call} (a tensor op) and frees its result each time; frees {@code inputs} on close. */
    private static Instance tensorInstance(java.util.function.Supplier<Tensor> call, Tensor... inputs) {
        return new Instance() {
            @Override
            public void run() {
                call.get().close();
            }

            @Override
            public void close() {
                for (Tensor t : inputs) {
                    t.close();
                }
            }
        };
    }

    private static void positive(String workload, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(workload + ": " + what + " must be positive, got " + value);
        }
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            result.put((String) keyValues[i], keyValues[i + 1]);
        }
        return result;
    }

    /** Storage allocated for one instance, freed together. */
    final class Storages {
        private final Backend backend;
        private final List<Storage> owned = new ArrayList<>();

        Storages(Backend backend) {
            this.backend = backend;
        }

        Storage zeros(long numel) {
            Storage s = track(backend.allocate(DType.F32, numel));
            backend.fill(s, 0f, numel);
            return s;
        }

        Storage uniform(long seed, long numel) {
            Storage s = track(backend.allocate(DType.F32, numel));
            backend.randomUniform(seed, 0, s, numel);
            return s;
        }

        Storage normal(long seed, long numel) {
            Storage s = track(backend.allocate(DType.F32, numel));
            backend.randomNormal(seed, 0, s, numel);
            return s;
        }

        Storage labels(long seed, int rows, int classes) {
            Storage s = track(backend.allocate(DType.I32, rows));
            backend.copyIn(new SplittableRandom(seed).ints(rows, 0, classes).toArray(), s);
            return s;
        }

        private Storage track(Storage s) {
            owned.add(s);
            return s;
        }

        Instance instance(Runnable call) {
            return new Instance() {
                @Override
                public void run() {
                    call.run();
                }

                @Override
                public void close() {
                    for (Storage s : owned) {
                        backend.free(s);
                    }
                    owned.clear();
                }
            };
        }
    }
}
