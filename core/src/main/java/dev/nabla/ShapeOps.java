package dev.nabla;

import dev.nabla.autograd.Node;
import dev.nabla.autograd.Tape;
import dev.nabla.backend.Layout;
import java.util.Arrays;
import java.util.List;

/**
 * The ops that join, reorder and batch tensors ({@code cat}, {@code stack}, {@code permute},
 * {@code unsqueeze}/{@code squeeze}, batched {@code matmul}, {@code indexSelect},
 * {@code scatterAdd}), kept out of {@link Tensor} so that it stays a readable list of entry points.
 *
 * <p>None needs a backend primitive of its own: views change the {@link Layout} only, joins copy
 * each input into a slice of the output, a batched product is one GEMM per batch entry (or one
 * GEMM for all when the right operand is shared), and a scatter-add is a selection with
 * {@code where}. So every backend runs them, and autograd differentiates the composed ones
 * through their parts.
 */
final class ShapeOps {

    private ShapeOps() {
    }

    /** {@code torch.cat}: the tensors joined along {@code axis}; all other sizes must agree. */
    static Tensor cat(List<Tensor> tensors, int axis) {
        String op = "cat";
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException(op + ": expects a non-empty list of tensors");
        }
        Tensor first = tensors.getFirst();
        for (Tensor t : tensors) {
            Checks.open(op, t);
            Checks.sameDevice(op, first, t);
            if (t.dtype() != first.dtype()) {
                throw new IllegalArgumentException(op + ": tensors must have one dtype, got " + first.dtype()
                        + " and " + t.dtype() + " (shapes " + Arrays.toString(first.shape()) + ", "
                        + Arrays.toString(t.shape()) + ")");
            }
        }
        int a = Checks.axis(op, first, axis);
        int[] shape = first.shape();
        long total = 0;
        int[] sizes = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            int[] s = tensors.get(i).shape();
            if (s.length != shape.length) {
                throw new IllegalArgumentException(op + ": tensor " + i + " has rank " + s.length + " (shape "
                        + Arrays.toString(s) + "), tensor 0 has rank " + shape.length + " (shape "
                        + Arrays.toString(shape) + ")");
            }
            for (int d = 0; d < s.length; d++) {
                if (d != a && s[d] != shape[d]) {
                    throw new IllegalArgumentException(op + ": sizes must match except along axis " + a + ", but tensor "
                            + i + " has shape " + Arrays.toString(s) + " and tensor 0 " + Arrays.toString(shape));
                }
            }
            sizes[i] = s[a];
            total += s[a];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": axis " + a + " would have " + total + " elements, more than "
                    + Integer.MAX_VALUE);
        }
        shape[a] = (int) total;
        Tensor out = Tensor.empty(first.device(), first.dtype(), shape);
        int at = 0;
        for (int i = 0; i < tensors.size(); i++) {
            if (sizes[i] > 0) {
                out.slice(a, at, at + sizes[i]).copyFrom(tensors.get(i));
            }
            at += sizes[i];
        }
        return Tape.record(out, new Node.Cat(List.copyOf(tensors), a, sizes), tensors.toArray(Tensor[]::new));
    }

    /** {@code torch.stack}: the tensors, all of one shape, joined along a new axis {@code axis}. */
    static Tensor stack(List<Tensor> tensors, int axis) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: expects a non-empty list of tensors");
        }
        int[] shape = tensors.getFirst().shape();
        int rank = shape.length + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IndexOutOfBoundsException("stack: axis " + axis + " is out of range for stacking tensors of rank "
                    + shape.length + " (valid: " + -rank + ".." + (rank - 1) + ")");
        }
        for (int i = 0; i < tensors.size(); i++) {
            if (!Arrays.equals(tensors.get(i).shape(), shape)) {
                throw new IllegalArgumentException("stack: expects tensors of one shape, but tensor " + i + " has shape "
                        + Arrays.toString(tensors.get(i).shape()) + " and tensor 0 " + Arrays.toString(shape));
            }
        }
        return cat(tensors.stream().map(t -> t.unsqueeze(a)).toList(), a);
    }

    /** {@code torch.permute}: a view with the axes in the order {@code dims}. */
    static Tensor permute(Tensor t, int[] dims) {
        String op = "permute";
        Checks.open(op, t);
        int rank = t.rank();
        if (dims.length != rank) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(dims) + " names " + dims.length
                    + " axes, but the tensor has rank " + rank + " (shape " + Arrays.toString(t.shape()) + ")");
        }
        int[] order = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = Checks.axis(op, t, dims[i]);
            if (seen[order[i]]) {
                throw new IllegalArgumentException(op + ": axis " + order[i] + " appears twice in "
                        + Arrays.toString(dims));
            }
            seen[order[i]] = true;
        }
        Layout layout = t.layout();
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = layout.dim(order[i]);
            strides[i] = layout.stride(order[i]);
        }
        Tensor out = t.withLayout(new Layout(shape, strides, layout.offset()));
        return Tape.record(out, new Node.Permute(t, order), t);
    }

    /** {@code torch.unsqueeze}: a view with a size-1 axis inserted at {@code axis} (−rank−1..rank). */
    static Tensor unsqueeze(Tensor t, int axis) {
        Checks.open("unsqueeze", t);
        int rank = t.rank() + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IndexOutOfBoundsException("unsqueeze: axis " + axis + " is out of range for a tensor of rank "
                    + t.rank() + " (valid: " + -rank + ".." + (rank - 1) + ")");
        }
        Layout layout = t.layout();
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i == a) {
                shape[i] = 1;
                // any stride reads the one element; this one keeps a contiguous tensor contiguous
                strides[i] = j < t.rank() ? layout.stride(j) * layout.dim(j) : 1;
            } else {
                shape[i] = layout.dim(j);
                strides[i] = layout.stride(j);
                j++;
            }
        }
        Tensor out = t.withLayout(new Layout(shape, strides, layout.offset()));
        return Tape.record(out, new Node.Reshape(t), t);
    }

    /** {@code torch.squeeze(dim)}: a view without axis {@code axis}, which must have size 1 (else unchanged, as PyTorch). */
    static Tensor squeeze(Tensor t, int axis) {
        int a = Checks.axis("squeeze", t, axis);
        if (t.size(a) != 1) {
            return t;
        }
        return dropAxes(t, a);
    }

    /** {@code torch.squeeze()}: a view without every size-1 axis. */
    static Tensor squeezeAll(Tensor t) {
        Checks.open("squeeze", t);
        return dropAxes(t, -1);
    }

    /** Drops axis {@code only}, or every size-1 axis when {@code only} is −1. */
    private static Tensor dropAxes(Tensor t, int only) {
        Layout layout = t.layout();
        int rank = t.rank();
        int kept = 0;
        for (int i = 0; i < rank; i++) {
            if (!(only >= 0 ? i == only : layout.dim(i) == 1)) {
                kept++;
            }
        }
        if (kept == rank) {
            return t;
        }
        int[] shape = new int[kept];
        int[] strides = new int[kept];
        for (int i = 0, j = 0; i < rank; i++) {
            if (!(only >= 0 ? i == only : layout.dim(i) == 1)) {
                shape[j] = layout.dim(i);
                strides[j] = layout.stride(i);
                j++;
            }
        }
        Tensor out = t.withLayout(new Layout(shape, strides, layout.offset()));
        return Tape.record(out, new Node.Reshape(t), t);
    }

    /**
     * Batched matrix product for operands of rank ≥ 3 (or one of rank ≥ 3 and one 2-D), as
     * {@code torch.matmul}: the batch axes broadcast, each batch entry is a 2-D product. With a
     * 2-D right operand the batch is folded into the rows (one GEMM); otherwise one GEMM per batch
     * entry, joined by {@link #stack}. Differentiable through its parts.
     */
    static Tensor batchedMatmul(Tensor a, Tensor b) {
        String op = "matmul";
        int[] as = a.shape();
        int[] bs = b.shape();
        if (a.rank() < 2 || b.rank() < 2) {
            // a vector on one side: as a matrix, then the added axis dropped (PyTorch's rule)
            if (a.rank() == 1) {
                return squeeze(batchedMatmul(unsqueeze(a, 0), b), -2);
            }
            return squeeze(batchedMatmul(a, unsqueeze(b, 1)), -1);
        }
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int k2 = bs[bs.length - 2];
        int n = bs[bs.length - 1];
        Checks.innerDimensions(op, a, b, k, k2);
        if (b.rank() == 2) {
            // [..., m, k] @ [k, n]: the batch axes are more rows of one product
            int[] outShape = Arrays.copyOf(as, as.length);
            outShape[outShape.length - 1] = n;
            return a.reshape(-1, k).matmul(b).reshape(outShape);
        }
        int[] batch = Checks.broadcastShape(op, Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int count = Math.toIntExact(Shapes.numel(op, batch, false));
        Tensor a3 = flattenBatch(a, batch, m, k, count);
        Tensor b3 = flattenBatch(b, batch, k, n, count);
        Tensor[] products = new Tensor[count];
        for (int i = 0; i < count; i++) {
            products[i] = squeeze(a3.slice(0, i, i + 1), 0).matmul(squeeze(b3.slice(0, i, i + 1), 0));
        }
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        if (count == 0) {
            return Tensor.zeros(a.device(), outShape);
        }
        return stack(List.of(products), 0).reshape(outShape);
    }

    /** {@code t} broadcast to {@code batch + [rows, cols]} and viewed (or copied) as {@code [count, rows, cols]}. */
    private static Tensor flattenBatch(Tensor t, int[] batch, int rows, int cols, int count) {
        int[] target = Arrays.copyOf(batch, batch.length + 2);
        target[batch.length] = rows;
        target[batch.length + 1] = cols;
        Tensor expanded = Arrays.equals(t.shape(), target) ? t : t.expand(target);
        // reshape copies only when the expanded view cannot be one [count, rows, cols] view
        return expanded.reshape(count, rows, cols);
    }

    /**
     * {@code torch.index_select}: the entries of {@code t} at {@code index} (1-D, I32) along
     * {@code axis}, in the index's order (repeats allowed). One slice copy per index entry, so
     * that infinities and NaN elsewhere in {@code t} cannot reach the result (as a one-hot
     * product would let them: 0 · ∞ = NaN). Its gradient adds each entry's gradient back at its
     * index, repeats accumulating.
     */
    static Tensor indexSelect(Tensor t, int axis, Tensor index) {
        String op = "index_select";
        Checks.open(op, t);
        Checks.open(op, index);
        Checks.sameDevice(op, t, index);
        int a = Checks.axis(op, t, axis);
        if (index.dtype() != DType.I32 || index.rank() != 1) {
            throw new IllegalArgumentException(op + ": index must be a 1-D I32 tensor, got " + index.dtype() + " of shape "
                    + Arrays.toString(index.shape()));
        }
        int[] at = index.toIntArray();
        int size = t.size(a);
        for (int i = 0; i < at.length; i++) {
            if (at[i] < 0 || at[i] >= size) {
                throw new IndexOutOfBoundsException(op + ": index[" + i + "] = " + at[i] + " is out of range for axis "
                        + a + " of size " + size + " (shape " + Arrays.toString(t.shape()) + ")");
            }
        }
        int[] shape = t.shape();
        shape[a] = at.length;
        Tensor out = Tensor.empty(t.device(), t.dtype(), shape);
        for (int i = 0; i < at.length; i++) {
            out.slice(a, i, i + 1).copyFrom(t.slice(a, at[i], at[i] + 1).detach());
        }
        return Tape.record(out, new Node.IndexSelect(t, a, at), t);
    }

    /** Elements per chunk of scatter-add's {@code [rows, entries, size]} selection (16 MiB of F32). */
    private static final int SCATTER_CHUNK_ELEMENTS = 1 << 22;

    /**
     * {@code torch.Tensor.scatter_add(axis, index, src)}, out of place: a copy of {@code self}
     * with, for every position p of {@code index}, {@code src[p]} added at p with its {@code axis}
     * coordinate replaced by {@code index[p]} (for a 2-D tensor and axis 0:
     * {@code out[index[i][j]][j] += src[i][j]}). All three have one rank; {@code index} (I32) is
     * no larger than {@code src} on any axis, nor than {@code self} off {@code axis}; entries of
     * {@code src} beyond the index's shape are ignored. Repeated indices accumulate.
     *
     * <p>No backend primitive scatters, so the sum is a selection: with {@code axis} moved last,
     * row r of the index lists where row r's entries go, and {@code out[r, s] = self[r, s] +
     * Σ_k where(index[r, k] = s, src[r, k], 0)}. {@code where} rather than a one-hot product, so an
     * infinity or NaN in {@code src} reaches only its own target (0 · ∞ would be NaN everywhere).
     * NOTE: that costs {@code numel(index) · self.size(axis)} work, computed in chunks of rows so
     * that memory stays bounded; fine for the class-sized axes of losses and metrics, slow for a
     * scatter into a vocabulary-sized axis. Its gradient: {@code self}'s is {@code g}; {@code src}'s
     * is {@code g} gathered along {@code axis} at the index.
     */
    static Tensor scatterAdd(Tensor self, int axis, Tensor index, Tensor src) {
        String op = "scatter_add";
        Checks.open(op, self);
        Checks.open(op, index);
        Checks.open(op, src);
        Checks.sameDevice(op, self, index);
        Checks.sameDevice(op, self, src);
        Checks.f32(op, self);
        Checks.f32(op, src);
        if (index.dtype() != DType.I32) {
            throw new IllegalArgumentException(op + ": index must be I32, got " + index.dtype() + " of shape "
                    + Arrays.toString(index.shape()));
        }
        int a = Checks.axis(op, self, axis);
        int rank = self.rank();
        int[] selfShape = self.shape();
        int[] indexShape = index.shape();
        int[] srcShape = src.shape();
        if (index.rank() != rank || src.rank() != rank) {
            throw new IllegalArgumentException(op + ": self, index and src must have one rank, got shapes "
                    + Arrays.toString(selfShape) + ", " + Arrays.toString(indexShape) + " and "
                    + Arrays.toString(srcShape));
        }
        for (int d = 0; d < rank; d++) {
            if (indexShape[d] > srcShape[d] || (d != a && indexShape[d] > selfShape[d])) {
                throw new IllegalArgumentException(op + ": index shape " + Arrays.toString(indexShape)
                        + " is larger than " + (indexShape[d] > srcShape[d] ? "src shape " + Arrays.toString(srcShape)
                        : "self shape " + Arrays.toString(selfShape)) + " on axis " + d + " (scatter axis " + a
                        + "); index may be no larger than src on any axis, nor than self off the scatter axis");
            }
        }
        int size = selfShape[a];
        int entries = indexShape[a];
        int rows = 1;
        for (int d = 0; d < rank; d++) {
            rows *= d == a ? 1 : indexShape[d];
        }
        int[] rowIndex = rowMajorAlongAxis(op, index.toIntArray(), indexShape, a, size, selfShape);
        Tensor out = self.copy();
        if (rowIndex.length > 0) {
            try (dev.nabla.autograd.NoGrad ignored = dev.nabla.autograd.NoGrad.open()) {
                Tensor moved = restrict(src, indexShape, -1).permute(Node.Permute.axisLast(rank, a))
                        .reshape(rows, entries);
                Tensor sums = Tensor.empty(self.device(), DType.F32, rows, size);
                Tensor zero = Tensor.scalar(self.device(), 0f);
                int chunk = Math.max(1, SCATTER_CHUNK_ELEMENTS / Math.max(1, entries * size));
                for (int r0 = 0; r0 < rows; r0 += chunk) {
                    int r1 = Math.min(rows, r0 + chunk);
                    int n = r1 - r0;
                    Tensor targets = Tensor.of(self.device(), Arrays.copyOfRange(rowIndex, r0 * entries, r1 * entries),
                            n * entries);
                    Tensor selected = Tensor.oneHot(targets, size).reshape(n, entries, size);
                    Tensor values = moved.slice(0, r0, r1).reshape(n, entries, 1);
                    sums.slice(0, r0, r1).copyFrom(Tensor.where(selected, values, zero).sum(1));
                }
                int[] movedShape = restrictedShape(selfShape, indexShape, a);
                int[] order = Node.Permute.axisLast(rank, a);
                int[] permutedShape = new int[rank];
                for (int i = 0; i < rank; i++) {
                    permutedShape[i] = movedShape[order[i]];
                }
                Tensor added = sums.reshape(permutedShape).permute(Node.Permute.inverse(order));
                Tensor target = restrict(out, indexShape, a);
                target.copyFrom(target.add(added));
            }
        }
        return Tape.record(out, new Node.ScatterAdd(self, src, a, indexShape, rowIndex), self, src);
    }

    /**
     * The index values (C order over {@code indexShape}), checked to lie in {@code 0..size−1}, and
     * reordered so that {@code axis} is last: entry {@code r · K + k} is index value k of row r.
     */
    private static int[] rowMajorAlongAxis(String op, int[] index, int[] indexShape, int axis, int size,
                                           int[] selfShape) {
        int entries = indexShape[axis];
        int inner = 1;
        for (int d = axis + 1; d < indexShape.length; d++) {
            inner *= indexShape[d];
        }
        int[] rowIndex = new int[index.length];
        for (int p = 0; p < index.length; p++) {
            if (index[p] < 0 || index[p] >= size) {
                throw new IndexOutOfBoundsException(op + ": index value " + index[p] + " at flat position " + p
                        + " of index shape " + Arrays.toString(indexShape) + " is out of range for axis " + axis
                        + " of size " + size + " (self shape " + Arrays.toString(selfShape) + ")");
            }
            int outer = p / (entries * inner);
            int k = (p / inner) % entries;
            int row = outer * inner + p % inner;
            rowIndex[row * entries + k] = index[p];
        }
        return rowIndex;
    }

    /** {@code t} sliced to {@code shape} on every axis but {@code keep} (−1: every axis); a view. */
    private static Tensor restrict(Tensor t, int[] shape, int keep) {
        Tensor view = t;
        for (int d = 0; d < shape.length; d++) {
            if (d != keep && shape[d] < view.size(d)) {
                view = view.slice(d, 0, shape[d]);
            }
        }
        return view;
    }

    /** {@code indexShape} with {@code selfShape}'s size on {@code axis}: the part of self a scatter writes. */
    private static int[] restrictedShape(int[] selfShape, int[] indexShape, int axis) {
        int[] shape = indexShape.clone();
        shape[axis] = selfShape[axis];
        return shape;
    }


}
