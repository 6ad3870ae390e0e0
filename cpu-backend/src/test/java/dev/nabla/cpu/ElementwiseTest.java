package dev.nabla.cpu;

import static dev.nabla.cpu.Fixtures.assertClose;
import static dev.nabla.cpu.Fixtures.floats;
import static dev.nabla.cpu.Fixtures.randomStorage;
import static dev.nabla.cpu.Fixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Element-wise kernels, copy and fill against the reference backend on many layouts. */
class ElementwiseTest {

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(42);

    /** A named layout over a storage that is large enough for it. */
    private record View(String name, Layout layout, int storageSize) {
    }

    /** Layouts of {@code shape} a tensor can be read through: dense, offset, transposed, broadcast. */
    private static List<View> views(int rows, int cols) {
        List<View> views = new ArrayList<>();
        int[] shape = {rows, cols};
        views.add(new View("contiguous", Layout.contiguous(shape), rows * cols));
        views.add(new View("offset 5", new Layout(shape, new int[] {cols, 1}, 5), rows * cols + 5));
        views.add(new View("transposed", new Layout(shape, new int[] {1, rows}, 0), rows * cols));
        views.add(new View("padded rows", new Layout(shape, new int[] {cols + 3, 1}, 2), rows * (cols + 3) + 2));
        views.add(new View("strided columns", new Layout(shape, new int[] {2 * cols, 2}, 1), 2 * rows * cols + 1));
        views.add(new View("row broadcast", Layout.contiguous(cols).broadcastTo(shape), cols));
        views.add(new View("column broadcast", Layout.contiguous(rows, 1).broadcastTo(shape), rows));
        views.add(new View("scalar", Layout.contiguous().broadcastTo(shape), 1));
        views.add(new View("offset scalar", new Layout(new int[0], new int[0], 3).broadcastTo(shape), 4));
        return views;
    }

    private static final int[][] SHAPES = {{1, 1}, {1, 3}, {3, 17}, {17, 1}, {2, 1025}, {1, 100_003}, {300, 257}};

    @Test
    void unaryMatchesReference() {
        for (int[] shape : SHAPES) {
            for (View view : views(shape[0], shape[1])) {
                HeapStorage src = randomStorage(random, view.storageSize(), 3);
                for (UnaryOp op : UnaryOp.values()) {
                    float[] params = op == UnaryOp.POW ? new float[] {2f, 1f, 0.5f, 3f} : new float[] {1.75f};
                    for (float param : params) {
                        int n = shape[0] * shape[1];
                        HeapStorage expected = zeros(n);
                        HeapStorage actual = zeros(n);
                        reference.unary(op, param, src, view.layout(), expected);
                        cpu.unary(op, param, src, view.layout(), actual);
                        assertClose(op + "(" + param + ") " + view.name() + " " + shape[0] + "x" + shape[1],
                                expected, actual, 0, 0);
                    }
                }
            }
        }
    }

    @Test
    void binaryMatchesReferenceOnEveryLayoutPair() {
        for (int[] shape : SHAPES) {
            int n = shape[0] * shape[1];
            List<View> views = views(shape[0], shape[1]);
            for (View left : views) {
                for (View right : views) {
                    HeapStorage x = randomStorage(random, left.storageSize(), 2);
                    HeapStorage y = randomStorage(random, right.storageSize(), 2);
                    // Equal elements make the comparisons interesting.
                    Fixtures.values(y)[0] = Fixtures.values(x)[left.layout().indexOf(0)];
                    for (BinaryOp op : BinaryOp.values()) {
                        if (n > 1000 && op != BinaryOp.ADD && op != BinaryOp.GT && op != BinaryOp.POW) {
                            continue; // large shapes: one arithmetic, one mask, one scalar-only op
                        }
                        HeapStorage expected = zeros(n);
                        HeapStorage actual = zeros(n);
                        reference.binary(op, x, left.layout(), y, right.layout(), expected);
                        cpu.binary(op, x, left.layout(), y, right.layout(), actual);
                        assertClose(op + " " + left.name() + " with " + right.name() + " " + shape[0] + "x" + shape[1],
                                expected, actual, 0, 0);
                    }
                }
            }
        }
    }

