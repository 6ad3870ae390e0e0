package dev.nabla.conformance;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Conformance complete by construction: every constant of {@link UnaryOp}, {@link BinaryOp},
 * {@link ReduceOp} and {@link Activation} runs on the device under test and is compared with its
 * scalar definition on the reference backend. The input domain of each op comes from an exhaustive
 * {@code switch}, so a new constant does not compile until it has one, and a backend that lacks a
 * case (a kernel {@code switch} that falls through to NaN) fails here with the op's name.
 *
 * <p>Works through the SPI, below {@link Tensor}, so that ops without a public tensor method
 * ({@code RELU_GRAD}, {@code GELU_GRAD}) are covered too. {@link BackendConformanceTest} implements
 * it; its device is {@link #deviceUnderTest()}.
 */
public interface EveryOpConformance {

    /** Sizes that are not multiples of any vector width, plus one past a power of two. */
    int[] SIZES = {1, 17, 1025};
    float ATOL = 2e-5f;
    float RTOL = 2e-5f;

    /** The device whose backend is checked. */
    Device deviceUnderTest();

    /** Where a unary op is compared: inputs in [lo, hi) and the scalar parameter. */
    record Domain(float lo, float hi, float param) {
    }

    static Domain domain(UnaryOp op) {
        return switch (op) {
            case NEG, EXP, ABS, TANH, SIGMOID, RELU, GELU, SQUARE, MUL_SCALAR, ADD_SCALAR -> new Domain(-4f, 4f, -2.5f);
            case LOG, SQRT, RECIPROCAL -> new Domain(0.05f, 5f, 0f);
            case LOG1P, EXPM1 -> new Domain(-0.9f, 2f, 0f);
            // x^p for a non-integer p needs x > 0 (NaN otherwise, as in torch.pow)
            case POW -> new Domain(0.05f, 3f, 1.5f);
        };
    }

    /** Where a binary op is compared: the first input's range, then the second's. */
    static Domain[] domain(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE, RELU_GRAD, GELU_GRAD ->
                    new Domain[] {new Domain(-3f, 3f, 0f), new Domain(-3f, 3f, 0f)};
            // keep the divisor away from 0, where float and double rounding of a huge quotient differ
            case DIV -> new Domain[] {new Domain(-3f, 3f, 0f), new Domain(0.5f, 2f, 0f)};
            case POW -> new Domain[] {new Domain(0.05f, 3f, 0f), new Domain(-2f, 2f, 0f)};
        };
    }

    /** A value that runs every reduction: its range. */
    static Domain domain(ReduceOp op) {
        return switch (op) {
            case SUM, MAX, MIN -> new Domain(-3f, 3f, 0f);
        };
    }

    /** The GEMM epilogue's input range (x of x·wᵀ + b): pre-activations then fall on both sides of 0. */
    static Domain domain(Activation activation) {
        return switch (activation) {
            case NONE, RELU -> new Domain(-1f, 1f, 0f);
        };
    }

    @Test
    default void everyUnaryOpMatchesItsDefinition() {
        for (UnaryOp op : UnaryOp.values()) {
            Domain domain = domain(op);
            for (int n : SIZES) {
                float[] input = BackendConformanceTest.values(op.ordinal() * 31L + n, n, domain.lo(), domain.hi());
                float[] actual = run(deviceUnderTest(), n, input, (backend, in, out) ->
                        backend.unary(op, domain.param(), in, Layout.contiguous(n), out));
                float[] expected = new float[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = op.apply(input[i], domain.param());
                }
                BackendConformanceTest.assertClose("unary " + op + " (n=" + n + ") on " + deviceUnderTest(),
                        expected, actual, ATOL, RTOL);
            }
        }
    }

    /**
     * Every unary op's derivative ({@code Backward}'s case for it) agrees with finite differences on
     * the device under test, so a new op's gradient is checked the day it is added. Inputs come from
     * the op's domain, kept 0.1 away from 0 (the kinks of ABS and RELU) and, for domains that start
     * above 0, at least 0.3, where 1/x and log x are smooth enough for a step of 1e-2.
     */
    @Test
    default void everyUnaryOpHasACheckedGradient() {
        for (UnaryOp op : UnaryOp.values()) {
            Domain domain = domain(op);
            float lo = domain.lo() > 0f ? Math.max(domain.lo(), 0.3f) : domain.lo();
            float[] input = BackendConformanceTest.values(op.ordinal() * 43L + 5, 12, lo, domain.hi());
            for (int i = 0; i < input.length; i++) {
                if (Math.abs(input[i]) < 0.1f) {
                    input[i] = Math.copySign(0.1f, input[i]);
                }
            }
            Tensor x = Tensor.of(deviceUnderTest(), input, 3, 4);
            GradCheck.Report report = GradCheck.defaults().run(t -> t.get(0).unaryOp(op, domain.param()), x);
            org.junit.jupiter.api.Assertions.assertTrue(report.passed(),
                    "gradient of unary " + op + " on " + deviceUnderTest() + ": " + report);
        }
    }

    @Test
    default void everyBinaryOpMatchesItsDefinition() {
        for (BinaryOp op : BinaryOp.values()) {
            Domain[] domains = domain(op);
            for (int n : SIZES) {
                float[] a = BackendConformanceTest.values(op.ordinal() * 37L + n, n, domains[0].lo(), domains[0].hi());
                float[] b = BackendConformanceTest.values(op.ordinal() * 41L + n + 1, n, domains[1].lo(), domains[1].hi());
                if (op.isComparison()) {
                    System.arraycopy(a, 0, b, 0, n / 2); // half the pairs equal, so EQ/LE/GE see ties
                }
                Device device = deviceUnderTest();
                Backend backend = device.backend();
                float[] actual = new float[n];
                Storage left = backend.allocate(DType.F32, n);
                Storage right = backend.allocate(DType.F32, n);
                Storage out = backend.allocate(DType.F32, n);
                try {
                    backend.copyIn(a, left);
                    backend.copyIn(b, right);
                    backend.binary(op, left, Layout.contiguous(n), right, Layout.contiguous(n), out);
                    backend.copyOut(out, actual);
                } finally {
                    backend.free(left);
                    backend.free(right);
                    backend.free(out);
                }
                float[] expected = new float[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = op.apply(a[i], b[i]);
                }
                BackendConformanceTest.assertClose("binary " + op + " (n=" + n + ") on " + device, expected, actual,
                        ATOL, RTOL);
            }
        }
    }

    @Test
    default void everyReduceOpMatchesItsDefinition() {
        int[][] shapes = {{1, 1025, 1}, {3, 17, 5}, {17, 1, 3}};  // outer, extent, inner
        for (ReduceOp op : ReduceOp.values()) {
            Domain domain = domain(op);
            for (int[] shape : shapes) {
                int outer = shape[0];
                int extent = shape[1];
                int inner = shape[2];
                int n = outer * extent * inner;
                float[] input = BackendConformanceTest.values(op.ordinal() * 43L + n, n, domain.lo(), domain.hi());
                Device device = deviceUnderTest();
                Backend backend = device.backend();
                float[] actual = new float[outer * inner];
                Storage in = backend.allocate(DType.F32, n);
                Storage out = backend.allocate(DType.F32, outer * inner);
                try {
                    backend.copyIn(input, in);
                    backend.reduce(op, in, outer, extent, inner, out);
                    backend.copyOut(out, actual);
                } finally {
                    backend.free(in);
                    backend.free(out);
                }
                float[] expected = new float[outer * inner];
                for (int o = 0; o < outer; o++) {
                    for (int i = 0; i < inner; i++) {
                        double sum = 0;
                        float accumulator = op.identity();
                        for (int e = 0; e < extent; e++) {
                            float x = input[(o * extent + e) * inner + i];
                            accumulator = op.combine(accumulator, x);
                            sum += x;
                        }
                        // NOTE: sums are compared with the exact (double) sum; backends may sum in any order
                        expected[o * inner + i] = op == ReduceOp.SUM ? (float) sum : accumulator;
                    }
                }
                BackendConformanceTest.assertClose("reduce " + op + " " + java.util.Arrays.toString(shape) + " on "
                        + device, expected, actual, 1e-4f, RTOL);
            }
        }
    }

    @Test
    default void everyGemmEpilogueMatchesItsDefinition() {
        int m = 17;
        int n = 9;
        int k = 33;
        float[] w = BackendConformanceTest.values(52, n * k, -0.3f, 0.3f);
        float[] bias = BackendConformanceTest.values(53, n, -0.5f, 0.5f);
        for (Activation activation : Activation.values()) {
            Domain domain = domain(activation);
            float[] x = BackendConformanceTest.values(51 + activation.ordinal(), m * k, domain.lo(), domain.hi());
            Device device = deviceUnderTest();
            Backend backend = device.backend();
            float[] actual = new float[m * n];
            Storage a = backend.allocate(DType.F32, m * k);
            Storage b = backend.allocate(DType.F32, n * k);
            Storage biasStorage = backend.allocate(DType.F32, n);
            Storage c = backend.allocate(DType.F32, m * n);
            try {
                backend.copyIn(x, a);
                backend.copyIn(w, b);
                backend.copyIn(bias, biasStorage);
                // C = act(x · wᵀ + bias), as nn.Linear computes it
                backend.gemm(new GemmSpec(false, true, m, n, k, a, 0, k, b, 0, k, c,
                        Optional.of(biasStorage), activation));
                backend.copyOut(c, actual);
            } finally {
                backend.free(a);
                backend.free(b);
                backend.free(biasStorage);
                backend.free(c);
            }
            float[] expected = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = bias[j];
                    for (int p = 0; p < k; p++) {
                        sum += (double) x[i * k + p] * w[j * k + p];
                    }
                    expected[i * n + j] = activation.apply((float) sum);
                }
            }
            BackendConformanceTest.assertClose("gemm with epilogue " + activation + " on " + device, expected, actual,
                    1e-4f, 1e-4f);
        }
    }

    /** Runs a one-input, one-output primitive on {@code device} and returns its output. */
    private static float[] run(Device device, int n, float[] input, Primitive primitive) {
        Backend backend = device.backend();
        Storage in = backend.allocate(DType.F32, n);
        Storage out = backend.allocate(DType.F32, n);
        try {
            backend.copyIn(input, in);
            primitive.apply(backend, in, out);
            float[] result = new float[n];
            backend.copyOut(out, result);
            return result;
        } finally {
            backend.free(in);
            backend.free(out);
        }
    }

    /** One SPI call from an input storage to an output storage. */
    interface Primitive {
        void apply(Backend backend, Storage in, Storage out);
    }
}
