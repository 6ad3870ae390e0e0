package dev.nabla.autograd;

import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Function transforms in the style of {@code torch.func}: the gradient of a scalar function, the
 * Jacobian of a vector function (one vector-Jacobian product per output row), and the
 * Jacobian-vector product (directional derivative).
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
            int m = (int) y.numel();
            int n = (int) x.numel();
            float[] rows = new float[m * n];
            if (y.isRequiresGrad()) {
                for (int i = 0; i < m; i++) {
                    float[] seed = new float[m];
                    seed[i] = 1f;
                    Tensor row = y.gradientsFor(Tensor.of(y.device(), seed, m).reshape(y.shape()), input)[0];
                    System.arraycopy(row.toFloatArray(), 0, rows, i * n, n);
                }
            }
            return Tensor.of(x.device(), rows, m, n);
        });
    }

    /**
     * The Jacobian-vector product {@code J(x) · v}: the directional derivative of {@code f} at
     * {@code x} along {@code v} (v has x's shape). The result has f's output shape; for a scalar f
     * it is {@code ∇f(x) · v}. Computed from the Jacobian, so it costs one backward pass per
     * output element.
     */
    public static Tensor jvp(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        if (!Arrays.equals(x.shape(), v.shape())) {
            throw new IllegalArgumentException("Autograd.jvp: direction shape " + Arrays.toString(v.shape())
                    + " does not match input shape " + Arrays.toString(x.shape()));
        }
        int[] outShape;
        try (var ignored = NoGrad.open()) {
            outShape = f.apply(x).shape();
        }
        Tensor jacobian = jacobian(f, x);
        try (var ignored = NoGrad.open()) {
            return jacobian.matmul(v.reshape(-1)).reshape(outShape);
        }
    }
}