    @Test
    void binaryBroadcastsAcrossThreeAxes() {
        int[] shape = {4, 3, 5};
        Layout a = Layout.contiguous(4, 1, 5).broadcastTo(shape);
        Layout b = Layout.contiguous(1, 3, 5).broadcastTo(shape);
        HeapStorage x = randomStorage(random, 20, 1);
        HeapStorage y = randomStorage(random, 15, 1);
        for (BinaryOp op : BinaryOp.values()) {
            HeapStorage expected = zeros(60);
            HeapStorage actual = zeros(60);
            reference.binary(op, x, a, y, b, expected);
            cpu.binary(op, x, a, y, b, actual);
            assertClose(op + " [4,1,5] with [1,3,5]", expected, actual, 0, 0);
        }
    }

    @Test
    void emptyTensorsAreNoOps() {
        HeapStorage empty = zeros(0);
        HeapStorage one = floats(1f);
        Layout none = Layout.contiguous(0, 5);
        Layout scalar = Layout.contiguous().broadcastTo(new int[] {0, 5});
        cpu.unary(UnaryOp.EXP, 0f, empty, none, empty);
        cpu.binary(BinaryOp.ADD, empty, none, one, scalar, empty);
        cpu.binary(BinaryOp.ADD, one, scalar, one, scalar, empty);
        cpu.where(one, scalar, one, scalar, empty, none, empty);
        cpu.copy(one, scalar, empty);
        cpu.fill(empty, 1f, 0);
    }

