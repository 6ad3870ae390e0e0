package dev.nabla.cpu;

import static dev.nabla.cpu.Fixtures.assertClose;
import static dev.nabla.cpu.Fixtures.randomStorage;
import static dev.nabla.cpu.Fixtures.zeros;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random views of rank 0 to 4 (permuted axes, broadcast axes, size-1 axes, offsets, gaps) through
 * the layout-walking kernels, against the reference: the axis merging in {@link Strides} must
 * never merge two axes that do not step alike.
 */
class RandomLayoutTest {

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(2024);

    /** A random strided view of {@code shape} over fresh storage. */
    private record View(Layout layout, HeapStorage storage) {
    }

    private View randomView(int[] shape) {
        int rank = shape.length;
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        for (int i = rank - 1; i > 0; i--) { // random memory order of the axes
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] strides = new int[rank];
        int stride = 1 + (random.nextInt(4) == 0 ? 1 : 0); // sometimes every other element
        for (int i = rank - 1; i >= 0; i--) {
            int axis = order[i];
            boolean broadcast = shape[axis] == 1 || random.nextInt(4) == 0;
            strides[axis] = broadcast ? 0 : stride;
            if (!broadcast) {
                stride *= shape[axis] + (random.nextInt(5) == 0 ? 2 : 0); // sometimes a gap
            }
        }
        int offset = random.nextInt(4);
        return new View(new Layout(shape, strides, offset), randomStorage(random, stride + offset + 1, 2));
    }

    @Test
    void randomViewsMatchReference() {
        int[] sizes = {1, 2, 3, 5, 17, 33};
        for (int trial = 0; trial < 400; trial++) {
            int rank = random.nextInt(5);
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = sizes[random.nextInt(sizes.length)];
            }
            int n = (int) Layout.numel(shape);
            View x = randomView(shape);
            View y = randomView(shape);
            View cond = randomView(shape);
            String what = "trial " + trial + ": " + x.layout() + " and " + y.layout();
            for (BinaryOp op : new BinaryOp[] {BinaryOp.SUB, BinaryOp.LE, BinaryOp.RELU_GRAD}) {
                HeapStorage expected = zeros(n);
                HeapStorage actual = zeros(n);
                reference.binary(op, x.storage(), x.layout(), y.storage(), y.layout(), expected);
                cpu.binary(op, x.storage(), x.layout(), y.storage(), y.layout(), actual);
                assertClose(op + " " + what, expected, actual, 0, 0);
            }
            HeapStorage expected = zeros(n);
            HeapStorage actual = zeros(n);
            reference.unary(UnaryOp.SQUARE, 0f, x.storage(), x.layout(), expected);
            cpu.unary(UnaryOp.SQUARE, 0f, x.storage(), x.layout(), actual);
            assertClose("square " + what, expected, actual, 0, 0);
            reference.copy(y.storage(), y.layout(), expected);
            cpu.copy(y.storage(), y.layout(), actual);
            assertClose("copy " + what, expected, actual, 0, 0);
            reference.where(cond.storage(), cond.layout(), x.storage(), x.layout(), y.storage(), y.layout(), expected);
            cpu.where(cond.storage(), cond.layout(), x.storage(), x.layout(), y.storage(), y.layout(), actual);
            assertClose("where " + what, expected, actual, 0, 0);
        }
    }
}
