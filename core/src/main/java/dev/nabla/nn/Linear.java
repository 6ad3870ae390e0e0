package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;

/**
 * {@code y = x·Wᵀ + b}, as {@code torch.nn.Linear}: weight {@code [out, in]}, bias {@code [out]}.
 *
 * <p>Initialization is PyTorch's default: the weight by Kaiming-uniform with {@code a = √5}, which
 * is U(−1/√in, 1/√in), and the bias by U(−1/√in, 1/√in). Both come from Philox with the given seed
 * (weight from stream 0, bias from stream 1), so a seed gives the same layer on every backend. With
 * a bias the forward pass is one GEMM with the bias fused into its epilogue
 * ({@link Tensor#linear}).
 */
public final class Linear extends Module {

    private final int inFeatures;
    private final int outFeatures;
    private final boolean hasBias;

    /**
     * A layer with bias on the default device, initialized from the next seed of
     * {@link dev.nabla.Generator} (as {@code torch.nn.Linear(in, out)}).
     */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true, Device.getDefault(), dev.nabla.Generator.nextSeed());
    }

    /** A layer with bias on {@code device}, initialized from the next seed of {@link dev.nabla.Generator}. */
    public Linear(int inFeatures, int outFeatures, Device device) {
        this(inFeatures, outFeatures, true, device, dev.nabla.Generator.nextSeed());
    }

    /** A layer with bias on the default device. */
    public Linear(int inFeatures, int outFeatures, long seed) {
        this(inFeatures, outFeatures, true, Device.getDefault(), seed);
    }

    /** A layer with or without bias on the default device. */
    public Linear(int inFeatures, int outFeatures, boolean bias, long seed) {
        this(inFeatures, outFeatures, bias, Device.getDefault(), seed);
    }

    /** A layer with bias on {@code device}. */
    public Linear(int inFeatures, int outFeatures, Device device, long seed) {
        this(inFeatures, outFeatures, true, device, seed);
    }

    /** A layer with or without bias on {@code device}. */
    public Linear(int inFeatures, int outFeatures, boolean bias, Device device, long seed) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got "
                    + inFeatures + " and " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = bias;
        Tensor weight = Tensor.empty(device, DType.F32, outFeatures, inFeatures);
        Init.kaimingUniform(weight, (float) Math.sqrt(5.0), seed, 0);
        registerParameter("weight", weight);
        if (bias) {
            float bound = (float) (1.0 / Math.sqrt(inFeatures));
            Tensor b = Tensor.empty(device, DType.F32, outFeatures);
            Init.uniform(b, -bound, bound, seed, 1);
            registerParameter("bias", b);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (hasBias) {
            return Tensor.linear(x, weight(), bias());
        }
        return x.matmul(weight().t());
    }

    /**
     * {@code relu(forward(x))} with the ReLU in the GEMM's epilogue (one pass over the output
     * fewer); what {@link Sequential} runs for this layer followed by a {@link ReLU}.
     */
    public Tensor forwardRelu(Tensor x) {
        if (hasBias) {
            return Tensor.linear(x, weight(), bias(), dev.nabla.backend.Activation.RELU);
        }
        return forward(x).relu();
    }

    /** The weight {@code [out, in]}. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias {@code [out]}; throws when the layer was built without one. */
    public Tensor bias() {
        if (!hasBias) {
            throw new IllegalStateException("Linear(" + inFeatures + ", " + outFeatures + ") has no bias");
        }
        return parameter("bias");
    }

    public boolean hasBias() {
        return hasBias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (hasBias ? "True" : "False");
    }
}
