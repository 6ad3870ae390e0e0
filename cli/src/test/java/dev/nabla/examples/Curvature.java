package dev.nabla.examples;

import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.Autograd;
import dev.nabla.data.DataLoader;
import dev.nabla.data.DatasetLocator;
import dev.nabla.data.ImageDataset;
import dev.nabla.data.Split;
import dev.nabla.data.Standardizer;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Module;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Function;

/**
 * Second derivatives in practice (issue 12's example; {@code CurvatureTest} runs it small):
 * Newton's method against gradient descent on the course notes' quadratic, and the top
 * eigenvalue of a trained Fashion-MNIST MLP's loss Hessian by power iteration with
 * {@link Autograd#hvp}, never forming the 1.3 M × 1.3 M matrix. Run it against a bundle's jars as
 * {@link Quickstart} says; it prints the figures {@code docs/benchmarks.md} records.
 */
public final class Curvature {

    private Curvature() {
    }

    /** Component {@code i} of a 1-D tensor, as a scalar. */
    private static Tensor at(Tensor v, int i) {
        return v.slice(0, i, i + 1).reshape();
    }

    /** f(x, y) = (x − 3)² + 2(y + 1)², minimum 0 at (3, −1). */
    static Tensor quadratic(Tensor v) {
        return at(v, 0).sub(3f).square().add(at(v, 1).add(1f).square().mul(2f));
    }

    /**
     * Steps each method takes from (0, 0) until ‖∇f‖ < 1e-4: {@code {newton, descent}}. Newton
     * solves H d = ∇f (2 × 2, by Cramer's rule); gradient descent uses the learning rate 0.1.
     */
    static int[] newtonVersusDescent() {
        int[] steps = new int[2];
        for (int method = 0; method < 2; method++) {
            float[] x = {0f, 0f};
            while (true) {
                Tensor point = Tensor.of(Device.reference(), x);
                float[] g = Autograd.grad(Curvature::quadratic, point).toFloatArray();
                if (Math.hypot(g[0], g[1]) < 1e-4 || steps[method] == 10_000) {
                    break;
                }
                if (method == 0) {
                    float[] h = Autograd.hessian(Curvature::quadratic, point).toFloatArray();
                    float det = h[0] * h[3] - h[1] * h[2];
                    x = new float[] {x[0] - (h[3] * g[0] - h[1] * g[1]) / det, x[1] - (h[0] * g[1] - h[2] * g[0]) / det};
                } else {
                    x = new float[] {x[0] - 0.1f * g[0], x[1] - 0.1f * g[1]};
                }
                steps[method]++;
            }
        }
        return steps;
    }

    /**
     * The cross-entropy of a ReLU MLP of {@code widths} as a function of all its parameters in
     * one flat vector, ordered as {@link Module#parameters()} orders an {@link Mlp}'s (each
     * layer's weight [out, in], then its bias).
     */
    static Function<Tensor, Tensor> mlpLoss(int[] widths, Tensor inputs, Tensor labels) {
        return p -> {
            Tensor h = inputs;
            int offset = 0;
            for (int layer = 0; layer + 1 < widths.length; layer++) {
                int in = widths[layer];
                int out = widths[layer + 1];
                Tensor weight = p.slice(0, offset, offset + out * in).reshape(out, in);
                offset += out * in;
                Tensor bias = p.slice(0, offset, offset + out);
                offset += out;
                h = Tensor.linear(h, weight, bias);
                if (layer + 2 < widths.length) {
                    h = h.relu();
                }
            }
            return Losses.crossEntropy(h, labels);
        };
    }

    /** A module's parameters, flattened in order into one new tensor. */
    static Tensor flatten(Module model, Device device) {
        float[] flat = new float[model.parameters().stream().mapToInt(t -> (int) t.numel()).sum()];
        int offset = 0;
        for (Tensor parameter : model.parameters()) {
            float[] values = parameter.toFloatArray();
            System.arraycopy(values, 0, flat, offset, values.length);
            offset += values.length;
        }
        return Tensor.of(device, flat);
    }

