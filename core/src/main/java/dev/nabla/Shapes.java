package dev.nabla;

import java.util.ArrayList;
import java.util.List;

/** Shape arithmetic shared by the tensor operations; the checks on shapes are in {@link Checks}. */
final class Shapes {

    private Shapes() {
    }

    /** The shape after reducing {@code axes}: removed, or kept with size 1. */
    static int[] reduced(int[] shape, int[] axes, boolean keepDims) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            boolean reduced = false;
            for (int axis : axes) {
                reduced |= axis == i;
            }
            if (!reduced) {
                out.add(shape[i]);
            } else if (keepDims) {
                out.add(1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code 0, 1, ..., rank − 1}. */
    static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return axes;
    }

    /**
     * The product of the sizes before {@code axis}: with {@link #inner} the {@code [outer, extent,
     * inner]} view that the backend's axis kernels take.
     */
    static int outer(int[] shape, int axis) {
        int n = 1;
        for (int i = 0; i < axis; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** The product of the sizes after {@code axis}. */
    static int inner(int[] shape, int axis) {
        int n = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
