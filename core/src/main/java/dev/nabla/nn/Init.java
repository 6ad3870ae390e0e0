package dev.nabla.nn;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import java.util.Arrays;

/**
 * Parameter initializers computed as {@code torch.nn.init} computes them, writing into the tensor in
 * place (outside the autograd graph) and returning it.
 *
 * <p>Random numbers come from the Philox stream {@code (seed, offset)} through
 * {@link Tensor#rand(dev.nabla.Device, long, long, int...)}, so a seed gives the same weights on
 * every backend. Methods without an {@code offset} use stream 0; use distinct offsets (or seeds) for
 * distinct tensors. Fans follow PyTorch for a weight of shape {@code [out, in, k...]}:
 * {@code fan_in = in·∏k}, {@code fan_out = out·∏k}.
 */
public final class Init {

    private Init() {
    }

    /** Fills with U(low, high) from stream {@code (seed, offset)}, as {@code nn.init.uniform_}. */
    public static Tensor uniform(Tensor tensor, float low, float high, long seed, long offset) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("Init.uniform: low " + low + " must not exceed high " + high);
        }
        try (var ignored = NoGrad.open(); var scope = Scope.open()) {
            Tensor u = Tensor.rand(tensor.device(), seed, offset, tensor.shape());
            tensor.copyFrom(u.mul(high - low).add(low));
        }
        return tensor;
    }

    /** Fills with N(mean, std²) from stream {@code (seed, offset)}, as {@code nn.init.normal_}. */
    public static Tensor normal(Tensor tensor, float mean, float std, long seed, long offset) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Init.normal: std must be non-negative, got " + std);
        }
        try (var ignored = NoGrad.open(); var scope = Scope.open()) {
            Tensor n = Tensor.randn(tensor.device(), seed, offset, tensor.shape());
            tensor.copyFrom(n.mul(std).add(mean));
        }
        return tensor;
    }

    /** Fills with {@code value}, as {@code nn.init.constant_}. */
    public static Tensor constant(Tensor tensor, float value) {
        try (var ignored = NoGrad.open(); var scope = Scope.open()) {
            tensor.copyFrom(Tensor.full(tensor.device(), value, tensor.shape()));
        }
        return tensor;
    }

    /** Fills with zeros, as {@code nn.init.zeros_}. */
    public static Tensor zeros(Tensor tensor) {
        return constant(tensor, 0f);
    }

    /** Fills with ones, as {@code nn.init.ones_}. */
    public static Tensor ones(Tensor tensor) {
        return constant(tensor, 1f);
    }

    /** Xavier/Glorot uniform with gain 1: U(−a, a), {@code a = √(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor tensor, long seed) {
        return xavierUniform(tensor, 1f, seed);
    }

    /** Xavier/Glorot uniform: U(−a, a), {@code a = gain·√(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor tensor, float gain, long seed) {
        long[] fans = fans("xavierUniform", tensor);
        float bound = (float) (gain * Math.sqrt(6.0 / (fans[0] + fans[1])));
        return uniform(tensor, -bound, bound, seed, 0);
    }

    /** Xavier/Glorot normal with gain 1: N(0, std²), {@code std = √(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor tensor, long seed) {
        return xavierNormal(tensor, 1f, seed);
    }

    /** Xavier/Glorot normal: N(0, std²), {@code std = gain·√(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor tensor, float gain, long seed) {
        long[] fans = fans("xavierNormal", tensor);
        float std = (float) (gain * Math.sqrt(2.0 / (fans[0] + fans[1])));
        return normal(tensor, 0f, std, seed, 0);
    }

    /**
     * Kaiming/He uniform in fan-in mode for a leaky-ReLU of negative slope {@code a} ({@code a = 0}
     * for ReLU): U(−b, b), {@code b = √3 · gain / √fan_in}, {@code gain = √(2 / (1 + a²))}. With
     * {@code a = √5} this is {@link Linear}'s default, {@code b = 1/√fan_in}.
     */
    public static Tensor kaimingUniform(Tensor tensor, float a, long seed) {
        return kaimingUniform(tensor, a, seed, 0);
    }

    /** {@link #kaimingUniform(Tensor, float, long)} drawing from stream {@code (seed, offset)}. */
    public static Tensor kaimingUniform(Tensor tensor, float a, long seed, long offset) {
        long fanIn = fans("kaimingUniform", tensor)[0];
        double std = leakyReluGain(a) / Math.sqrt(fanIn);
        float bound = (float) (Math.sqrt(3.0) * std);
        return uniform(tensor, -bound, bound, seed, offset);
    }

    /** Kaiming/He normal in fan-in mode: N(0, std²), {@code std = gain / √fan_in}, {@code gain = √(2 / (1 + a²))}. */
    public static Tensor kaimingNormal(Tensor tensor, float a, long seed) {
        long fanIn = fans("kaimingNormal", tensor)[0];
        float std = (float) (leakyReluGain(a) / Math.sqrt(fanIn));
        return normal(tensor, 0f, std, seed, 0);
    }

    private static double leakyReluGain(float a) {
        return Math.sqrt(2.0 / (1.0 + (double) a * a));
    }

    /**
     * {@code {fan_in, fan_out}} of a tensor of shape {@code [out, in, k...]}, as PyTorch's
     * {@code _calculate_fan_in_and_fan_out}.
     */
    public static long[] fans(String op, Tensor tensor) {
        int[] shape = tensor.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("Init." + op + ": fan in and fan out cannot be computed for a tensor "
                    + "with fewer than 2 dimensions (shape " + Arrays.toString(shape) + ")");
        }
        long receptiveField = 1;
        for (int i = 2; i < shape.length; i++) {
            receptiveField *= shape[i];
        }
        return new long[] {shape[1] * receptiveField, shape[0] * receptiveField};
    }

    /**
     * A seed for the {@code index}-th sub-component derived from {@code seed} (SplitMix64
     * finalizer), so that layers built from one model seed draw from unrelated Philox keys.
     */
    public static long deriveSeed(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