    /**
     * The largest-magnitude eigenvalue of f's Hessian at {@code x} by {@code iterations} steps of
     * power iteration from a fixed random direction: v ← Hv / ‖Hv‖, λ = vᵀHv.
     */
    static double topEigenvalue(Function<Tensor, Tensor> f, Tensor x, int iterations) {
        Tensor v = Tensor.randn(x.device(), 7, 0, x.shape());
        v = v.div(v.square().sum().sqrt());
        double lambda = 0;
        for (int i = 0; i < iterations; i++) {
            try (Scope ignored = Scope.open()) {
                Tensor hv = Autograd.hvp(f, x, v);
                lambda = v.mul(hv).sum().item();
                v = hv.div(hv.square().sum().sqrt()).keep();
            }
        }
        return lambda;
    }

    /** Adam, batch 128, as the README's example trains. */
    static void fit(Sequential model, Split data, Device device, int epochs) {
        Adam optimizer = new Adam(model, 1e-3f);
        try (DataLoader loader = new DataLoader(data.trainFeatures(), data.trainLabels(), data.features(), 128,
                true, false, 42, device)) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (Iterator<DataLoader.Batch> it = loader.epoch(epoch); it.hasNext(); ) {
                    try (DataLoader.Batch batch = it.next(); Scope step = Scope.open()) {
                        Tensor loss = Losses.crossEntropy(model.forward(batch.features()), batch.labels());
                        optimizer.zeroGrad();
                        loss.backward();
                        optimizer.step();
                    }
                }
            }
        }
    }

    /** Median wall time of {@code runs} calls, in milliseconds. */
    static double medianMillis(int runs, Runnable body) {
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            body.run();
            times[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(times);
        return times[runs / 2];
    }

    public static void main(String[] args) throws IOException {
        int[] steps = newtonVersusDescent();
        System.out.printf("(x-3)^2 + 2(y+1)^2 from (0,0) to |grad| < 1e-4: Newton %d step(s), gradient descent"
                + " (lr 0.1) %d steps%n", steps[0], steps[1]);

        Device device = Device.cpu();
        Split data = DatasetLocator.standard().load(ImageDataset.fromName("fashion-mnist"), Optional.empty());
        data = Standardizer.standardize(data, Standardizer.Scope.GLOBAL);
        int[] widths = {784, 1024, 512, 10};
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Generator.manualSeed(42);
        Sequential model = Mlp.of(784, new int[] {1024, 512}, 10, "relu", 0f, device, 42);
        fit(model, data, device, epochs);
        Tensor params = flatten(model, device).keep();
        int batch = 128;
        Tensor inputs = Tensor.of(device, Arrays.copyOf(data.trainFeatures(), batch * 784), batch, 784).keep();
        Tensor labels = Tensor.of(device, Arrays.copyOf(data.trainLabels(), batch)).keep();
        Function<Tensor, Tensor> loss = mlpLoss(widths, inputs, labels);
        Tensor direction = Tensor.randn(device, 3, 0, params.shape()).keep();
        for (int warm = 0; warm < 3; warm++) {
            try (Scope ignored = Scope.open()) {
                Autograd.grad(loss, params);
                Autograd.hvp(loss, params, direction);
            }
        }
        double gradMillis = medianMillis(9, () -> {
            try (Scope ignored = Scope.open()) {
                Autograd.grad(loss, params).sum().item();
            }
        });
        double hvpMillis = medianMillis(9, () -> {
            try (Scope ignored = Scope.open()) {
                Autograd.hvp(loss, params, direction).sum().item();
            }
        });
        System.out.printf("%,d parameters, batch %d on %s: forward+backward %.1f ms, hvp %.1f ms (%.2fx)%n",
                params.numel(), batch, device, gradMillis, hvpMillis, hvpMillis / gradMillis);
        long start = System.nanoTime();
        double lambda = topEigenvalue(loss, params, 20);
        System.out.printf("top Hessian eigenvalue after %d epoch(s): %.4f (20 power iterations, %.1f s)%n", epochs,
                lambda, (System.nanoTime() - start) / 1e9);
    }
}
