package dev.nabla;

import java.util.Arrays;

/** How a {@link Tensor} prints: close to {@code torch}'s format, so printed values compare at a glance. */
final class TensorText {

    /** Tensors up to this many elements print their values ({@code torch} summarizes from 1000). */
    private static final int PRINT_ELEMENTS = 100;

    private TensorText() {
    }

    /** Shape, dtype, device, autograd state, and the values (nested by axis) when there are at most 100. */
    static String describe(Tensor t) {
        StringBuilder text = new StringBuilder("Tensor").append(Arrays.toString(t.shape())).append(' ')
                .append(t.dtype()).append(' ').append(t.device());
        if (t.isRequiresGrad()) {
            text.append(t.gradFn().map(node -> " grad_fn=" + node.opName()).orElse(" requiresGrad"));
        }
        if (t.isClosed()) {
            return text.append(" (closed)").toString();
        }
        if (t.numel() <= PRINT_ELEMENTS) {
            text.append(' ');
            float[] f = t.dtype().isFloatingPoint() ? t.toFloatArray() : null;
            int[] i = f == null ? t.toIntArray() : null;
            nested(text, t.shape(), 0, 0, f, i);
        }
        return text.toString();
    }

    /** Appends values nested by axis, as {@code torch} prints them: {@code [[1.0, 2.0], [3.0, 4.0]]}. */
    private static int nested(StringBuilder text, int[] shape, int axis, int start, float[] f, int[] i) {
        if (shape.length == 0) {
            text.append(f != null ? Float.toString(f[0]) : Integer.toString(i[0]));
            return start + 1;
        }
        text.append('[');
        int next = start;
        for (int k = 0; k < shape[axis]; k++) {
            if (k > 0) {
                text.append(", ");
            }
            if (axis == shape.length - 1) {
                text.append(f != null ? Float.toString(f[next]) : Integer.toString(i[next]));
                next++;
            } else {
                next = nested(text, shape, axis + 1, next, f, i);
            }
        }
        text.append(']');
        return next;
    }
}
