package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SPI's edge cases, on every backend (a module subclasses this in a few lines, as
 * {@link BackendConformanceTest}): what the shared conformance suite does not reach through the tensor API, called on the SPI
 * directly and compared with the reference backend: random strided views up to rank 5, every GEMM
 * epilogue with operand offsets and padded leading dimensions, NaN and saturation rules,
 * empty launches, Philox with high seed and offset bits.
 */
public abstract class BackendEdgeCasesTest {

    private Backend device;
    private final ReferenceBackend reference = new ReferenceBackend();
    private final SplittableRandom random = new SplittableRandom(7);

    /** The device under test; a subclass that cannot open one here assumes it away with the reason. */
    protected abstract Device device();

    @BeforeEach
    void open() {
        device = device().backend();
    }

    // ---- helpers ------------------------------------------------------------------------

    private static Storage upload(Backend backend, float[] values) {
        Storage storage = backend.allocate(DType.F32, values.length);
        backend.copyIn(values, storage);
        return storage;
    }

    private static Storage upload(Backend backend, int[] values) {
        Storage storage = backend.allocate(DType.I32, values.length);
        backend.copyIn(values, storage);
        return storage;
    }

    private static float[] download(Backend backend, Storage storage, int count) {
        float[] out = new float[count];
        backend.copyOut(storage, out);
        return out;
    }

