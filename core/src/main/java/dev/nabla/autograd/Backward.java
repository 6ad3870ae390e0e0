package dev.nabla.autograd;

import dev.nabla.Tensor;
import dev.nabla.amp.Autocast;
import dev.nabla.backend.BinaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every backward rule, in one exhaustive switch over {@link Node}. Given the gradient of the loss
 * with respect to a node's output, returns the gradients with respect to its inputs (in the order
 * of {@link Node#inputs()}), already reduced to each input's shape when the forward op broadcast.
 * Runs under no-grad: gradients of gradients are not recorded.
 */
public final class Backward {

    private Backward() {
    }

    /** Gradients of the inputs of {@code node} given {@code g}, the gradient of its output. */
    public static Tensor[] gradients(Node node, Tensor g) {
        return switch (node) {
            case Node.Unary u -> new Tensor[] {unary(u, g)};
            case Node.Binary b -> binary(b, g);
            // d/da where(c, a, b) = [c]; d/db = [not c]
            case Node.Where w -> new Tensor[] {
                sumTo(Tensor.where(w.cond(), g, g.zerosLike()), w.a().shape()),
                sumTo(Tensor.where(w.cond(), g.zerosLike(), g), w.b().shape())};
            // C = A B: dA = G Bᵀ, dB = Aᵀ G
            case Node.Matmul m -> matmul(m, g);
            // Y = X Wᵀ + b: dX = G W, dW = Gᵀ X, db = Σ_rows G (G first through the fused ReLU, if any)
            case Node.Linear l -> l.reluOut() == null ? linear(l, g) : linearRelu(l, g);
            // every summed element receives the output's gradient
            case Node.Sum s -> new Tensor[] {
                g.reshape(Tensor.reducedShape(s.a().shape(), s.axes(), true)).expand(s.a().shape())};
            case Node.Extremum e -> new Tensor[] {extremum(e, g)};
            case Node.Softmax s -> new Tensor[] {softmax(s, g)};
            case Node.Reshape r -> new Tensor[] {g.reshape(r.a().shape())};
            case Node.Transpose t -> new Tensor[] {g.transpose(t.axis0(), t.axis1())};
            case Node.Expand e -> new Tensor[] {sumTo(g, e.a().shape())};
            case Node.Slice s -> new Tensor[] {slice(s, g)};
            case Node.SliceBackward s -> new Tensor[] {g.slice(s.axis(), s.start(), s.end())};
            case Node.Permute p -> new Tensor[] {g.permute(Node.Permute.inverse(p.order()))};
            case Node.Cat c -> cat(c, g);
            case Node.IndexSelect i -> new Tensor[] {indexAdd(g, i.a().shape(), i.axis(), i.index())};
            case Node.IndexAdd i -> new Tensor[] {g.indexSelect(i.axis(), indexTensor(i.index(), g))};
            // out = self + scatter(src): dSelf = G; dSrc = G gathered along the axis at the index
            // (zeros where src reaches past the index's shape)
            case Node.ScatterAdd s -> new Tensor[] {g, s.src().isRequiresGrad() ? scatterAddSource(s, g) : null};
            case Node.ToDevice t -> new Tensor[] {g.to(t.a().device())};
            // a cast is the identity on values up to rounding: the gradient goes back in the input's dtype
            case Node.Cast c -> new Tensor[] {g.to(c.a().dtype())};
            // out[i] = a[i, idx[i]]: da = onehot(idx) · g[i]; a [0, 0] (no rows, no classes) has
            // nothing to spread to, and oneHot refuses 0 classes
            case Node.Gather ga -> new Tensor[] {ga.a().size(1) == 0 ? ga.a().zerosLike()
                : Tensor.oneHot(ga.index().reshape(-1), ga.a().size(1)).mul(g.reshape(-1, 1))};
            case Node.CrossEntropy ce -> new Tensor[] {crossEntropy(ce, g)};
        };
    }

    /**
     * The fused ReLU's gradient first; in a plain backward it is freed once the three products are
     * made (an activation-sized block the step's scope would otherwise hold to its end).
     */
    private static Tensor[] linearRelu(Node.Linear l, Tensor g) {
        Tensor masked = l.reluOut().binaryOp(BinaryOp.RELU_GRAD, g);
        Tensor[] grads = linear(l, masked);
        if (!GradMode.isEnabled()) {
            masked.close();
        }
        return grads;
    }

    private static Tensor[] linear(Node.Linear l, Tensor g) {
        boolean plain = !GradMode.isEnabled();
        Tensor dx = null;
        if (l.x().isRequiresGrad()) {
            // A parameter's autocast copy was freed when its region closed: cast again, used, freed
            // before the weight gradient is made, so the two are never alive together.
            Tensor weight = Autocast.recast(l.weight());
            dx = g.matmul(weight);
            if (plain && weight != l.weight()) {
                weight.close();
            }
        }
        Tensor dw = null;
        if (l.weight().isRequiresGrad()) {
            // The transposed view holds g's storage: closed at once, or g would outlive the pass.
            Tensor gt = g.t();
            dw = castGradient(l.weight(), gt, l.x());
            if (plain) {
                gt.close();
            }
        }
        return new Tensor[] {dx, dw, l.bias().isRequiresGrad() ? g.sum(0) : null};
    }

    /**
     * {@code left @ right}, the gradient of {@code input}. When {@code input} is a released
     * autocast cast of an F32 parameter (whose own rule only widens its gradient back to F32) and
     * this is a plain backward, the 16-bit product is made directly in F32 with the same rounded
     * values, so the 16-bit gradient and its F32 copy are never alive together; the cast's rule
     * then passes it on as it is. A cast feeding several products sums those F32 gradients in F32
     * (PyTorch sums them in 16 bits before widening: the sum may differ in its last 16-bit place).
     */
    private static Tensor castGradient(Tensor input, Tensor left, Tensor right) {
        if (!GradMode.isEnabled() && Autocast.isReleasedCast(input) && left.dtype() == input.dtype()
                && right.dtype() == input.dtype() && left.rank() == 2 && right.rank() == 2) {
            return Tape.access().roundedProductInF32(left, right);
        }
        return left.matmul(right);
    }

    /** C = A B: dA = G Bᵀ, dB = Aᵀ G, reading a released autocast copy of A or B as {@link #linear} does. */
    private static Tensor[] matmul(Node.Matmul m, Tensor g) {
        boolean plain = !GradMode.isEnabled();
        Tensor a = Autocast.recast(m.a());
        Tensor b = Autocast.recast(m.b());
        Tensor bt = b.t();
        Tensor da = castGradient(m.a(), g, bt);
        Tensor at = a.t();
        Tensor db = castGradient(m.b(), at, g);
        if (plain) {
            bt.close();
            at.close();
            if (a != m.a()) {
                a.close();
            }
            if (b != m.b()) {
                b.close();
            }
        }
        return new Tensor[] {da, db};
    }

    private static Tensor unary(Node.Unary u, Tensor g) {
        Tensor a = u.a();
        Tensor out = u.out();
        float p = u.param();
        return switch (u.op()) {
            case NEG -> g.neg();
            // d exp(a) = exp(a)
            case EXP -> g.mul(out);
            // d log(a) = 1/a
            case LOG -> g.div(a);
            // d sqrt(a) = 1 / (2 sqrt(a))
            case SQRT -> g.div(out).mul(0.5f);
            // d |a| = sign(a)
            case ABS -> g.mul(a.gt(0f).sub(a.lt(0f)));
            // d tanh(a) = 1 − tanh²(a)
            case TANH -> g.mul(out.square().neg().add(1f));
            // d σ(a) = σ(a) (1 − σ(a))
            case SIGMOID -> g.mul(out.mul(out.neg().add(1f)));
            case RELU -> a.binaryOp(BinaryOp.RELU_GRAD, g);
            case GELU -> a.binaryOp(BinaryOp.GELU_GRAD, g);
            // d a² = 2a
            case SQUARE -> g.mul(a.mul(2f));
            // d (1/a) = −1/a²
            case RECIPROCAL -> g.mul(out.square()).neg();
            // d log(1 + a) = 1 / (1 + a)
            case LOG1P -> g.div(a.add(1f));
            // d (exp(a) − 1) = exp(a)
            case EXPM1 -> g.mul(out.add(1f));
            // d aᵖ = p aᵖ⁻¹ (and 0 for p = 0, where 0·0⁻¹ would be NaN)
            case POW -> p == 0f ? g.zerosLike() : g.mul(a.pow(p - 1f).mul(p));
            case MUL_SCALAR -> g.mul(p);
            case ADD_SCALAR -> g;
        };
    }

    private static Tensor[] binary(Node.Binary b, Tensor g) {
        Tensor x = b.a();
        Tensor y = b.b();
        Tensor out = b.out();
        Tensor[] grads = switch (b.op()) {
            case ADD -> new Tensor[] {g, g};
            case SUB -> new Tensor[] {g, g.neg()};
            // d(xy) = y dx + x dy
            case MUL -> new Tensor[] {g.mul(y), g.mul(x)};
            // d(x/y) = dx / y − (x/y) dy / y
            case DIV -> new Tensor[] {g.div(y), g.mul(out).div(y).neg()};
            // ties split the gradient in half, as torch.maximum / torch.minimum
            case MAXIMUM, MINIMUM -> {
                Tensor wins = b.op() == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
                Tensor share = wins.add(x.eq(y).mul(0.5f));
                yield new Tensor[] {g.mul(share), g.mul(share.neg().add(1f))};
            }
            // d(x^y) = y x^(y−1) dx + x^y log(x) dy; as PyTorch, the dy term is 0 where x^y = 0
            // (log 0 = −∞ would make 0·∞ = NaN), and y x^(y−1) is computed directly, not as y·out/x.
            case POW -> new Tensor[] {
                g.mul(y).mul(x.binaryOp(BinaryOp.POW, y.sub(1f))),
                Tensor.where(out.eq(0f), out.zerosLike(), g.mul(out).mul(x.log()))};
            // Comparisons are piecewise constant: zero gradient (and they never record a node).
            case EQ, NE, LT, LE, GT, GE -> new Tensor[] {null, null};
            // Reached by a differentiable backward only (createGraph), through ReLU's and GELU's rules.
            // relu_grad(a, g) = [a > 0]·g: piecewise constant in a, linear in g
            case RELU_GRAD -> new Tensor[] {null, x.binaryOp(BinaryOp.RELU_GRAD, g)};
            // gelu_grad(a, g) = gelu'(a)·g, with gelu''(a) = φ(a)(2 − a²), φ the standard normal density
            case GELU_GRAD -> new Tensor[] {g.mul(y).mul(geluSecondDerivative(x)), x.binaryOp(BinaryOp.GELU_GRAD, g)};
        };
        return new Tensor[] {
            grads[0] == null ? null : sumTo(grads[0], x.shape()),
            grads[1] == null ? null : sumTo(grads[1], y.shape())};
    }

    private static Tensor extremum(Node.Extremum e, Tensor g) {
        int[] kept = Tensor.reducedShape(e.a().shape(), e.axes(), true);
        Tensor winners = e.a().eq(e.out().reshape(kept));
        Tensor count = winners.sum(e.axes(), true);
        return winners.mul(g.reshape(kept)).div(count);
    }

    private static Tensor softmax(Node.Softmax s, Tensor g) {
        Tensor y = s.out();
        int[] axis = {s.axis()};
        if (s.log()) {
            // y = x − lse(x): dx = g − softmax(x) Σ g
            return g.sub(y.exp().mul(g.sum(axis, true)));
        }
        // y = softmax(x): dx = y (g − Σ g y)
        return y.mul(g.sub(g.mul(y).sum(axis, true)));
    }

    /** 1/√(2π). */
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    /** φ(a)(2 − a²) from differentiable ops, so third derivatives work too. */
    private static Tensor geluSecondDerivative(Tensor a) {
        Tensor squared = a.square();
        return squared.mul(-0.5f).exp().mul(INV_SQRT_2PI).mul(squared.neg().add(2f));
    }

    /**
     * Zeros with {@code g} written at the slice. In place (one copy, no graph) unless the backward is
     * differentiable: then the result is recorded as a {@link Node.SliceBackward} of {@code g}.
     */
    private static Tensor slice(Node.Slice s, Tensor g) {
        Tensor full = s.a().zerosLike();
        full.slice(s.axis(), s.start(), s.end()).copyFrom(g);
        return Tape.record(full, new Node.SliceBackward(g, s.a().shape(), s.axis(), s.start(), s.end()), g);
    }

    /**
     * dL/dlogits = (softmax − onehot) · g / rows: one fused backend kernel; in a differentiable
     * backward the same formula from recorded ops (softmax's own rule then gives the curvature).
     */
    private static Tensor crossEntropy(Node.CrossEntropy ce, Tensor g) {
        Tensor logits = ce.logits();
        int rows = logits.size(0);
        if (GradMode.isEnabled()) {
            Tensor rowGrad = g.reshape().mul(1f / rows).expand(rows);
            Tensor oneHot = Tensor.oneHot(ce.labels().reshape(-1), logits.size(1));
            return logits.softmax(1).sub(oneHot).mul(rowGrad.reshape(rows, 1));
        }
        // The scalar's view, its share per row and the broadcast are freed here, not by the scope.
        try (Tensor scalar = g.reshape(); Tensor share = scalar.mul(1f / rows); Tensor rowGrad = share.expand(rows)) {
            return logits.crossEntropyBackward(ce.labels(), ce.rowStats(), rowGrad);
        }
    }


    /** Each input of a cat gets its slice of {@code g} (views; differentiable as slices are). */
    private static Tensor[] cat(Node.Cat c, Tensor g) {
        Tensor[] grads = new Tensor[c.sizes().length];
        int at = 0;
        for (int i = 0; i < grads.length; i++) {
            grads[i] = g.slice(c.axis(), at, at + c.sizes()[i]);
            at += c.sizes()[i];
        }
        return grads;
    }

    /**
     * Zeros of {@code shape} with entry i of {@code g} (along {@code axis}) added at {@code index[i]};
     * repeated indices accumulate, in index order. Computed outside the graph and recorded as one
     * {@link Node.IndexAdd} of {@code g} when the backward is differentiable.
     */
    private static Tensor indexAdd(Tensor g, int[] shape, int axis, int[] index) {
        Tensor full = Tensor.zeros(g.device(), shape);
        try (NoGrad ignored = NoGrad.open()) {
            for (int i = 0; i < index.length; i++) {
                Tensor target = full.slice(axis, index[i], index[i] + 1);
                try (Tensor sum = target.add(g.slice(axis, i, i + 1))) {
                    target.copyFrom(sum);
                }
            }
        }
        return Tape.record(full, new Node.IndexAdd(g, shape, axis, index), g);
    }

    /**
     * {@code torch.gather(g, axis, index)} padded with zeros to the source's shape: the gradient of
     * a scatter-add's source. {@code g} restricted to the index's extent on the other axes is
     * viewed as {@code [rows, size]} (axis last), each row repeated once per index entry and
     * picked by the row-wise {@link Tensor#gather}, in chunks of rows that bound the repeated
     * copy. Written with recorded ops, so a differentiable backward differentiates it again.
     */
    private static Tensor scatterAddSource(Node.ScatterAdd s, Tensor g) {
        int axis = s.axis();
        int[] indexShape = s.indexShape();
        int rank = indexShape.length;
        int size = g.size(axis);
        int entries = indexShape[axis];
        Tensor region = g;
        for (int d = 0; d < rank; d++) {
            if (d != axis && indexShape[d] < region.size(d)) {
                region = region.slice(d, 0, indexShape[d]);
            }
        }
        int[] order = Node.Permute.axisLast(rank, axis);
        Tensor moved = region.permute(order);
        int[] movedShape = moved.shape();
        int rows = 1;
        for (int d = 0; d < rank; d++) {
            rows *= d == axis ? 1 : indexShape[d];
        }
        Tensor gathered;
        if (s.rowIndex().length == 0) {
            gathered = Tensor.zeros(g.device(), rows, entries);
        } else {
            Tensor matrix = moved.reshape(rows, size);
            int chunk = Math.max(1, SCATTER_CHUNK_ELEMENTS / Math.max(1, entries * size));
            List<Tensor> parts = new ArrayList<>();
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int r1 = Math.min(rows, r0 + chunk);
                int[] picks = Arrays.copyOfRange(s.rowIndex(), r0 * entries, r1 * entries);
                Tensor repeated = matrix.slice(0, r0, r1).unsqueeze(1).expand(r1 - r0, entries, size)
                        .reshape((r1 - r0) * entries, size);
                parts.add(repeated.gather(1, indexTensor(picks, g)).reshape(r1 - r0, entries));
            }
            gathered = parts.size() == 1 ? parts.getFirst() : Tensor.cat(parts, 0);
        }
        movedShape[rank - 1] = entries;
        Tensor result = gathered.reshape(movedShape).permute(Node.Permute.inverse(order));
        // zeros where the source reaches past the index: those entries were never added
        int[] srcShape = s.src().shape();
        for (int d = 0; d < rank; d++) {
            if (result.size(d) < srcShape[d]) {
                int[] padShape = result.shape();
                padShape[d] = srcShape[d] - result.size(d);
                result = Tensor.cat(List.of(result, Tensor.zeros(g.device(), padShape)), d);
            }
        }
        return result;
    }

    /** Elements per chunk of a scatter-add's repeated gradient rows (16 MiB of F32). */
    private static final int SCATTER_CHUNK_ELEMENTS = 1 << 22;


    private static Tensor indexTensor(int[] index, Tensor like) {
        return Tensor.of(like.device(), index, index.length);
    }

    /** Sums {@code g} over the axes that broadcasting added or stretched, back to {@code shape}. */
    static Tensor sumTo(Tensor g, int[] shape) {
        int[] gShape = g.shape();
        if (Arrays.equals(gShape, shape)) {
            return g;
        }
        int lead = gShape.length - shape.length;
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < gShape.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gShape[i] != 1)) {
                axes.add(i);
            }
        }
        Tensor summed = g.sum(axes.stream().mapToInt(Integer::intValue).toArray(), true);
        return summed.reshape(shape);
    }
}
