package dev.nabla;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;

/**
 * The forward half of each {@link Tensor} operation: allocates the output, makes inputs dense
 * where a backend kernel reads only dense data, calls the backend SPI, and frees those temporary
 * copies. Nothing here validates (that was {@link Checks}, before) or records autograd nodes
 * (that is the tensor op, after), so backward rules can call these through tensor ops without
 * recording anything. GEMMs are in {@link GemmDispatch}.
 */
final class Kernels {

    private Kernels() {
    }

    static Tensor unary(UnaryOp op, float param, Tensor a) {
        Tensor out = Tensor.empty(a.device(), DType.F32, a.shape());
        a.device().backend().unary(op, param, a.storage(), a.layout(), out.storage());
        return out;
    }

    /** {@code a op b} with both broadcast to {@code shape}. */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b, int[] shape) {
        Tensor out = Tensor.empty(a.device(), DType.F32, shape);
        a.device().backend().binary(op, a.storage(), a.layout().broadcastTo(shape), b.storage(),
                b.layout().broadcastTo(shape), out.storage());
        return out;
    }

    /** {@code cond != 0 ? a : b} with all three broadcast to {@code shape}; {@code cond} is F32. */
    static Tensor where(Tensor cond, Tensor a, Tensor b, int[] shape) {
        Tensor out = Tensor.empty(a.device(), DType.F32, shape);
        a.device().backend().where(cond.storage(), cond.layout().broadcastTo(shape), a.storage(),
                a.layout().broadcastTo(shape), b.storage(), b.layout().broadcastTo(shape), out.storage());
        return out;
    }

    /** {@code a} converted to {@code target}, a new tensor. */
    static Tensor cast(Tensor a, DType target) {
        Tensor dense = a.dense();
        Tensor out = Tensor.empty(a.device(), target, a.shape());
        a.device().backend().cast(dense.storage(), out.storage(), a.numel());
        closeIfCopy(a, dense);
        return out;
    }

    static Tensor copy(Tensor a) {
        Tensor out = Tensor.empty(a.device(), a.dtype(), a.shape());
        a.device().backend().copy(a.storage(), a.layout(), out.storage());
        return out;
    }

    /**
     * Writes {@code source}, read through {@code from}, into {@code destination}'s elements.
     * {@code overlapping}: the two share storage, and the source is copied first, because
     * {@code x[1:] = x[:-1]} must read every element before any is overwritten.
     */
    static void copyInto(Tensor source, Layout from, Tensor destination, boolean overlapping) {
        if (overlapping) {
            try (Tensor snapshot = source.copy()) {
                destination.device().backend().copyInto(snapshot.storage(),
                        snapshot.layout().broadcastTo(destination.shape()), destination.storage(),
                        destination.layout());
            }
            return;
        }
        destination.device().backend().copyInto(source.storage(), from, destination.storage(), destination.layout());
    }

    /** The F32 elements of {@code a} in row-major order; waits for queued GPU work. */
    static float[] floats(Tensor a) {
        Tensor dense = a.dense();
        float[] out = new float[(int) a.numel()];
        a.device().backend().copyOut(dense.storage(), out);
        closeIfCopy(a, dense);
        // Keeps a (and so its storage) from the Cleaner until the copy is done.
        java.lang.ref.Reference.reachabilityFence(a);
        return out;
    }

    /** The raw bits of a BF16 or F16 {@code a} in row-major order; waits for queued GPU work. */
    static short[] bits(Tensor a) {
        Tensor dense = a.dense();
        short[] out = new short[(int) a.numel()];
        a.device().backend().copyOut(dense.storage(), out);
        closeIfCopy(a, dense);
        java.lang.ref.Reference.reachabilityFence(a);
        return out;
    }

    /** The I32 elements of {@code a} in row-major order; waits for queued GPU work. */
    static int[] ints(Tensor a) {
        Tensor dense = a.dense();
        int[] out = new int[(int) a.numel()];
        a.device().backend().copyOut(dense.storage(), out);
        closeIfCopy(a, dense);
        java.lang.ref.Reference.reachabilityFence(a);
        return out;
    }

    /**
     * {@code a} reduced over {@code axes} (sorted, distinct) one axis at a time, which is exact for
     * sums' and extrema's separability, keeping dims until the end.
     */
    static Tensor reduce(ReduceOp op, Tensor a, int[] axes, boolean keepDims) {
        Tensor current = a.dense();
        for (int axis : axes) {
            int[] shape = current.shape();
            int[] kept = shape.clone();
            kept[axis] = 1;
            Tensor next = Tensor.empty(a.device(), DType.F32, kept);
            a.device().backend().reduce(op, current.storage(), Shapes.outer(shape, axis), shape[axis],
                    Shapes.inner(shape, axis), next.storage());
            closeIfCopy(a, current);
            current = next;
        }
        if (current == a) {
            current = a.copy();
        }
        if (!keepDims) {
            Tensor squeezed = current.viewAs(Shapes.reduced(a.shape(), axes, false));
            current.close();
            current = squeezed;
        }
        return current;
    }

    static Tensor argmax(Tensor a, int axis, boolean keepDims) {
        Tensor dense = a.dense();
        int[] shape = a.shape();
        Tensor out = Tensor.empty(a.device(), DType.I32, Shapes.reduced(shape, new int[] {axis}, keepDims));
        a.device().backend().argmax(dense.storage(), Shapes.outer(shape, axis), shape[axis],
                Shapes.inner(shape, axis), out.storage());
        closeIfCopy(a, dense);
        return out;
    }

    static Tensor softmax(Tensor a, int axis, boolean log) {
        Tensor dense = a.dense();
        int[] shape = a.shape();
        Tensor out = Tensor.empty(a.device(), DType.F32, shape);
        a.device().backend().softmax(dense.storage(), Shapes.outer(shape, axis), shape[axis],
                Shapes.inner(shape, axis), log, out.storage());
        closeIfCopy(a, dense);
        return out;
    }

    /** {@code out[i] = a[i, index[i]]} for a 2-D {@code a}. */
    static Tensor gather(Tensor a, Tensor index) {
        Tensor dense = a.dense();
        Tensor denseIndex = index.dense();
        Tensor out = Tensor.empty(a.device(), DType.F32, index.shape());
        a.device().backend().gather(dense.storage(), a.size(0), a.size(1), denseIndex.storage(), out.storage());
        closeIfCopy(a, dense);
        closeIfCopy(index, denseIndex);
        return out;
    }

    static Tensor oneHot(Tensor indices, int rows, int classes) {
        Tensor dense = indices.dense();
        Tensor out = Tensor.empty(indices.device(), DType.F32, rows, classes);
        indices.device().backend().oneHot(dense.storage(), rows, classes, out.storage());
        closeIfCopy(indices, dense);
        return out;
    }

    /**
     * The forward of mean softmax cross-entropy: {@code mean} is the loss, {@code labels} dense, and
     * {@code rowStats} {@code [rows, 2]} each row's max and log Σ exp(x − max), for the backward.
     */
    record CrossEntropy(Tensor mean, Tensor labels, Tensor rowStats) {
    }

    static CrossEntropy crossEntropy(Tensor logits, Tensor labels) {
        int rows = logits.size(0);
        int classes = logits.size(1);
        Tensor dense = logits.dense();
        Tensor denseLabels = labels.dense();
        Tensor loss = Tensor.empty(logits.device(), DType.F32, rows);
        Tensor rowStats = Tensor.empty(logits.device(), DType.F32, rows, 2);
        logits.device().backend().crossEntropyForward(dense.storage(), denseLabels.storage(), rows, classes,
                loss.storage(), rowStats.storage());
        // loss requires no grad, so this mean records nothing even with grad mode on.
        Tensor mean = loss.sum().mul(1f / rows);
        loss.close();
        closeIfCopy(logits, dense);
        return new CrossEntropy(mean, denseLabels, rowStats);
    }

    /** {@code (softmax(logits) − onehot(labels)) · rowGrad[i]} per row. */
    static Tensor crossEntropyBackward(Tensor logits, Tensor labels, Tensor rowStats, Tensor rowGrad) {
        int rows = logits.size(0);
        int classes = logits.size(1);
        Tensor[] inputs = {logits, labels, rowStats, rowGrad};
        Tensor[] dense = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            dense[i] = inputs[i].dense();
        }
        Tensor out = Tensor.empty(logits.device(), DType.F32, rows, classes);
        logits.device().backend().crossEntropyBackward(dense[0].storage(), dense[1].storage(),
                dense[2].storage(), dense[3].storage(), rows, classes, out.storage());
        for (int i = 0; i < inputs.length; i++) {
            closeIfCopy(inputs[i], dense[i]);
        }
        return out;
    }

    /** One fused update of {@code param} in place; a missing state passes the parameter, which the step ignores. */
    static void optimizerStep(OptimizerStep step, Tensor param, Tensor grad, Tensor state1, Tensor state2) {
        Storage p = param.storage();
        param.device().backend().optimizerStep(step, p, grad.storage(), state1 == null ? p : state1.storage(),
                state2 == null ? p : state2.storage(), param.numel());
    }

    static void closeIfCopy(Tensor original, Tensor maybeCopy) {
        if (maybeCopy != original) {
            maybeCopy.close();
        }
    }
}
