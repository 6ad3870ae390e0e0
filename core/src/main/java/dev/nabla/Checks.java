package dev.nabla;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Layout;
import java.util.Arrays;

/**
 * The argument checks of every {@link Tensor} operation. They run before anything is dispatched,
 * so a mistake surfaces as an exception naming the op, the shapes, dtypes and devices, not as a
 * kernel reading out of bounds or a wrong result later; and they live in one place so every op
 * words the same mistake the same way.
 */
final class Checks {

    private Checks() {
    }

    static void open(String op, Tensor t) {
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": tensor " + Arrays.toString(t.shape()) + " " + t.dtype() + " on "
                    + t.device() + " was closed (by close() or its Scope); call keep() on tensors used after their"
                    + " scope ends");
        }
    }

    static void shape(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative size in shape " + Arrays.toString(shape));
            }
        }
    }

    /** A shape {@code empty} can allocate. */
    static void allocatable(int[] shape) {
        shape("empty", shape);
        if (Layout.numel(shape) > Integer.MAX_VALUE) {
            // Kernels index elements with 32-bit ints on every backend.
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " has "
                    + Layout.numel(shape) + " elements; Nabla tensors hold at most " + Integer.MAX_VALUE
                    + " (2^31 - 1) elements");
        }
    }

    static void fill(String op, int length, int[] shape) {
        shape(op, shape);
        if (Layout.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape "
                    + Arrays.toString(shape) + " (" + Layout.numel(shape) + " elements)");
        }
    }

    static void f32(String op, Tensor t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + ": expected an F32 (float32) tensor, got " + t.dtype()
                    + " of shape " + Arrays.toString(t.shape()) + " on " + t.device()
                    + "; convert with toType(DType.F32)");
        }
    }

    /** F32, BF16 or F16: the dtypes arithmetic accepts (16-bit operands are computed in F32). */
    static void floating(String op, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating-point tensor (F32, BF16 or F16), got "
                    + t.dtype() + " of shape " + Arrays.toString(t.shape()) + " on " + t.device()
                    + "; convert with toType(DType.F32)");
        }
    }

    /** A 16-bit dtype (BF16 or F16), for the raw-bits API. */
    static void halfDtype(String op, DType dtype) {
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException(op + ": raw 16-bit patterns need BF16 or F16, not " + dtype);
        }
    }

    static void halfDtype(String op, Tensor t) {
        if (!t.dtype().isHalf()) {
            throw new IllegalArgumentException(op + ": tensor of shape " + Arrays.toString(t.shape()) + " on "
                    + t.device() + " is " + t.dtype() + ", not BF16 or F16; use toFloatArray() or toIntArray()");
        }
    }

    /**
     * Operands of an op PyTorch runs only on one dtype (matmul, linear): a BF16 weight with an F32
     * input is refused there ("expected mat1 and mat2 to have the same dtype"), and so here.
     */
    static void sameDtype(String op, Tensor first, Tensor... rest) {
        for (Tensor t : rest) {
            if (t.dtype() != first.dtype()) {
                StringBuilder operands = new StringBuilder();
                for (Tensor o : prepend(first, rest)) {
                    operands.append(operands.isEmpty() ? "" : ", ").append(o.dtype()).append(' ')
                            .append(Arrays.toString(o.shape()));
                }
                throw new IllegalArgumentException(op + ": operands must have one dtype, got " + operands + " on "
                        + first.device() + "; convert with to(DType." + first.dtype() + ")");
            }
        }
    }

    private static Tensor[] prepend(Tensor first, Tensor[] rest) {
        Tensor[] all = new Tensor[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /**
     * Optimizers keep F32 state and update F32 master weights; a 16-bit parameter, gradient or
     * state would lose every update smaller than its rounding step.
     */
    static void optimizerF32(dev.nabla.backend.OptimizerStep step, Tensor param, Tensor t) {
        if (t.dtype() != DType.F32) {
            String role = t == param ? "parameter" : "gradient or state";
            throw new IllegalArgumentException("optimizerStep (" + step.getClass().getSimpleName() + "): " + role
                    + " " + Arrays.toString(t.shape()) + " on " + t.device() + " is " + t.dtype()
                    + "; optimizers keep F32 state and update F32 master weights: keep the parameter F32 and"
                    + " cast it with to(DType." + t.dtype() + ") in the forward pass");
        }
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(op + ": tensors are on different devices, " + a.device() + " "
                    + Arrays.toString(a.shape()) + " and " + b.device() + " " + Arrays.toString(b.shape())
                    + "; move one with .to(device)");
        }
    }

    /** {@code gradient} (a seed or a replacement gradient) has the shape of {@code t}. */
    static void gradientShape(String op, Tensor t, Tensor gradient) {
        if (!Arrays.equals(t.shape(), gradient.shape())) {
            throw new IllegalArgumentException(op + ": gradient shape " + Arrays.toString(gradient.shape())
                    + " does not match tensor shape " + Arrays.toString(t.shape()));
        }
    }

    /** What {@link Tensor#backward(Tensor)} and {@link Tensor#gradientsFor} need of the output and the seed. */
    static void backwardSeed(String op, Tensor output, Tensor seed) {
        open(op, output);
        open(op, seed);
        gradientShape(op, output, seed);
        sameDevice(op, output, seed);
        floating(op + " (the seed gradient)", seed);
        if (!output.isRequiresGrad()) {
            throw new IllegalStateException(op + ": tensor of shape " + Arrays.toString(output.shape())
                    + " does not require grad and has no grad_fn; call requiresGrad() on the inputs before"
                    + " computing it");
        }
    }

    /** Open floating operands of an elementwise op on one device (their dtypes promote). */
    static void binary(String op, Tensor a, Tensor b) {
        open(op, a);
        open(op, b);
        sameDevice(op, a, b);
        floating(op, a);
        floating(op, b);
    }

    /** Arguments of {@code where}; returns the shape all three broadcast to. */
    static int[] where(Tensor condition, Tensor a, Tensor b) {
        String op = "where";
        open(op, condition);
        open(op, a);
        open(op, b);
        sameDevice(op, condition, a);
        sameDevice(op, a, b);
        floating(op, a);
        floating(op, b);
        return broadcastShape(op, broadcastShape(op, condition.shape(), a.shape()), b.shape());
    }

    /** {@code requiresGrad(value)} is allowed: only floating tensors can require grad, and an op's output cannot stop. */
    static void requiresGrad(Tensor t, boolean value) {
        open("requiresGrad", t);
        if (value && !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad: only floating-point tensors (F32, BF16, F16) can require"
                    + " gradients, this one is "
                    + t.dtype() + " " + Arrays.toString(t.shape()));
        }
        if (!value && t.gradFn().isPresent()) {
            throw new IllegalStateException("requiresGrad(false): tensor is the output of "
                    + t.gradFn().get().opName() + "; use detach() to get a tensor outside the graph");
        }
    }

    /** {@code backward()} without a seed: the output must be a single element. */
    static void scalarLoss(Tensor t) {
        open("backward", t);
        if (t.numel() != 1) {
            throw new IllegalStateException("backward: output has shape " + Arrays.toString(t.shape())
                    + "; backward() needs a scalar (one element) or an explicit gradient: backward(Tensor gradient)");
        }
    }

    /** The inputs of {@link Tensor#gradientsFor}: open, and each requiring grad. */
    static void gradientInputs(Tensor[] inputs) {
        for (Tensor input : inputs) {
            open("gradientsFor", input);
            if (!input.isRequiresGrad()) {
                throw new IllegalArgumentException("gradientsFor: input " + Arrays.toString(input.shape())
                        + " does not require grad; call requiresGrad() on it before computing the output");
            }
        }
    }

    /** NumPy broadcasting: align trailing axes; sizes must match or one must be 1. */
    static int[] broadcastShape(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " are not broadcastable (axis " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** {@code axis} of {@code t}, negative axes counting from the end. */
    static int axis(String op, Tensor t, int axis) {
        int rank = t.rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IndexOutOfBoundsException(op + ": axis " + axis + " is out of range for a tensor of rank "
                    + rank + " (shape " + Arrays.toString(t.shape()) + ")");
        }
        return a;
    }

    /** {@code axes} of {@code t}, made non-negative and sorted; none may repeat. */
    static int[] axes(String op, Tensor t, int[] axes) {
        int[] normalized = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            normalized[i] = axis(op, t, axes[i]);
        }
        Arrays.sort(normalized);
        for (int i = 1; i < normalized.length; i++) {
            if (normalized[i] == normalized[i - 1]) {
                throw new IllegalArgumentException(op + ": axis " + normalized[i] + " listed twice in "
                        + Arrays.toString(axes));
            }
        }
        return normalized;
    }

    /** The axes of a max or min over a non-empty floating tensor, normalized as {@link #axes}. */
    static int[] extremumAxes(String op, Tensor t, int[] axes) {
        open(op, t);
        floating(op, t);
        if (t.numel() == 0) {
            throw new IllegalArgumentException(op + ": tensor of shape " + Arrays.toString(t.shape()) + " is empty");
        }
        return axes(op, t, axes);
    }

    /** The axis of an argmax over an F32 tensor, normalized; it must not be empty. */
    static int argmaxAxis(Tensor t, int axis) {
        open("argmax", t);
        floating("argmax", t);
        int a = axis("argmax", t, axis);
        if (t.layout().dim(a) == 0) {
            throw new IllegalArgumentException("argmax: axis " + a + " of shape " + Arrays.toString(t.shape())
                    + " is empty; there is no index to return");
        }
        return a;
    }

    /** The axis of a slice, normalized; {@code [start, end)} must lie within it. */
    static int slice(Tensor t, int axis, int start, int end) {
        open("slice", t);
        int a = axis("slice", t, axis);
        int size = t.layout().dim(a);
        if (start < 0 || end > size || start > end) {
            throw new IndexOutOfBoundsException("slice: range [" + start + ", " + end + ") is outside axis " + a
                    + " of size " + size + " (shape " + Arrays.toString(t.shape()) + ")");
        }
        return a;
    }

    /** The view of {@code t} expanded to {@code target}, which it must broadcast to. */
    static Layout expand(Tensor t, int[] target) {
        open("expand", t);
        broadcastShape("expand", t.shape(), target);
        try {
            return t.layout().broadcastTo(target);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expand: cannot expand " + Arrays.toString(t.shape()) + " to "
                    + Arrays.toString(target));
        }
    }

    /** A 2-D F32 input gathered along axis 1 by a valid index on its device. */
    static void gather(Tensor t, int axis, Tensor index) {
        open("gather", t);
        open("gather", index);
        sameDevice("gather", t, index);
        floating("gather", t);
        if (t.rank() != 2 || axis("gather", t, axis) != 1) {
            throw new IllegalArgumentException("gather: supports a 2-D input gathered along axis 1; got shape "
                    + Arrays.toString(t.shape()) + " and axis " + axis);
        }
        indices("gather", index, t.layout().dim(0), t.layout().dim(1));
    }

    /** {@code newShape} with its one -1 (if any) inferred, holding as many elements as {@code t}. */
    static int[] reshapeTarget(Tensor t, int[] newShape) {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("reshape: " + Arrays.toString(t.shape()) + " to "
                            + Arrays.toString(newShape) + ": only one axis can be -1");
                }
                inferred = i;
            } else if (newShape[i] < 0) {
                throw new IllegalArgumentException("reshape: " + Arrays.toString(newShape) + " has a negative size");
            } else {
                known *= newShape[i];
            }
        }
        long numel = t.numel();
        int[] resolved = newShape.clone();
        if (inferred >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("reshape: cannot view " + Arrays.toString(t.shape()) + " ("
                        + numel + " elements) as " + Arrays.toString(newShape));
            }
            resolved[inferred] = (int) (numel / known);
        }
        if (Layout.numel(resolved) != numel) {
            throw new IllegalArgumentException("reshape: cannot view " + Arrays.toString(t.shape()) + " (" + numel
                    + " elements) as " + Arrays.toString(newShape) + " (" + Layout.numel(resolved) + " elements)");
        }
        return resolved;
    }

    /**
     * {@code destination} can be written with {@code source} broadcast to its shape; returns how
     * the source is read to do so.
     */
    static Layout copyInto(Tensor destination, Tensor source) {
        open("copyFrom", destination);
        open("copyFrom", source);
        sameDevice("copyFrom", destination, source);
        if (source.dtype() != destination.dtype()) {
            throw new IllegalArgumentException("copyFrom: source is " + source.dtype() + ", destination "
                    + destination.dtype());
        }
        Layout layout = destination.layout();
        // NOTE: an empty tensor's contiguous strides are 0 before its 0-sized axis ([4, 0] has
        // strides [0, 1]); with no element to write twice it is never an ambiguous destination.
        for (int axis = 0; axis < layout.rank() && layout.numel() > 0; axis++) {
            if (layout.stride(axis) == 0 && layout.dim(axis) > 1) {
                throw new IllegalArgumentException("copyFrom: destination " + Arrays.toString(layout.shape())
                        + " is an expanded view (axis " + axis + " repeats one element " + layout.dim(axis)
                        + " times); writing into it is ambiguous. Copy into the tensor it was expanded from");
            }
        }
        try {
            return source.layout().broadcastTo(layout.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("copyFrom: cannot broadcast " + Arrays.toString(source.shape())
                    + " to " + Arrays.toString(layout.shape()));
        }
    }

    /**
     * An I32 index of shape {@code [rows]} or {@code [rows, 1]} whose values are valid classes.
     * Reads the index back to the host: a wrong label would otherwise index out of bounds on a GPU.
     */
    static void indices(String op, Tensor index, int rows, int classes) {
        if (index.dtype() != DType.I32) {
            throw new IllegalArgumentException(op + ": indices must be I32 (int32), got " + index.dtype()
                    + " of shape " + Arrays.toString(index.shape()));
        }
        int[] s = index.shape();
        boolean ok = (s.length == 1 && s[0] == rows) || (s.length == 2 && s[0] == rows && s[1] == 1);
        if (!ok) {
            throw new IllegalArgumentException(op + ": indices of shape " + Arrays.toString(s) + " do not match "
                    + rows + " rows; expected [" + rows + "] or [" + rows + ", 1]");
        }
        int[] values = index.toIntArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= classes) {
                throw new IndexOutOfBoundsException(op + ": index " + values[i] + " at position " + i
                        + " is out of range for " + classes + " classes (valid: 0.." + (classes - 1) + ")");
            }
        }
    }

    /** 2-D logits {@code [rows, classes]}, rows > 0, and I32 labels {@code [rows]} that are valid classes. */
    static void crossEntropy(String op, Tensor logits, Tensor labels) {
        open(op, logits);
        open(op, labels);
        sameDevice(op, logits, labels);
        floating(op, logits);
        if (logits.rank() != 2) {
            throw new IllegalArgumentException(op + ": logits must be 2-D [batch, classes], got shape "
                    + Arrays.toString(logits.shape()));
        }
        int rows = logits.size(0);
        int classes = logits.size(1);
        if (labels.dtype() != DType.I32 || labels.rank() != 1 || labels.size(0) != rows) {
            throw new IllegalArgumentException(op + ": labels must be I32 of shape [" + rows + "] for logits "
                    + Arrays.toString(logits.shape()) + ", got " + labels.dtype() + " "
                    + Arrays.toString(labels.shape()));
        }
        if (rows == 0) {
            throw new IllegalArgumentException(op + ": empty batch (logits " + Arrays.toString(logits.shape()) + ")");
        }
        indices(op, labels, rows, classes);
    }

    /**
     * Logits {@code [rows, classes]}, I32 labels {@code [rows]}, row statistics {@code [rows, 2]}
     * and row gradients {@code [rows]} on one device. The labels' values were checked by the
     * forward, so they are not read back again here.
     */
    static void crossEntropyBackward(Tensor logits, Tensor labels, Tensor rowStats, Tensor rowGrad) {
        String op = "crossEntropyBackward";
        for (Tensor t : new Tensor[] {logits, labels, rowStats, rowGrad}) {
            open(op, t);
            sameDevice(op, logits, t);
        }
        f32(op, logits);
        f32(op, rowStats);
        f32(op, rowGrad);
        int rows = logits.rank() == 2 ? logits.size(0) : -1;
        if (rows < 0 || labels.dtype() != DType.I32 || !Arrays.equals(labels.shape(), new int[] {rows})
                || !Arrays.equals(rowStats.shape(), new int[] {rows, 2})
                || !Arrays.equals(rowGrad.shape(), new int[] {rows})) {
            throw new IllegalArgumentException(op + ": expected logits [rows, classes], I32 labels [rows], rowStats"
                    + " [rows, 2] and rowGrad [rows]; got " + Arrays.toString(logits.shape()) + ", "
                    + labels.dtype() + " " + Arrays.toString(labels.shape()) + ", "
                    + Arrays.toString(rowStats.shape()) + " and " + Arrays.toString(rowGrad.shape()));
        }
    }

    /** Open floating operands of one dtype, of rank at least 1, on one device. */
    static void matmulOperands(String op, Tensor a, Tensor b) {
        open(op, a);
        open(op, b);
        sameDevice(op, a, b);
        floating(op, a);
        floating(op, b);
        sameDtype(op, a, b);
        if (a.rank() < 1 || b.rank() < 1) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(a.shape()) + " @ "
                    + Arrays.toString(b.shape()) + ": both operands need at least one axis (a scalar has none;"
                    + " use mul)");
        }
    }

    static void innerDimensions(String op, Tensor a, Tensor b, int inner1, int inner2) {
        if (inner1 != inner2) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(a.shape()) + " @ "
                    + Arrays.toString(b.shape()) + ": inner dimensions " + inner1 + " and " + inner2 + " differ"
                    + " (" + a.dtype() + " on " + a.device() + ", " + b.dtype() + " on " + b.device() + ")");
        }
    }

    /** Arguments of {@code linear}: x {@code [n, in]}, weight {@code [out, in]}, bias {@code [out]}. */
    static void linear(String op, Tensor x, Tensor weight, Tensor bias, Activation activation) {
        if (activation != Activation.NONE && activation != Activation.RELU) {
            throw new IllegalArgumentException("linear: only ReLU can be fused into the GEMM, not " + activation
                    + "; apply it after linear");
        }
        open(op, x);
        open(op, weight);
        open(op, bias);
        sameDevice(op, x, weight);
        sameDevice(op, x, bias);
        floating(op, x);
        floating(op, weight);
        floating(op, bias);
        sameDtype(op, x, weight, bias);
        if (x.rank() != 2 || weight.rank() != 2 || bias.rank() != 1) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(x.shape()) + ", weight "
                    + Arrays.toString(weight.shape()) + ", bias " + Arrays.toString(bias.shape())
                    + ": expected [batch, in], [out, in] and [out]");
        }
        if (x.size(1) != weight.size(1) || bias.size(0) != weight.size(0)) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(x.shape()) + ", weight "
                    + Arrays.toString(weight.shape()) + ", bias " + Arrays.toString(bias.shape())
                    + ": input features " + x.size(1) + " must equal weight columns " + weight.size(1)
                    + " and bias length " + bias.size(0) + " must equal weight rows " + weight.size(0));
        }
    }
}
