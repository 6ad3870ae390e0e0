package dev.nabla.autograd;

import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Function transforms in the style of {@code torch.func}: the gradient of a scalar function, the
 * Jacobian of a vector function (one vector-Jacobian product per output row), vector-Jacobian and
 * Jacobian-vector products, and second derivatives (Hessian, Hessian-vector product) from a
 * differentiable backward ({@code createGraph}).
 *
 * <p>Transforms have no side effects: they differentiate with respect to a detached copy of
 * {@code x}, return the gradients instead of accumulating them (no tensor's {@code grad()}
 * changes, not even parameters that {@code f} captures), and record the graph they need even
 * inside a {@link NoGrad} block.
 */
public final class Autograd {

    private Autograd() {
    }

    /** ∇f(x) for a scalar-valued {@code f}; the result has x's shape. */
    public static Tensor grad(Function<Tensor, Tensor> f, Tensor x) {
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor y = f.apply(input);
            if (y.numel() != 1) {
                throw new IllegalArgumentException("Autograd.grad: f must return a scalar, got shape "
                        + Arrays.toString(y.shape()) + "; use Autograd.jacobian for vector-valued functions");
            }
            if (!y.isRequiresGrad()) {
                return x.zerosLike();
            }
            return y.gradientsFor(y.onesLike(), input)[0];
        });
    }

    /**
     * The Jacobian of {@code f} at {@code x}: an {@code m × n} tensor where {@code m} is the number
     * of output elements and {@code n} of input elements (both flattened row-major);
     * {@code J[i][j] = ∂f_i/∂x_j}.
     */
    public static Tensor jacobian(Function<Tensor, Tensor> f, Tensor x) {
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor y = f.apply(input);
            return jacobianRows(y.isRequiresGrad() ? y : null, (int) y.numel(), input);
        });
    }

    /**
     * The vector-Jacobian product {@code vᵀ J(x)}: the gradient of {@code Σ v ⊙ f(x)} with respect to
     * x, in one backward pass (v has f's output shape; the result has x's). For a scalar f and
     * {@code v = 1} it is the gradient.
     */
    public static Tensor vjp(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor y = f.apply(input);
            requireShape("vjp", "cotangent v", v, y.shape(), "f's output");
            if (!y.isRequiresGrad()) {
                return x.zerosLike();
            }
            return y.gradientsFor(v, input)[0];
        });
    }

    /**
     * The Jacobian-vector product {@code J(x) · v}: the directional derivative of {@code f} at
     * {@code x} along {@code v} (v has x's shape). The result has f's output shape; for a scalar f
     * it is {@code ∇f(x) · v}.
     *
     * <p>Two backward passes whatever the sizes (the double-vjp trick): {@code g(u) = uᵀJ} is
     * linear in a dummy cotangent {@code u}, recorded with a differentiable backward, and the
     * gradient of {@code g(u) · v} with respect to {@code u} is {@code J v}.
     */
    public static Tensor jvp(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        requireShape("jvp", "direction v", v, x.shape(), "the input");
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor y = f.apply(input);
            if (!y.isRequiresGrad()) {
                return y.zerosLike();
            }
            Tensor u = y.zerosLike().requiresGrad();
            Tensor uJ = y.gradientsFor(u, true, input)[0];
            if (!uJ.isRequiresGrad()) {
                return y.zerosLike();   // f is linear with a constant Jacobian of zero along every path
            }
            return uJ.gradientsFor(v.detach(), u)[0];
        });
    }

    /**
     * The Hessian-vector product {@code H(x) · v} of a scalar {@code f}, never forming H: the
     * gradient of {@code ∇f(x) · v}, from a differentiable backward and one more pass. v and the
     * result have x's shape.
     */
    public static Tensor hvp(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        requireShape("hvp", "direction v", v, x.shape(), "the input");
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor gradient = scalarGradient("hvp", f, input);
            if (gradient == null || !gradient.isRequiresGrad()) {
                return x.zerosLike();
            }
            return gradient.gradientsFor(v.detach(), input)[0];
        });
    }

    /**
     * The Hessian of a scalar {@code f} at {@code x}: an {@code n × n} tensor, {@code n =
     * x.numel()}, both axes flattened row-major as in {@link #jacobian};
     * {@code H[i][j] = ∂²f/∂x_i∂x_j}. One differentiable backward, then one pass per row.
     */
    public static Tensor hessian(Function<Tensor, Tensor> f, Tensor x) {
        return GradMode.enabledFor(() -> {
            Tensor input = x.detach().requiresGrad();
            Tensor gradient = scalarGradient("hessian", f, input);
            boolean differentiable = gradient != null && gradient.isRequiresGrad();
            return jacobianRows(differentiable ? gradient : null, (int) x.numel(), input);
        });
    }

    /**
     * The {@code m × n} Jacobian of {@code y} (m elements) with respect to {@code input} (n
     * elements), one backward pass per row seeded with a unit vector; zeros when {@code y} is null
     * (it does not depend on the input).
     */
    private static Tensor jacobianRows(Tensor y, int m, Tensor input) {
        int n = (int) input.numel();
        float[] rows = new float[m * n];
        if (y != null) {
            for (int i = 0; i < m; i++) {
                float[] seed = new float[m];
                seed[i] = 1f;
                Tensor row = y.gradientsFor(Tensor.of(y.device(), seed, m).reshape(y.shape()), input)[0];
                System.arraycopy(row.toFloatArray(), 0, rows, i * n, n);
            }
        }
        return Tensor.of(input.device(), rows, m, n);
    }

    /** ∇f(input) with its graph, or null when f does not depend on input; f must return one element. */
    private static Tensor scalarGradient(String op, Function<Tensor, Tensor> f, Tensor input) {
        Tensor y = f.apply(input);
        if (y.numel() != 1) {
            throw new IllegalArgumentException("Autograd." + op + ": f must return a scalar, got shape "
                    + Arrays.toString(y.shape()) + "; second derivatives of vector-valued functions are one "
                    + op + " per output element");
        }
        if (!y.isRequiresGrad()) {
            return null;
        }
        return y.gradientsFor(y.onesLike(), true, input)[0];
    }

    private static void requireShape(String op, String what, Tensor t, int[] shape, String of) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("Autograd." + op + ": " + what + " has shape "
                    + Arrays.toString(t.shape()) + ", but " + of + " has shape " + Arrays.toString(shape));
        }
    }
}