    @Test
    void nanAndSignedZerosFollowTheScalarDefinitions() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] left = {nan, 1f, nan, -0f, 0f, inf, -inf, 2f, nan, 3f, -1f, 0f, 5f, nan, -0f, 1f, 7f, nan};
        float[] right = {1f, nan, nan, 0f, -0f, inf, inf, 2f, 0f, nan, -1f, 0f, 5f, 2f, -0f, 1f, nan, nan};
        Layout layout = Layout.contiguous(left.length);
        for (BinaryOp op : BinaryOp.values()) {
            HeapStorage expected = zeros(left.length);
            HeapStorage actual = zeros(left.length);
            reference.binary(op, floats(left), layout, floats(right), layout, expected);
            cpu.binary(op, floats(left), layout, floats(right), layout, actual);
            assertArrayEquals(Fixtures.values(expected), Fixtures.values(actual), op + " with NaN, ±0 and ±inf");
        }
        for (UnaryOp op : UnaryOp.values()) {
            HeapStorage expected = zeros(left.length);
            HeapStorage actual = zeros(left.length);
            reference.unary(op, 2f, floats(left), layout, expected);
            cpu.unary(op, 2f, floats(left), layout, actual);
            assertArrayEquals(Fixtures.values(expected), Fixtures.values(actual), op + " with NaN, ±0 and ±inf");
        }
    }

    @Test
    void whereMatchesReference() {
        for (int[] shape : SHAPES) {
            int n = shape[0] * shape[1];
            List<View> views = views(shape[0], shape[1]);
            for (View condView : List.of(views.get(0), views.get(2), views.get(6))) {
                for (View valueView : List.of(views.get(0), views.get(5), views.get(7))) {
                    HeapStorage cond = randomStorage(random, condView.storageSize(), 1);
                    float[] c = Fixtures.values(cond);
                    for (int i = 0; i < c.length; i++) {
                        c[i] = c[i] > 0 ? 1f : (c[i] > -0.5f ? 0f : Float.NaN);
                    }
                    HeapStorage x = randomStorage(random, valueView.storageSize(), 1);
                    HeapStorage y = randomStorage(random, n, 1);
                    Layout yLayout = Layout.contiguous(shape);
                    HeapStorage expected = zeros(n);
                    HeapStorage actual = zeros(n);
                    reference.where(cond, condView.layout(), x, valueView.layout(), y, yLayout, expected);
                    cpu.where(cond, condView.layout(), x, valueView.layout(), y, yLayout, actual);
                    assertClose("where " + condView.name() + " " + valueView.name(), expected, actual, 0, 0);
                }
            }
        }
    }

    @Test
    void copyGathersEveryLayout() {
        for (int[] shape : SHAPES) {
            int n = shape[0] * shape[1];
            for (View view : views(shape[0], shape[1])) {
                HeapStorage src = randomStorage(random, view.storageSize(), 1);
                HeapStorage expected = zeros(n);
                HeapStorage actual = zeros(n);
                reference.copy(src, view.layout(), expected);
                cpu.copy(src, view.layout(), actual);
                assertClose("copy " + view.name() + " " + shape[0] + "x" + shape[1], expected, actual, 0, 0);
            }
        }
    }

    @Test
    void copyTransposesBatchesAndPermutations() {
        // [2, 3, 40, 33] permuted so that the last two axes are swapped, and a full reversal.
        int[] dims = {2, 3, 40, 33};
        Layout source = Layout.contiguous(dims);
        int[] s = source.strides();
        List<Layout> layouts = List.of(
                new Layout(new int[] {2, 3, 33, 40}, new int[] {s[0], s[1], s[3], s[2]}, 0),
                new Layout(new int[] {33, 40, 3, 2}, new int[] {s[3], s[2], s[1], s[0]}, 0),
                new Layout(new int[] {3, 2, 33, 40}, new int[] {s[1], s[0], s[3], s[2]}, 0));
        HeapStorage src = randomStorage(random, 2 * 3 * 40 * 33, 1);
        for (Layout layout : layouts) {
            HeapStorage expected = zeros(src.floats().length);
            HeapStorage actual = zeros(src.floats().length);
            reference.copy(src, layout, expected);
            cpu.copy(src, layout, actual);
            assertClose("copy " + layout, expected, actual, 0, 0);
        }
        HeapStorage big = randomStorage(random, 700 * 500, 1);
        Layout transposed = new Layout(new int[] {500, 700}, new int[] {1, 500}, 0);
        HeapStorage expected = zeros(700 * 500);
        HeapStorage actual = zeros(700 * 500);
        reference.copy(big, transposed, expected);
        cpu.copy(big, transposed, actual);
        assertClose("copy of a large transpose", expected, actual, 0, 0);
    }

    @Test
    void copiesIntegersAndFills() {
        HeapStorage labels = Fixtures.ints(3, 1, 4, 1, 5, 9, 2, 6);
        HeapStorage expected = new HeapStorage(DType.I32, 4);
        HeapStorage actual = new HeapStorage(DType.I32, 4);
        Layout everyOther = new Layout(new int[] {4}, new int[] {2}, 1);
        reference.copy(labels, everyOther, expected);
        cpu.copy(labels, everyOther, actual);
        assertArrayEquals(expected.ints(), actual.ints());
        reference.copy(labels, new Layout(new int[] {4}, new int[] {1}, 2), expected);
        cpu.copy(labels, new Layout(new int[] {4}, new int[] {1}, 2), actual);
        assertArrayEquals(expected.ints(), actual.ints());

        for (int n : new int[] {1, 3, 17, 1025, 100_003}) {
            HeapStorage filled = randomStorage(random, n + 2, 1);
            float last = filled.floats()[n];
            cpu.fill(filled, 2.5f, n);
            for (int i = 0; i < n; i++) {
                org.junit.jupiter.api.Assertions.assertEquals(2.5f, filled.floats()[i]);
            }
            org.junit.jupiter.api.Assertions.assertEquals(last, filled.floats()[n], "fill wrote past count");
        }
    }
}
