package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.amp.Autocast;
import java.util.Arrays;

/**
 * Layer normalization over the last axis, as {@code torch.nn.LayerNorm(features)}:
 * {@code y = (x − μ) / √(σ² + eps) · γ + β}, with μ and the biased variance σ² taken over the
 * last axis; γ ({@code weight}) starts at ones and β ({@code bias}) at zeros.
 *
 * <p>Written once from tensor operations, so autograd differentiates it and every backend runs it.
 */
public final class LayerNorm extends Module {

    private final int features;
    private final float eps;
    private final boolean elementwiseAffine;

    /** LayerNorm with {@code eps = 1e-5} and learnable γ, β on the default device. */
    public LayerNorm(int features) {
        this(features, 1e-5f, true, Device.getDefault());
    }

    public LayerNorm(int features, float eps) {
        this(features, eps, true, Device.getDefault());
    }

    public LayerNorm(int features, Device device) {
        this(features, 1e-5f, true, device);
    }

    public LayerNorm(int features, float eps, boolean elementwiseAffine, Device device) {
        if (features <= 0) {
            throw new IllegalArgumentException("LayerNorm: features must be positive, got " + features);
        }
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("LayerNorm: eps must be positive, got " + eps);
        }
        this.features = features;
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.ones(device, features));
            registerParameter("bias", Tensor.zeros(device, features));
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        // on autocast's F32 list: a 16-bit input is normalised in F32 inside a region
        Tensor x = Autocast.fullPrecision(input);
        if (x.rank() < 1 || x.size(-1) != features) {
            throw new IllegalArgumentException("LayerNorm: expected input with last dimension " + features
                    + ", got shape " + Arrays.toString(x.shape()));
        }
        if (x.dtype() != DType.F32) {
            throw new IllegalArgumentException("LayerNorm: input must be F32, got " + x.dtype());
        }
        int[] lastAxis = {-1};
        Tensor mean = x.mean(lastAxis, true);
        Tensor centered = x.sub(mean);
        // NOTE: biased variance (divide by n), as PyTorch's layer_norm.
        Tensor variance = centered.square().mean(lastAxis, true);
        Tensor normalized = centered.div(variance.add(eps).sqrt());
        if (!elementwiseAffine) {
            return normalized;
        }
        return normalized.mul(parameter("weight")).add(parameter("bias"));
    }

    public int features() {
        return features;
    }

    public float eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return "(" + features + ",), eps=" + pythonFloat(eps) + ", elementwise_affine="
                + (elementwiseAffine ? "True" : "False");
    }

    /** {@code 1e-05} rather than Java's {@code 1.0E-5}, as Python prints it. */
    static String pythonFloat(float value) {
        String text = Float.toString(value);
        int e = text.indexOf('E');
        if (e < 0) {
            return text;
        }
        String mantissa = text.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        int exponent = Integer.parseInt(text.substring(e + 1));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
