package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.NoGrad;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Composites;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.Philox;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.CrossEntropyOptions;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.LeakyReLU;
import dev.nabla.nn.Losses;
import dev.nabla.nn.SiLU;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every backend runs: a backend module subclasses it in three lines,
 * returning its device from {@link #device()}. Each test computes on that device and on the
 * reference backend (the oracle) from the same inputs and compares; golden values carry their math
 * in comments; {@link GradCheck} covers every differentiable op on the device under test;
 * {@link EveryOpConformance} runs every constant of the op enums, so none can be left out.
 *
 * <p>A subclass whose device cannot be opened on this machine calls
 * {@code Assumptions.assumeTrue(available, reason)} in a {@code @BeforeAll} so every test skips
 * with the provider's reason.
 */
public abstract class BackendConformanceTest implements EveryOpConformance, CompositeConformance {

    /** Sizes that are not multiples of any vector width, plus one past a power of two. */
    protected static final int[] ODD_SIZES = {1, 3, 17, 1025};

    private static final float ATOL = 2e-5f;
    private static final float RTOL = 2e-5f;

    /** The device under test. */
    protected abstract Device device();

    private Device dev;
    private final Device ref = Device.reference();

    @BeforeEach
    void openDevice() {
        dev = device();
    }

    @Override
    public final Device deviceUnderTest() {
        return dev;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Deterministic values in [lo, hi). */
    public static float[] values(long seed, int n, float lo, float hi) {
        float[] out = new float[n];
        Philox.fillUniform(seed, 7, out, n);
        for (int i = 0; i < n; i++) {
            out[i] = lo + (hi - lo) * out[i];
        }
        return out;
    }

    private static int numel(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Runs {@code op} on both devices with the same inputs and compares the results. */
    private void agree(String what, float[][] inputs, int[][] shapes, Function<Tensor[], Tensor> op) {
        agree(what, inputs, shapes, op, ATOL, RTOL);
    }

    private void agree(String what, float[][] inputs, int[][] shapes, Function<Tensor[], Tensor> op,
                       float atol, float rtol) {
        try (Scope ignored = Scope.open()) {
            Tensor[] onDevice = new Tensor[inputs.length];
            Tensor[] onReference = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                onDevice[i] = Tensor.of(dev, inputs[i], shapes[i]);
                onReference[i] = Tensor.of(ref, inputs[i], shapes[i]);
            }
            Tensor actual = op.apply(onDevice);
            Tensor expected = op.apply(onReference);
            assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
            assertClose(what, expected.toFloatArray(), actual.toFloatArray(), atol, rtol);
        }
    }

    protected static void assertClose(String what, float[] expected, float[] actual, float atol, float rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                assertEquals(e, a, what + " at " + i);
                continue;
            }
            float tolerance = atol + rtol * Math.abs(e);
            if (!(Math.abs(e - a) <= tolerance)) {
                throw new AssertionError(what + ": element " + i + " expected " + e + " but was " + a
                        + " (|diff| " + Math.abs(e - a) + " > " + tolerance + ")");
            }
        }
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Test
    void unaryOpsMatchReference() {
        for (int n : ODD_SIZES) {
            float[] any = values(n, n, -4f, 4f);
            float[] positive = values(n + 1, n, 0.05f, 5f);
            float[] small = values(n + 2, n, -0.9f, 2f);
            agree("neg " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].neg());
            agree("exp " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].exp());
            agree("log " + n, new float[][] {positive}, new int[][] {{n}}, t -> t[0].log());
            agree("sqrt " + n, new float[][] {positive}, new int[][] {{n}}, t -> t[0].sqrt());
            agree("abs " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].abs());
            agree("tanh " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].tanh());
            agree("sigmoid " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].sigmoid());
            agree("relu " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].relu());
            agree("gelu " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].gelu());
            agree("square " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].square());
            agree("reciprocal " + n, new float[][] {positive}, new int[][] {{n}}, t -> t[0].reciprocal());
            agree("log1p " + n, new float[][] {small}, new int[][] {{n}}, t -> t[0].log1p());
            agree("expm1 " + n, new float[][] {small}, new int[][] {{n}}, t -> t[0].expm1());
            agree("pow 3 " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].pow(3f));
            agree("pow 0.5 " + n, new float[][] {positive}, new int[][] {{n}}, t -> t[0].pow(0.5f));
            agree("mul scalar " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].mul(-2.5f));
            agree("add scalar " + n, new float[][] {any}, new int[][] {{n}}, t -> t[0].add(0.75f));
        }
    }

    @Test
    void unaryOpsOnStridedViews() {
        float[] data = values(11, 6 * 17, -3f, 3f);
        agree("exp of transpose", new float[][] {data}, new int[][] {{6, 17}}, t -> t[0].t().exp());
        agree("tanh of row slice", new float[][] {data}, new int[][] {{6, 17}}, t -> t[0].slice(2, 5).tanh());
        agree("relu of column slice", new float[][] {data}, new int[][] {{6, 17}},
                t -> t[0].slice(1, 3, 16).relu());
        agree("gelu of expanded row", new float[][] {values(12, 17, -3f, 3f)}, new int[][] {{1, 17}},
                t -> t[0].expand(5, 17).gelu());
    }

    @Test
    void binaryOpsBroadcastLikeNumPy() {
        int[][][] cases = {
            {{17}, {17}}, {{3, 17}, {17}}, {{3, 1}, {1, 17}}, {{1025}, {}}, {{}, {1025}},
            {{4, 3, 5}, {3, 1}}, {{4, 1, 5}, {4, 3, 1}}, {{1}, {3, 1}}, {{2, 1025}, {2, 1}},
        };
        List<BinaryOp> ops = List.of(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM,
                BinaryOp.MINIMUM);
        for (int[][] shapes : cases) {
            float[] a = values(numel(shapes[0]), numel(shapes[0]), -3f, 3f);
            float[] b = values(numel(shapes[1]) + 99, numel(shapes[1]), 0.5f, 2f);
            for (BinaryOp op : ops) {
                agree(op + " " + java.util.Arrays.deepToString(shapes), new float[][] {a, b}, shapes,
                        t -> t[0].binaryOp(op, t[1]));
            }
            agree("eq/lt/ge " + java.util.Arrays.deepToString(shapes), new float[][] {a, b}, shapes,
                    t -> t[0].lt(t[1]).add(t[0].ge(t[1]).mul(2f)).add(t[0].eq(t[1]).mul(4f)));
        }
    }

    @Test
    void binaryOpsOnTransposedAndSlicedViews() {
        float[] a = values(21, 17 * 9, -2f, 2f);
        float[] b = values(22, 9 * 17, -2f, 2f);
        agree("transpose + contiguous", new float[][] {a, b}, new int[][] {{17, 9}, {9, 17}},
                t -> t[0].t().add(t[1]));
        agree("slice * transpose", new float[][] {a, b}, new int[][] {{17, 9}, {9, 17}},
                t -> t[0].slice(3, 12).mul(t[1].t().slice(1, 10)));
    }

    @Test
    void whereSelectsWithBroadcasting() {
        float[] cond = values(31, 17, 0f, 1f);
        for (int i = 0; i < cond.length; i++) {
            cond[i] = cond[i] > 0.5f ? 1f : 0f;
        }
        float[] a = values(32, 3 * 17, -1f, 1f);
        float[] b = values(33, 3, -1f, 1f);
        agree("where", new float[][] {cond, a, b}, new int[][] {{17}, {3, 17}, {3, 1}},
                t -> Tensor.where(t[0], t[1], t[2]));
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Test
    void reductionsOverEveryAxis() {
        int[][] shapes = {{1025}, {3, 17}, {4, 3, 5}, {1, 1}, {17, 1025}};
        for (int[] shape : shapes) {
            float[] data = values(numel(shape), numel(shape), -5f, 5f);
            String name = java.util.Arrays.toString(shape);
            agree("sum all " + name, new float[][] {data}, new int[][] {shape}, t -> t[0].sum(), 1e-4f, 1e-5f);
            agree("mean all " + name, new float[][] {data}, new int[][] {shape}, t -> t[0].mean(), 1e-5f, 1e-5f);
            agree("max all " + name, new float[][] {data}, new int[][] {shape}, t -> t[0].max());
            agree("min all " + name, new float[][] {data}, new int[][] {shape}, t -> t[0].min());
            for (int axis = 0; axis < shape.length; axis++) {
                int ax = axis;
                agree("sum axis " + ax + " " + name, new float[][] {data}, new int[][] {shape},
                        t -> t[0].sum(new int[] {ax}, true), 1e-4f, 1e-5f);
                agree("max axis " + ax + " " + name, new float[][] {data}, new int[][] {shape},
                        t -> t[0].max(ax, false));
                agree("argmax axis " + ax + " " + name, new float[][] {data}, new int[][] {shape},
                        t -> t[0].argmax(ax).toType(DType.F32));
            }
        }
        float[] cube = values(5, 60, -1f, 1f);
        agree("sum axes 0,2", new float[][] {cube}, new int[][] {{4, 3, 5}}, t -> t[0].sum(0, 2));
        agree("sum of transposed view", new float[][] {cube}, new int[][] {{12, 5}}, t -> t[0].t().sum(1));
    }

    @Test
    void goldenReductions() {
        // sum(1..4) = 10, mean = 2.5, max = 4 at index 3
        Tensor t = Tensor.of(dev, new float[] {1, 4, 2, 3}, 2, 2);
        assertEquals(10f, t.sum().item());
        assertEquals(2.5f, t.mean().item());
        assertEquals(4f, t.max().item());
        assertArrayEquals(new float[] {5, 5}, t.sum(1).toFloatArray());
        assertArrayEquals(new int[] {1, 1}, t.argmax(1).toIntArray());
        assertArrayEquals(new int[] {2, 1}, t.sum(new int[] {1}, true).shape());
    }

    // ---- matrix multiply ----------------------------------------------------------------------

    @Test
    void matmulAllTranspositionsAndOddSizes() {
        int[] sizes = {1, 3, 17, 33, 70};
        for (int m : sizes) {
            for (int k : new int[] {1, 17, 65}) {
                for (int n : sizes) {
                    float[] a = values(m * 7 + k, m * k, -1f, 1f);
                    float[] b = values(n * 13 + k, k * n, -1f, 1f);
                    String dims = m + "x" + k + "x" + n;
                    agree("nn " + dims, new float[][] {a, b}, new int[][] {{m, k}, {k, n}},
                            t -> t[0].matmul(t[1]), 1e-4f, 1e-4f);
                    agree("tn " + dims, new float[][] {a, b}, new int[][] {{k, m}, {k, n}},
                            t -> t[0].t().matmul(t[1]), 1e-4f, 1e-4f);
                    agree("nt " + dims, new float[][] {a, b}, new int[][] {{m, k}, {n, k}},
                            t -> t[0].matmul(t[1].t()), 1e-4f, 1e-4f);
                    agree("tt " + dims, new float[][] {a, b}, new int[][] {{k, m}, {n, k}},
                            t -> t[0].t().matmul(t[1].t()), 1e-4f, 1e-4f);
                }
            }
        }
    }

    @Test
    void matmulOfSlicedViewsAndVectors() {
        float[] a = values(41, 40 * 30, -1f, 1f);
        float[] b = values(42, 30 * 20, -1f, 1f);
        agree("row slice @ column slice", new float[][] {a, b}, new int[][] {{40, 30}, {30, 20}},
                t -> t[0].slice(5, 25).matmul(t[1].slice(1, 2, 19)), 1e-4f, 1e-4f);
        agree("matrix @ vector", new float[][] {a, values(43, 30, -1f, 1f)}, new int[][] {{40, 30}, {30}},
                t -> t[0].matmul(t[1]), 1e-4f, 1e-4f);
        agree("large", new float[][] {values(44, 257 * 300, -1f, 1f), values(45, 300 * 129, -1f, 1f)},
                new int[][] {{257, 300}, {300, 129}}, t -> t[0].matmul(t[1]), 2e-4f, 1e-4f);
    }

    @Test
    void linearAddsBiasInTheGemmEpilogue() {
        for (int[] d : new int[][] {{1, 3, 2}, {17, 33, 10}, {64, 784, 65}}) {
            int batch = d[0];
            int in = d[1];
            int out = d[2];
            agree("linear " + java.util.Arrays.toString(d),
                    new float[][] {values(1, batch * in, -1f, 1f), values(2, out * in, -0.1f, 0.1f),
                        values(3, out, -1f, 1f)},
                    new int[][] {{batch, in}, {out, in}, {out}}, t -> Tensor.linear(t[0], t[1], t[2]), 1e-4f, 1e-4f);
        }
    }

    // ---- softmax and cross-entropy ------------------------------------------------------------

    @Test
    void softmaxAndLogSoftmaxMatchReferenceOnEveryAxis() {
        float[] data = values(51, 4 * 17 * 3, -20f, 20f);
        for (int axis = 0; axis < 3; axis++) {
            int ax = axis;
            agree("softmax axis " + ax, new float[][] {data}, new int[][] {{4, 17, 3}}, t -> t[0].softmax(ax));
            agree("logSoftmax axis " + ax, new float[][] {data}, new int[][] {{4, 17, 3}},
                    t -> t[0].logSoftmax(ax), 1e-4f, 1e-5f);
        }
    }

    @Test
    void softmaxFusedAndCompositePathsAgree() {
        Backend backend = dev.backend();
        for (int extent : new int[] {1, 10, 1025}) {
            float[] data = values(extent, 3 * extent, -30f, 30f);
            for (boolean log : new boolean[] {false, true}) {
                Storage src = backend.allocate(DType.F32, data.length);
                Storage fused = backend.allocate(DType.F32, data.length);
                Storage composite = backend.allocate(DType.F32, data.length);
                backend.copyIn(data, src);
                backend.softmax(src, 3, extent, 1, log, fused);
                Composites.softmax(backend, src, 3, extent, 1, log, composite);
                float[] a = new float[data.length];
                float[] b = new float[data.length];
                backend.copyOut(fused, a);
                backend.copyOut(composite, b);
                assertClose("softmax paths, log=" + log + ", extent " + extent, b, a, 1e-5f, 1e-5f);
                backend.free(src);
                backend.free(fused);
                backend.free(composite);
            }
        }
    }

    @Test
    void goldenSoftmax() {
        // softmax(1, 2, 3) = e^i / (e + e² + e³) = (0.09003057, 0.24472847, 0.66524096)
        Tensor p = Tensor.of(dev, new float[] {1, 2, 3}).softmax(0);
        assertArrayEquals(new float[] {0.09003057f, 0.24472847f, 0.66524096f}, p.toFloatArray(), 1e-6f);
        // shifting every logit leaves softmax unchanged: softmax(x + 1000) = softmax(x)
        Tensor shifted = Tensor.of(dev, new float[] {1001, 1002, 1003}).softmax(0);
        assertArrayEquals(p.toFloatArray(), shifted.toFloatArray(), 1e-6f);
    }

    @Test
    void logSoftmaxKeepsPrecisionForLargeLogits() {
        // log-softmax is shift-invariant: for (1e4, 1e4−1, 1e4−2, 1e4−0.5) it equals that of
        // (0, −1, −2, −0.5): x − log Σ eˣ with log Σ = log(1 + e⁻¹ + e⁻² + e^−0.5) = 0.7465673
        float[] logits = {1e4f, 1e4f - 1, 1e4f - 2, 1e4f - 0.5f};
        double lse = Math.log(1 + Math.exp(-1) + Math.exp(-2) + Math.exp(-0.5));
        float[] expected = {(float) -lse, (float) (-1 - lse), (float) (-2 - lse), (float) (-0.5 - lse)};
        assertClose("log-softmax near 1e4", expected, Tensor.of(dev, logits).logSoftmax(0).toFloatArray(), 2e-6f,
                1e-6f);
    }

    @Test
    void overlappingCopyWithinOneTensorReadsBeforeWriting() {
        // x[1:5] = x[0:4] on x = (1, 2, 3, 4, 5) gives (1, 1, 2, 3, 4), as NumPy and PyTorch
        Tensor x = Tensor.of(dev, new float[] {1, 2, 3, 4, 5});
        x.slice(0, 1, 5).copyFrom(x.slice(0, 0, 4));
        assertArrayEquals(new float[] {1, 1, 2, 3, 4}, x.toFloatArray());
    }

    @Test
    void crossEntropyMatchesReference() {
        for (int[] d : new int[][] {{1, 1}, {3, 10}, {17, 3}, {64, 1025}}) {
            int rows = d[0];
            int classes = d[1];
            float[] logits = values(rows * 31 + classes, rows * classes, -8f, 8f);
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = (i * 7 + 3) % classes;
            }
            float[] expectedGrad;
            float expectedLoss;
            try (Scope ignored = Scope.open()) {
                Tensor x = Tensor.of(ref, logits, rows, classes).requiresGrad();
                Tensor loss = Losses.crossEntropy(x, Tensor.of(ref, labels));
                loss.backward();
                expectedLoss = loss.item();
                expectedGrad = x.grad().orElseThrow().toFloatArray();
            }
            try (Scope ignored = Scope.open()) {
                Tensor x = Tensor.of(dev, logits, rows, classes).requiresGrad();
                Tensor loss = Losses.crossEntropy(x, Tensor.of(dev, labels));
                loss.backward();
                assertEquals(expectedLoss, loss.item(), 1e-5f + 1e-5f * Math.abs(expectedLoss), "loss " + rows + "x" + classes);
                assertClose("grad " + rows + "x" + classes, expectedGrad, x.grad().orElseThrow().toFloatArray(),
                        1e-6f, 1e-4f);
            }
        }
    }

    @Test
    void goldenCrossEntropy() {
        // logits (0, 0), label 0: loss = log(e⁰ + e⁰) − 0 = ln 2;  grad = (½ − 1, ½) / 1 = (−0.5, 0.5)
        Tensor x = Tensor.of(dev, new float[] {0, 0}, 1, 2).requiresGrad();
        Tensor loss = Losses.crossEntropy(x, Tensor.of(dev, new int[] {0}));
        assertEquals((float) Math.log(2), loss.item(), 1e-6f);
        loss.backward();
        assertArrayEquals(new float[] {-0.5f, 0.5f}, x.grad().orElseThrow().toFloatArray(), 1e-6f);
    }

    @Test
    void crossEntropyIsFiniteForHugeLogits() {
        // Row 0: ±1e4, correct class has −1e4: loss = lse − x_y ≈ 1e4 − (−1e4) = 2e4, finite.
        // Row 1: one huge logit on the right class: loss ≈ 0.  Row 2: all equal and huge: loss = ln 3.
        float[] logits = {1e4f, -1e4f, 0f, 0f, 0f, 1e4f, 1e4f, 1e4f, 1e4f};
        Tensor x = Tensor.of(dev, logits, 3, 3).requiresGrad();
        Tensor labels = Tensor.of(dev, new int[] {1, 2, 0});
        Tensor loss = Losses.crossEntropy(x, labels);
        float expected = (2e4f + 0f + (float) Math.log(3)) / 3f;
        assertEquals(expected, loss.item(), 1e-1f);
        loss.backward();
        for (float g : x.grad().orElseThrow().toFloatArray()) {
            assertTrue(Float.isFinite(g), "gradient must be finite");
        }
        Tensor lsm = x.detach().logSoftmax(1);
        for (float v : lsm.toFloatArray()) {
            assertTrue(Float.isFinite(v), "log-softmax must be finite");
        }
    }

    @Test
    void linearWithFusedReluMatchesTheTwoOpsBitForBit() {
        // relu(x·Wᵀ + b) with the ReLU in the GEMM epilogue, and its gradients (the ReLU's mask taken
        // from the output), against linear then relu; odd sizes, some pre-activations exactly 0
        Device d = device();
        int n = 7;
        int in = 19;
        int out = 33;
        float[] xv = values(51, n * in, -1f, 1f);
        float[] wv = values(52, out * in, -1f, 1f);
        float[] bv = values(53, out, -1f, 1f);
        java.util.Arrays.fill(xv, 0, in, 0f);   // row 0 of x·Wᵀ is 0: relu(b) decides it alone
        bv[0] = 0f;                              // and its first element is exactly 0
        float[][] fused = linearReluGradients(d, xv, wv, bv, n, in, out, true);
        float[][] separate = linearReluGradients(d, xv, wv, bv, n, in, out, false);
        String[] what = {"output", "dX", "dW", "db"};
        for (int i = 0; i < what.length; i++) {
            assertArrayEquals(separate[i], fused[i], "linear+relu " + what[i] + " on " + d);
        }
    }

    private static float[][] linearReluGradients(Device d, float[] xv, float[] wv, float[] bv, int n, int in, int out,
                                                 boolean fused) {
        Tensor x = Tensor.of(d, xv, n, in).requiresGrad();
        Tensor w = Tensor.of(d, wv, out, in).requiresGrad();
        Tensor b = Tensor.of(d, bv, out).requiresGrad();
        Tensor y = fused ? Tensor.linear(x, w, b, Activation.RELU) : Tensor.linear(x, w, b).relu();
        float[] yv = y.toFloatArray();
        // weights on the output so every gradient element differs
        y.mul(Tensor.of(d, values(54, n * out, 0.5f, 1.5f), n, out)).sum().backward();
        return new float[][] {yv, x.grad().orElseThrow().toFloatArray(), w.grad().orElseThrow().toFloatArray(),
            b.grad().orElseThrow().toFloatArray()};
    }

    @Test
    void crossEntropyGradientIsPreciseForLogitsNear1e4() {
        // The gradient softmax − onehot must be as precise as for small logits: a saved
        // log-sum-exp of ≈ 1e4 in one float is off by up to half an ulp (≈ 4.9e-4), which exp
        // turns into a relative gradient error of that size. The oracle is double arithmetic.
        int rows = 4; // a power of two: the mean's 1/rows is exact in float
        int classes = 6;
        float[] offsets = values(41, rows * classes, -4f, 4f);
        float[] logits = new float[rows * classes];
        float[] row0 = {1e4f, 1e4f - 1, -1e4f, 1e4f - 0.5f, -1e4f + 3, 1e4f - 2};
        System.arraycopy(row0, 0, logits, 0, classes);
        for (int j = 0; j < classes; j++) {
            logits[classes + j] = 1e4f + offsets[classes + j];
            logits[2 * classes + j] = -1e4f + offsets[2 * classes + j];
            logits[3 * classes + j] = (j % 2 == 0 ? 1e4f : -1e4f) + offsets[3 * classes + j];
        }
        int[] labels = {1, 3, 5, 2};
        float[] expected = new float[rows * classes];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits[i * classes + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[i * classes + j] - max);
            }
            for (int j = 0; j < classes; j++) {
                double p = Math.exp(logits[i * classes + j] - max) / sum;
                expected[i * classes + j] = (float) ((p - (j == labels[i] ? 1 : 0)) / rows);
            }
        }
        Tensor x = Tensor.of(dev, logits, rows, classes).requiresGrad();
        Losses.crossEntropy(x, Tensor.of(dev, labels)).backward();
        assertClose("cross-entropy gradient at logits ±1e4", expected, x.grad().orElseThrow().toFloatArray(),
                1e-12f, 1e-6f);
    }

    // ---- indexing, random, memory -------------------------------------------------------------

    @Test
    void gatherAndOneHot() {
        float[] data = values(61, 5 * 4, -1f, 1f);
        int[] index = {3, 0, 2, 1, 3};
        Tensor onDevice = Tensor.of(dev, data, 5, 4).gather(1, Tensor.of(dev, index));
        Tensor onReference = Tensor.of(ref, data, 5, 4).gather(1, Tensor.of(ref, index));
        assertArrayEquals(onReference.toFloatArray(), onDevice.toFloatArray());
        // one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0},
                Tensor.oneHot(Tensor.of(dev, new int[] {2, 0}), 3).toFloatArray());
    }

    @Test
    void philoxGivesTheSameNumbersAsTheReference() {
        for (int n : ODD_SIZES) {
            assertArrayEquals(Tensor.rand(ref, 42, 3, n).toFloatArray(), Tensor.rand(dev, 42, 3, n).toFloatArray(),
                    "uniform bits must be identical");
            assertClose("normal " + n, Tensor.randn(ref, 42, 3, n).toFloatArray(),
                    Tensor.randn(dev, 42, 3, n).toFloatArray(), 1e-5f, 1e-5f);
        }
        float[] u = Tensor.rand(dev, 7, 0, 100_000).toFloatArray();
        double mean = 0;
        for (float v : u) {
            assertTrue(v >= 0f && v < 1f);
            mean += v;
        }
        assertEquals(0.5, mean / u.length, 0.01);
    }

    @Test
    void copiesCastsAndFills() {
        float[] data = values(71, 6 * 5, -9f, 9f);
        agree("contiguous of transpose", new float[][] {data}, new int[][] {{6, 5}}, t -> t[0].t().contiguous());
        agree("reshape of transpose", new float[][] {data}, new int[][] {{6, 5}}, t -> t[0].t().reshape(-1));
        agree("cast round trip", new float[][] {data}, new int[][] {{6, 5}},
                t -> t[0].toType(DType.I32).toType(DType.F32));
        Tensor target = Tensor.zeros(dev, 4, 6);
        target.slice(1, 1, 4).copyFrom(Tensor.ones(dev, 4, 3).mul(2f));
        assertArrayEquals(new float[] {0, 2, 2, 2, 0, 0, 0, 2, 2, 2, 0, 0, 0, 2, 2, 2, 0, 0, 0, 2, 2, 2, 0, 0},
                target.toFloatArray());
        assertArrayEquals(new int[] {7, 7, 7}, Tensor.of(dev, new int[] {1, 2, 3}).zerosLike().toType(DType.F32)
                .add(7f).toType(DType.I32).toIntArray());
    }

    @Test
    void optimizerStepsMatchReference() {
        int n = 1025;
        float[] param = values(81, n, -1f, 1f);
        float[] grad = values(82, n, -1f, 1f);
        List<OptimizerStep> steps = List.of(
                new OptimizerStep.Sgd(0.1f, 0f, 0f, 0f, false, true),
                new OptimizerStep.Sgd(0.1f, 0.9f, 0f, 1e-4f, false, true),
                new OptimizerStep.Sgd(0.1f, 0.9f, 0.1f, 0f, true, false),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0.1f, 0.001f),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 0.19f, 0.002f));
        for (OptimizerStep step : steps) {
            float[][] expected = runStep(ref.backend(), step, param, grad);
            float[][] actual = runStep(dev.backend(), step, param, grad);
            for (int i = 0; i < 3; i++) {
                assertClose(step + " buffer " + i, expected[i], actual[i], 1e-6f, 1e-5f);
            }
        }
    }

    private static float[][] runStep(Backend backend, OptimizerStep step, float[] param, float[] grad) {
        int n = param.length;
        Storage p = backend.allocate(DType.F32, n);
        Storage g = backend.allocate(DType.F32, n);
        Storage s1 = backend.allocate(DType.F32, n);
        Storage s2 = backend.allocate(DType.F32, n);
        backend.copyIn(param, p);
        backend.copyIn(grad, g);
        backend.copyIn(values(83, n, -0.1f, 0.1f), s1);
        backend.copyIn(values(84, n, 0f, 0.01f), s2);
        backend.optimizerStep(step, p, g, s1, s2, n);
        float[][] out = new float[3][n];
        backend.copyOut(p, out[0]);
        backend.copyOut(s1, out[1]);
        backend.copyOut(s2, out[2]);
        for (Storage s : List.of(p, g, s1, s2)) {
            backend.free(s);
        }
        return out;
    }

    @Test
    void memoryStaysFlatOverAThousandScopedSteps() {
        Tensor w = Tensor.randn(dev, 1, 0, 64, 32).mul(0.1f).keep().requiresGrad();
        Tensor x = Tensor.rand(dev, 2, 0, 16, 64).keep();
        Tensor labels = Tensor.of(dev, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}).keep();
        long before = -1;
        long stepBytes = 0;
        for (int step = 0; step < 1000; step++) {
            long atStart = dev.backend().memoryStats().bytesInUse();
            Tensor loss;
            try (Scope ignored = Scope.open()) {
                w.zeroGrad();
                loss = Losses.crossEntropy(x.matmul(w).relu(), labels);
                loss.backward();
                try (var noGrad = NoGrad.open()) {
                    w.copyFrom(w.sub(w.grad().orElseThrow().mul(0.01f)));
                }
                stepBytes = Math.max(stepBytes, dev.backend().memoryStats().bytesInUse() - atStart);
            }
            assertTrue(loss.isClosed(), "the scope closes what the step created");
            if (step == 9) {
                before = dev.backend().memoryStats().bytesInUse();
            }
        }
        long after = dev.backend().memoryStats().bytesInUse();
        // NOTE: the garbage collector may free other tests' unclosed tensors meanwhile (through the
        // Cleaner), so memory may shrink; a leak of even one step would grow it by stepBytes.
        assertTrue(stepBytes > 0, "a step allocates");
        assertTrue(after < before + stepBytes, "bytes in use grew from " + before + " after step 10 to " + after
                + " after step 1000; one step allocates " + stepBytes);
        w.zeroGrad();
        w.close();
        x.close();
        labels.close();
    }

    // ---- gradients ----------------------------------------------------------------------------

    @Test
    void gradCheckElementwiseOps() {
        Tensor a = Tensor.of(dev, values(91, 12, 0.3f, 2f), 3, 4);
        Tensor b = Tensor.of(dev, values(92, 4, 0.5f, 2f), 4);
        Tensor signed = Tensor.of(dev, new float[] {-1.5f, -0.7f, 0.4f, 1.1f, 2f, -2.2f}, 2, 3);
        GradCheck check = GradCheck.defaults();
        check.run(t -> t.get(0).add(t.get(1)), a, b).assertPassed();
        check.run(t -> t.get(0).sub(t.get(1)), a, b).assertPassed();
        check.run(t -> t.get(0).mul(t.get(1)), a, b).assertPassed();
        check.run(t -> t.get(0).div(t.get(1)), a, b).assertPassed();
        // maximum/minimum have a kink where inputs are equal: keep them ≥ 0.25 apart (h is 1e-2).
        Tensor grid = Tensor.of(dev, new float[] {0.5f, 1.5f, 2.5f, 3.5f, 1f, 2f, 3f, 4f, 0f, 0.75f, 1.75f, 2.25f}, 3, 4);
        Tensor thresholds = Tensor.of(dev, new float[] {1.25f, 1.25f, 2.75f, 0.25f});
        check.run(t -> t.get(0).maximum(t.get(1)), grid, thresholds).assertPassed();
        check.run(t -> t.get(0).minimum(t.get(1)), grid, thresholds).assertPassed();
        check.run(t -> t.get(0).exp(), a).assertPassed();
        check.run(t -> t.get(0).log(), a).assertPassed();
        check.run(t -> t.get(0).sqrt(), a).assertPassed();
        check.run(t -> t.get(0).pow(3f), a).assertPassed();
        check.run(t -> t.get(0).reciprocal(), a).assertPassed();
        check.run(t -> t.get(0).log1p(), a).assertPassed();
        check.run(t -> t.get(0).expm1(), a).assertPassed();
        check.run(t -> t.get(0).square(), signed).assertPassed();
        check.run(t -> t.get(0).neg(), signed).assertPassed();
        check.run(t -> t.get(0).abs(), signed).assertPassed();
        check.run(t -> t.get(0).tanh(), signed).assertPassed();
        check.run(t -> t.get(0).sigmoid(), signed).assertPassed();
        check.run(t -> t.get(0).relu(), signed).assertPassed();
        check.run(t -> t.get(0).gelu(), signed).assertPassed();
        check.run(t -> t.get(0).mul(3f).add(1f).sub(2f).div(4f), signed).assertPassed();
        check.run(t -> Tensor.where(signed.gt(0f), t.get(0), t.get(1)), a.slice(0, 2).slice(1, 0, 3),
                signed.mul(2f)).assertPassed();
    }

    @Test
    void gradCheckMatmulReductionsAndViews() {
        Tensor a = Tensor.of(dev, values(101, 15, -1f, 1f), 3, 5);
        Tensor b = Tensor.of(dev, values(102, 10, -1f, 1f), 5, 2);
        Tensor bias = Tensor.of(dev, values(103, 2, -1f, 1f), 2);
        GradCheck check = GradCheck.defaults();
        check.run(t -> t.get(0).matmul(t.get(1)), a, b).assertPassed();
        check.run(t -> t.get(0).t().matmul(t.get(1).t()), a.t().contiguous(), b.t().contiguous()).assertPassed();
        check.run(t -> Tensor.linear(t.get(0), t.get(1), t.get(2)), a, b.t().contiguous(), bias).assertPassed();
        check.run(t -> t.get(0).sum(), a).assertPassed();
        check.run(t -> t.get(0).sum(new int[] {1}, true), a).assertPassed();
        check.run(t -> t.get(0).mean(0), a).assertPassed();
        check.run(t -> t.get(0).max(1, false), a).assertPassed();
        check.run(t -> t.get(0).min(), a).assertPassed();
        check.run(t -> t.get(0).reshape(5, 3).slice(1, 4), a).assertPassed();
        check.run(t -> t.get(0).transpose(0, 1).slice(1, 0, 2), a).assertPassed();
        check.run(t -> t.get(0).reshape(3, 1, 5).expand(3, 4, 5), a).assertPassed();
        check.run(t -> t.get(0).softmax(1), a).assertPassed();
        check.run(t -> t.get(0).logSoftmax(0), a).assertPassed();
        check.run(t -> t.get(0).gather(1, Tensor.of(dev, new int[] {4, 0, 2})), a).assertPassed();
    }

    /**
     * The joining, reordering and batching ops and the layers built on them (issue 16): values
     * against the reference, gradients against finite differences, on this device.
     */
    @Test
    void shapeOpsAndNewLayersMatchTheReferenceWithCheckedGradients() {
        float[] av = values(121, 24, -1f, 1f);
        float[] bv = values(122, 30, -1f, 1f);
        java.util.function.Function<Device, List<float[]>> run = d -> {
            Tensor a = Tensor.of(d, av, 2, 3, 4);
            Tensor b3 = Tensor.of(d, bv, 3, 10).slice(1, 0, 8).reshape(2, 4, 3);
            List<float[]> out = new ArrayList<>();
            out.add(Tensor.cat(List.of(a, a.mul(2f)), 1).toFloatArray());
            out.add(Tensor.stack(List.of(a, a.square()), 3).toFloatArray());
            out.add(a.permute(2, 0, 1).contiguous().toFloatArray());
            out.add(a.unsqueeze(1).squeeze(1).transpose(1, 2).unsqueeze(0).contiguous().toFloatArray());
            out.add(a.matmul(b3).toFloatArray());
            out.add(a.matmul(Tensor.of(d, bv, 30).slice(0, 0, 12).reshape(4, 3)).toFloatArray());
            out.add(a.indexSelect(1, Tensor.of(d, new int[] {2, 0, 2})).toFloatArray());
            BatchNorm1d bn = new BatchNorm1d(3, d);
            out.add(bn.forward(a).toFloatArray());
            out.add(bn.stateDict().get("running_var").toFloatArray());
            Embedding e = new Embedding(6, 4, d, 5);
            out.add(e.forward(Tensor.of(d, new int[] {5, 1, 5, 0}, 2, 2)).toFloatArray());
            out.add(new LeakyReLU(0.2f).forward(a).toFloatArray());
            out.add(new SiLU().forward(a).toFloatArray());
            return out;
        };
        List<float[]> expected = run.apply(ref);
        List<float[]> actual = run.apply(dev);
        for (int i = 0; i < expected.size(); i++) {
            assertClose("shape op / layer #" + i, expected.get(i), actual.get(i), 1e-5f, 1e-5f);
        }
        Tensor a = Tensor.of(dev, av, 2, 3, 4);
        GradCheck check = GradCheck.defaults();
        check.run(t -> Tensor.cat(List.of(t.get(0), t.get(1).square()), 2), a, a.mul(0.5f)).assertPassed();
        check.run(t -> Tensor.stack(List.of(t.get(0), t.get(0).exp()), 0).permute(3, 1, 0, 2), a).assertPassed();
        check.run(t -> t.get(0).matmul(t.get(1)), a, Tensor.of(dev, bv, 30).slice(0, 0, 24).reshape(2, 4, 3))
                .assertPassed();
        check.run(t -> t.get(0).indexSelect(2, Tensor.of(dev, new int[] {3, 3, 1})).square(), a).assertPassed();
        check.run(t -> new BatchNorm1d(3, dev).forward(t.get(0)), a).assertPassed();
    }

    /** {@code scatterAdd} on every axis: values against the reference, gradients against finite differences. */
    @Test
    void scatterAddMatchesTheReferenceWithCheckedGradients() {
        float[] selfValues = values(131, 36, -1f, 1f);
        float[] srcValues = values(132, 24, -1f, 1f);
        int[] index = {1, 0, 1, 2, 2, 2, 0, 0, 1, 2, 1, 0};
        java.util.function.Function<Device, List<float[]>> run = d -> {
            List<float[]> out = new ArrayList<>();
            for (int axis = 0; axis < 3; axis++) {
                int[] selfShape = {2, 3, 2};
                selfShape[axis] = 3;
                int count = selfShape[0] * selfShape[1] * selfShape[2];
                out.add(Tensor.of(d, java.util.Arrays.copyOf(selfValues, count), selfShape)
                        .scatterAdd(axis, Tensor.of(d, index, 2, 3, 2), Tensor.of(d, srcValues, 2, 3, 4))
                        .toFloatArray());
            }
            return out;
        };
        List<float[]> expected = run.apply(ref);
        List<float[]> actual = run.apply(dev);
        for (int i = 0; i < expected.size(); i++) {
            assertClose("scatterAdd along axis " + i, expected.get(i), actual.get(i), 1e-6f, 1e-6f);
        }
        Tensor idx = Tensor.of(dev, index, 2, 3, 2);
        GradCheck.defaults().run(t -> t.get(0).scatterAdd(1, idx, t.get(1)).square(),
                Tensor.of(dev, values(133, 18, -1f, 1f), 2, 3, 3), Tensor.of(dev, srcValues, 2, 3, 4)).assertPassed();
    }

    @Test
    void gradCheckLosses() {
        Tensor logits = Tensor.of(dev, values(111, 12, -3f, 3f), 4, 3);
        Tensor labels = Tensor.of(dev, new int[] {2, 0, 1, 1});
        Tensor targets = Tensor.of(dev, new float[] {1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1}, 4, 3);
        GradCheck check = GradCheck.defaults();
        check.run(t -> Losses.crossEntropy(t.get(0), labels), logits).assertPassed();
        check.run(t -> Losses.mse(t.get(0), t.get(1)), logits, targets).assertPassed();
        check.run(t -> Losses.bceWithLogits(t.get(0), targets), logits).assertPassed();
        check.run(t -> Losses.bceWithLogits(t.get(0), targets, new float[] {2f, 0.5f, 1f}), logits).assertPassed();
        check.run(t -> Losses.huber(t.get(0), t.get(1), 0.7f), logits, targets).assertPassed();
        check.run(t -> Losses.crossEntropy(t.get(0), labels, CrossEntropyOptions.defaults()
                .withLabelSmoothing(0.2f).withClassWeights(new float[] {0.5f, 2f, 1f})), logits).assertPassed();
    }

    @Test
    void gradientsAccumulateWhenATensorIsUsedTwice() {
        // y = x·x + x  ⇒  dy/dx = 2x + 1;  at x = 3: 7
        Tensor x = Tensor.of(dev, new float[] {3f}).requiresGrad();
        x.mul(x).add(x).sum().backward();
        assertArrayEquals(new float[] {7f}, x.grad().orElseThrow().toFloatArray(), 1e-6f);
        // a second backward accumulates: 7 + 7
        x.mul(x).add(x).sum().backward();
        assertArrayEquals(new float[] {14f}, x.grad().orElseThrow().toFloatArray(), 1e-6f);
    }

    /**
     * Double backward on this device agrees with the reference: the Hessian-vector product of an
     * MLP's cross-entropy loss with respect to all its parameters, through ReLU, GELU, tanh,
     * sigmoid, a layer norm, the fused linear and the fused cross-entropy.
     */
    @Test
    void hessianVectorProductOfAnMlpLossMatchesReference() {
        int rows = 6;
        int in = 5;
        int hidden = 7;
        int classes = 3;
        int count = hidden * in + hidden + classes * hidden;
        float[] inputs = values(111, rows * in, -1f, 1f);
        int[] labels = {0, 2, 1, 1, 0, 2};
        float[] params = values(112, count, -0.7f, 0.7f);
        float[] direction = values(113, count, -1f, 1f);
        float[] expected = hvpOfMlpLoss(ref, inputs, labels, params, direction, rows, in, hidden, classes);
        float[] actual = hvpOfMlpLoss(dev, inputs, labels, params, direction, rows, in, hidden, classes);
        assertClose("Hessian-vector product of an MLP loss on " + dev, expected, actual, 1e-4f, 1e-3f);
    }

    private static float[] hvpOfMlpLoss(Device device, float[] inputs, int[] labelData, float[] params,
                                        float[] direction, int rows, int in, int hidden, int classes) {
        try (Scope ignored = Scope.open()) {
            Tensor x = Tensor.of(device, inputs, rows, in);
            Tensor labels = Tensor.of(device, labelData);
            int w1End = hidden * in;
            int b1End = w1End + hidden;
            Function<Tensor, Tensor> loss = p -> {
                Tensor h = Tensor.linear(x, p.slice(0, 0, w1End).reshape(hidden, in), p.slice(0, w1End, b1End));
                h = h.relu().add(h.gelu()).add(h.tanh()).add(h.sigmoid());
                // layer norm over the features, without affine parameters
                Tensor centred = h.sub(h.mean(new int[] {1}, true));
                h = centred.div(centred.square().mean(new int[] {1}, true).add(1e-5f).sqrt());
                Tensor w2 = p.slice(0, b1End, b1End + classes * hidden).reshape(classes, hidden);
                return Losses.crossEntropy(h.matmul(w2.t()), labels);
            };
            return Autograd.hvp(loss, Tensor.of(device, params), Tensor.of(device, direction))
                    .toFloatArray();
        }
    }
}