    private float[] uniform(int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /** Runs {@code op} on both backends with the same float inputs and returns {expected, actual}. */
    private float[][] both(float[][] inputs, int outputCount, float[] initialOutput,
                                  Function<Storage[], Consumer<Backend>> op, Backend ref) {
        float[][] results = new float[2][];
        Backend[] backends = {ref, device};
        for (int b = 0; b < 2; b++) {
            Backend backend = backends[b];
            Storage[] storages = new Storage[inputs.length + 1];
            for (int i = 0; i < inputs.length; i++) {
                storages[i] = upload(backend, inputs[i]);
            }
            storages[inputs.length] = upload(backend, initialOutput != null ? initialOutput : new float[outputCount]);
            op.apply(storages).accept(backend);
            results[b] = download(backend, storages[inputs.length], outputCount);
            for (Storage s : storages) {
                backend.free(s);
            }
        }
        return results;
    }

    private static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                if (Float.compare(e, a) != 0 && !(Float.isNaN(e) && Float.isNaN(a))) {
                    fail(what + ": element " + i + " expected " + e + " but was " + a);
                }
            } else if (!(Math.abs(e - a) <= atol + rtol * Math.abs(e))) {
                fail(what + ": element " + i + " expected " + e + " but was " + a);
            }
        }
    }

    // ---- strided views ------------------------------------------------------------------

    /** A random view of {@code shape}: permuted axes, broadcast axes, gaps, an offset; returns layout and storage size. */
    private Layout randomView(int[] shape) {
        int rank = shape.length;
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        for (int i = rank - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] strides = new int[rank];
        int stride = 1 + (random.nextInt(4) == 0 ? 1 : 0);
        for (int i = rank - 1; i >= 0; i--) {
            int axis = order[i];
            boolean broadcast = shape[axis] == 1 || random.nextInt(4) == 0;
            strides[axis] = broadcast ? 0 : stride;
            if (!broadcast) {
                stride *= shape[axis] + (random.nextInt(5) == 0 ? 2 : 0);
            }
        }
        return new Layout(shape, strides, random.nextInt(4));
    }

    private static int span(Layout layout) {
        int last = layout.offset();
        for (int axis = 0; axis < layout.rank(); axis++) {
            last += (layout.dim(axis) - 1) * layout.stride(axis);
        }
        return last + 1;
    }

    @Test
    void randomStridedViewsMatchTheReferenceExactly() {
        int[] sizes = {1, 2, 3, 5, 17};
        for (int trial = 0; trial < 60; trial++) {
            int rank = random.nextInt(6);
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = sizes[random.nextInt(sizes.length)];
            }
            int n = (int) Layout.numel(shape);
            Layout x = randomView(shape);
            Layout y = randomView(shape);
            Layout c = randomView(shape);
            float[] xs = uniform(span(x), 2);
            float[] ys = uniform(span(y), 2);
            float[] cs = uniform(span(c), 1);
            for (int i = 0; i < cs.length; i++) {
                cs[i] = cs[i] > 0 ? 1 : 0;
            }
            String what = "trial " + trial + " " + x + " / " + y;
            for (BinaryOp op : new BinaryOp[] {BinaryOp.SUB, BinaryOp.LE, BinaryOp.MAXIMUM}) {
                float[][] r = both(new float[][] {xs, ys}, n, null,
                        s -> b -> b.binary(op, s[0], x, s[1], y, s[2]), reference);
                assertClose(op + " " + what, r[0], r[1], 0, 0);
            }
            float[][] r = both(new float[][] {xs}, n, null, s -> b -> b.unary(UnaryOp.SQUARE, 0f, s[0], x, s[1]), reference);
            assertClose("square " + what, r[0], r[1], 0, 0);
            r = both(new float[][] {cs, xs, ys}, n, null, s -> b -> b.where(s[0], c, s[1], x, s[2], y, s[3]), reference);
            assertClose("where " + what, r[0], r[1], 0, 0);
            r = both(new float[][] {xs}, n, null, s -> b -> b.copy(s[0], x, s[1]), reference);
            assertClose("copy " + what, r[0], r[1], 0, 0);
            // copyInto a view without repeats: a permuted, gapped, offset destination.
            Layout target = randomView(shape);
            int[] noRepeat = target.strides();
            int stride = 1;
            for (int axis = rank - 1; axis >= 0; axis--) {
                noRepeat[axis] = stride;
                stride *= shape[axis] + 1;
            }
            Layout dst = new Layout(shape, noRepeat, 3);
            float[] initial = uniform(span(dst), 1);
            r = both(new float[][] {xs}, initial.length, initial, s -> b -> b.copyInto(s[0], x, s[1], dst), reference);
            assertClose("copyInto " + what + " -> " + dst, r[0], r[1], 0, 0);
        }
    }

    // ---- GEMM ---------------------------------------------------------------------------

    @Test
    void gemmEpiloguesWithOffsetsAndPaddedLeadingDimensions() {
        int m = 37;
        int n = 70;
        int k = 19;
        for (Activation activation : Activation.values()) {
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 2) != 0;
                boolean transB = (t & 1) != 0;
                int lda = (transA ? m : k) + 3;
                int ldb = (transB ? k : n) + 5;
                int offsetA = 7;
                int offsetB = 2;
                float[] a = uniform(offsetA + (transA ? k : m) * lda, 1);
                float[] b = uniform(offsetB + (transB ? n : k) * ldb, 1);
                float[] bias = uniform(n, 1);
                // C is written, never read: NaN in it must not leak into the result.
                float[] c = new float[m * n];
                java.util.Arrays.fill(c, Float.NaN);
                float[][] r = both(new float[][] {a, b, bias}, c.length, c, s -> backend -> backend.gemm(new GemmSpec(
                        transA, transB, m, n, k, s[0], offsetA, lda, s[1], offsetB, ldb, s[3],
                        Optional.of(s[2]), activation)), reference);
                assertClose("gemm " + t + " " + activation, r[0], r[1], 1e-5, 1e-4);
            }
        }
    }

    @Test
    void gemmNeverReadsC() {
        float[] c = new float[12];
        java.util.Arrays.fill(c, Float.NaN);
        // [[1, 2], [3, 4], [5, 6]] @ [[1, 0, 1, 0], [0, 1, 0, 1]] = [[1, 2, 1, 2], [3, 4, 3, 4], [5, 6, 5, 6]]
        float[][] r = both(new float[][] {{1, 2, 3, 4, 5, 6}, {1, 0, 1, 0, 0, 1, 0, 1}}, 12, c,
                s -> backend -> backend.gemm(GemmSpec.of(false, false, 3, 4, 2, s[0], s[1], s[2])), reference);
        assertArrayEquals(new float[] {1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6}, r[1]);
    }

    // ---- NaN, saturation, empty ---------------------------------------------------------

    @Test
    void castTruncatesAndSaturatesLikeJava() {
        float[] values = {2.9f, -3.7f, Float.NaN, 1e10f, -1e10f, Float.POSITIVE_INFINITY, -0.5f, 16777217f};
        Storage src = upload(device, values);
        Storage dst = device.allocate(DType.I32, values.length);
        device.cast(src, dst, values.length);
        int[] out = new int[values.length];
        device.copyOut(dst, out);
        for (int i = 0; i < values.length; i++) {
            assertEquals((int) values[i], out[i], "cast of " + values[i]);
        }
        device.fill(dst, 7.9f, 3);
        device.copyOut(dst, out);
        assertEquals(7, out[0]);
        assertEquals(7, out[2]);
        assertEquals((int) 1e10f, out[3]);
        device.free(src);
        device.free(dst);
    }

    @Test
    void reductionsPropagateNaNAndArgmaxKeepsTheFirstBest() {
        // rows: [1, NaN, 3], [2, 5, 5], [-inf, -inf, -inf]
        float[] data = {1, Float.NaN, 3, 2, 5, 5, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY};
        Storage src = upload(device, data);
        Storage out = device.allocate(DType.F32, 3);
        device.reduce(ReduceOp.MAX, src, 3, 3, 1, out);
        float[] max = download(device, out, 3);
        assertTrue(Float.isNaN(max[0]));
        assertEquals(5f, max[1]);
        assertEquals(Float.NEGATIVE_INFINITY, max[2]);
        device.reduce(ReduceOp.MIN, src, 1, 3, 3, out); // over rows: column 1 holds NaN
        float[] min = download(device, out, 3);
        assertEquals(Float.NEGATIVE_INFINITY, min[0]);
        assertTrue(Float.isNaN(min[1]));
        Storage indices = device.allocate(DType.I32, 3);
        device.argmax(src, 3, 3, 1, indices);
        int[] argmax = new int[3];
        device.copyOut(indices, argmax);
        assertArrayEquals(new int[] {1, 1, 0}, argmax);
        device.argmax(src, 1, 3, 3, indices);
        device.copyOut(indices, argmax);
        assertArrayEquals(new int[] {1, 0, 1}, argmax); // columns: [1, 2, -inf], [NaN, 5, -inf], [3, 5, -inf]
        // an empty axis yields the identity
        device.reduce(ReduceOp.MIN, src, 2, 0, 1, out);
        assertEquals(Float.POSITIVE_INFINITY, download(device, out, 1)[0]);
        device.free(src);
        device.free(out);
        device.free(indices);
    }

    @Test
    void sumsOverAMillionElementsMatchADoubleSum() {
        // Plain float accumulation of 2^20 terms of 0.1 drifts by ~1% (each addition to a sum
        // near 1e5 rounds off up to 2^-8); the result must be as close as a double sum rounded.
        int rows = 1 << 20;
        int columns = 3;
        float[] data = new float[rows * columns];
        for (int i = 0; i < rows; i++) {
            data[i * columns] = 0.1f;
            data[i * columns + 1] = 0.1f + (i % 7) * 1e-3f;
            data[i * columns + 2] = (i % 2 == 0 ? 1f : -1f) * (1f + (i % 5) * 0.3f); // cancelling terms
        }
        double[] exact = new double[columns];
        for (int i = 0; i < data.length; i++) {
            exact[i % columns] += data[i];
        }
        Storage src = upload(device, data);
        Storage out = device.allocate(DType.F32, columns * rows);
        device.reduce(ReduceOp.SUM, src, 1, rows, columns, out); // over the long axis, a column per work-item
        float[] columnSums = download(device, out, columns);
        device.reduce(ReduceOp.SUM, src, 1, data.length, 1, out); // one contiguous row of 3·2^20
        float total = download(device, out, 1)[0];
        device.reduce(ReduceOp.SUM, src, rows, columns, 1, out); // many short rows stay plain sums
        float[] rowSums = download(device, out, rows);
        device.free(src);
        device.free(out);
        // 1e-3 absolute for the cancelling column: its terms add up to 1.7e6 in magnitude
        for (int j = 0; j < columns; j++) {
            assertEquals(exact[j], columnSums[j], 1e-5 * Math.abs(exact[j]) + 1e-3, "column " + j + " of " + rows + " rows");
        }
        double exactTotal = exact[0] + exact[1] + exact[2];
        assertEquals(exactTotal, total, 1e-5 * Math.abs(exactTotal), "sum of " + data.length + " contiguous floats");
        assertEquals(data[3] + data[4] + data[5], rowSums[1], 1e-6, "row 1");
    }

    @Test
    void compensatedSumsStillOverflowAndPropagateNaN() {
        // columns: [3e38, 3e38, -1] overflows to +inf; [1, inf, 1] is inf; [1, NaN, 1] is NaN
        float[] data = {3e38f, 1, 1, 3e38f, Float.POSITIVE_INFINITY, Float.NaN, -1, 1, 1};
        Storage src = upload(device, data);
        Storage out = device.allocate(DType.F32, 3);
        device.reduce(ReduceOp.SUM, src, 1, 3, 3, out);
        float[] columns = download(device, out, 3);
        device.reduce(ReduceOp.SUM, src, 1, 9, 1, out);
        float total = download(device, out, 1)[0];
        device.free(src);
        device.free(out);
        assertEquals(Float.POSITIVE_INFINITY, columns[0]);
        assertEquals(Float.POSITIVE_INFINITY, columns[1]);
        assertTrue(Float.isNaN(columns[2]));
        assertTrue(Float.isNaN(total));
    }

    @Test
    void emptyTensorsLaunchNothing() {
        Storage empty = device.allocate(DType.F32, 0);
        Storage other = device.allocate(DType.F32, 0);
        device.unary(UnaryOp.EXP, 0f, empty, Layout.contiguous(0, 5), other);
        device.binary(BinaryOp.ADD, empty, Layout.contiguous(3, 0), empty, Layout.contiguous(3, 0), other);
        device.copy(empty, new Layout(new int[] {0, 4}, new int[] {1, 0}, 0), other);
        device.reduce(ReduceOp.SUM, empty, 0, 4, 1, other);
        device.fill(empty, 1f, 0);
        device.randomUniform(1, 2, empty, 0);
        device.gemm(GemmSpec.of(false, false, 0, 4, 3, empty, empty, other));
        device.synchronize();
        device.free(empty);
        device.free(other);
    }

    /**
     * Reductions whose output is empty because the axes after the reduced one are (inner = 0):
     * {@code zeros(1, 0).argmax(0)}, which the fuzzer found crashing the CPU backend (issue 17).
     */
    @Test
    void reductionsWithAnEmptyInnerExtentWriteNothing() {
        Storage empty = device.allocate(DType.F32, 0);
        Storage indices = device.allocate(DType.I32, 0);
        Storage other = device.allocate(DType.F32, 0);
        device.argmax(empty, 1, 1, 0, indices);
        device.argmax(empty, 2, 3, 0, indices);
        device.argmax(empty, 0, 3, 1, indices);
        for (ReduceOp op : ReduceOp.values()) {
            device.reduce(op, empty, 2, 3, 0, other);
        }
        device.softmax(empty, 2, 3, 0, false, other);
        device.softmax(empty, 2, 3, 0, true, other);
        device.synchronize();
        device.free(empty);
        device.free(indices);
        device.free(other);
    }

    // ---- softmax, random ----------------------------------------------------------------

    @Test
    void softmaxOverAStridedAxisMatchesTheReference() {
        float[] data = uniform(5 * 33 * 7, 30);
        for (boolean log : new boolean[] {false, true}) {
            float[][] r = both(new float[][] {data}, data.length, null,
                    s -> backend -> backend.softmax(s[0], 5, 33, 7, log, s[1]), reference);
            assertClose("softmax columns log=" + log, r[0], r[1], 1e-5, 1e-5);
        }
    }

    @Test
    void philoxIsBitIdenticalWithHighSeedAndOffsetBits() {
        long seed = 0xDEADBEEF_12345678L;
        long offset = 0x1_0000_0003L;
        int count = 4099;
        float[][] r = both(new float[0][], count, null, s -> backend -> backend.randomUniform(seed, offset, s[0], count),
                reference);
        assertArrayEquals(r[0], r[1]);
        r = both(new float[0][], count, null, s -> backend -> backend.randomNormal(seed, offset, s[0], count), reference);
        assertClose("normal", r[0], r[1], 1e-5, 1e-5);
    }

    @Test
    void crossEntropyWithLabelsAtTheEdgesAndWideRows() {
        int rows = 5;
        int classes = 3000; // several strides of a GPU backend's 256-item work-group
        float[] logits = uniform(rows * classes, 20);
        int[] labels = {0, classes - 1, 1234, 256, 255};
        float[][] expected = new float[2][];
        float[][] actual = new float[2][];
        Backend[] backends = {reference, device};
        for (int b = 0; b < 2; b++) {
            Backend backend = backends[b];
            Storage x = upload(backend, logits);
            Storage y = upload(backend, labels);
            Storage loss = backend.allocate(DType.F32, rows);
            Storage lse = backend.allocate(DType.F32, 2 * rows); // per row: max, log-sum
            Storage g = upload(backend, new float[] {1, 0.5f, -2, 0, 3});
            Storage grad = backend.allocate(DType.F32, rows * classes);
            backend.crossEntropyForward(x, y, rows, classes, loss, lse);
            backend.crossEntropyBackward(x, y, lse, g, rows, classes, grad);
            float[][] target = b == 0 ? expected : actual;
            target[0] = download(backend, loss, rows);
            target[1] = download(backend, grad, rows * classes);
            for (Storage s : new Storage[] {x, y, loss, lse, g, grad}) {
                backend.free(s);
            }
        }
        assertClose("loss", expected[0], actual[0], 1e-5, 1e-5);
        assertClose("grad", expected[1], actual[1], 1e-7, 1e-4);
    }
}
