package dev.nabla.autograd;

import dev.nabla.Tensor;
import dev.nabla.backend.Philox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks analytic gradients against central finite differences, as {@code torch.autograd.gradcheck}.
 *
 * <p>A non-scalar output is reduced to {@code L = Σ wᵢ·outᵢ} with fixed pseudo-random weights in
 * [0.5, 1.5), so every output element's gradient is exercised. The numeric side evaluates
 * {@code (L(x + h) − L(x − h)) / 2h} for each input element, accumulating L in double. NOTE: the
 * function itself runs in float32, so the step {@code h} cannot be tiny: the default 1e-2 balances
 * float rounding (≈ 1e-7·|L|/h) against truncation error (≈ h²·L‴); keep inputs away from kinks
 * (relu at 0, abs at 0) by more than h.
 */
public final class GradCheck {

    private final double step;
    private final double absoluteTolerance;
    private final double relativeTolerance;

    private GradCheck(double step, double absoluteTolerance, double relativeTolerance) {
        this.step = step;
        this.absoluteTolerance = absoluteTolerance;
        this.relativeTolerance = relativeTolerance;
    }

    /** Default settings: step 1e-2, tolerances 1e-2 absolute and 1e-2 relative. */
    public static GradCheck defaults() {
        return new GradCheck(1e-2, 1e-2, 1e-2);
    }

    /** Same settings with another finite-difference step. */
    public GradCheck withStep(double h) {
        return new GradCheck(h, absoluteTolerance, relativeTolerance);
    }

    /** Same settings with other tolerances: an element passes if |a − n| ≤ atol + rtol·|n|. */
    public GradCheck withTolerance(double atol, double rtol) {
        return new GradCheck(step, atol, rtol);
    }

    /** {@code defaults().run(f, inputs)}. */
    public static Report check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        return defaults().run(f, inputs);
    }

    /** Compares analytic and numeric gradients of {@code f} with respect to every input. */
    public Report run(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        List<Tensor> leaves = new ArrayList<>();
        for (Tensor input : inputs) {
            leaves.add(input.detach().requiresGrad());
        }
        Tensor out = f.apply(leaves);
        float[] weights = new float[(int) out.numel()];
        Philox.fillUniform(0x5EED, 0, weights, weights.length);
        for (int i = 0; i < weights.length; i++) {
            weights[i] += 0.5f;
        }
        // NOTE: gradients are returned, not accumulated: tensors f captures keep their grad().
        Tensor[] grads = out.isRequiresGrad()
                ? out.gradientsFor(Tensor.of(out.device(), weights, weights.length).reshape(out.shape()),
                        leaves.toArray(Tensor[]::new))
                : leaves.stream().map(Tensor::zerosLike).toArray(Tensor[]::new);

        List<InputReport> reports = new ArrayList<>();
        for (int k = 0; k < inputs.length; k++) {
            float[] analytic = grads[k].toFloatArray();
            float[] numeric = numericGradient(f, inputs, k, weights);
            reports.add(compare(k, inputs[k].shape(), analytic, numeric));
        }
        return new Report(reports, absoluteTolerance, relativeTolerance);
    }

    /** {@code defaults().runGradGrad(f, inputs)}, as {@code torch.autograd.gradgradcheck}. */
    public static Report gradgradcheck(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        return defaults().runGradGrad(f, inputs);
    }

    /**
     * Checks second derivatives: for each input k, the first derivative {@code ∂(Σ w ⊙ f)/∂x_k}
     * (fixed pseudo-random weights w) is computed with a differentiable backward, and its gradient
     * with respect to every input is compared with finite differences of it. The report lists
     * k × inputs blocks, k-major.
     */
    public Report runGradGrad(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        List<InputReport> reports = new ArrayList<>();
        for (int k = 0; k < inputs.length; k++) {
            int wrt = k;
            reports.addAll(run(t -> firstDerivative(f, t, wrt), inputs).inputs());
        }
        return new Report(reports, absoluteTolerance, relativeTolerance);
    }

    /**
     * ∂(Σ w ⊙ f(t))/∂t_k with its graph. Inputs that do not require grad (the finite-difference
     * evaluations, which run under no-grad) are made leaves first, and recording is switched on.
     */
    private static Tensor firstDerivative(Function<List<Tensor>, Tensor> f, List<Tensor> t, int k) {
        return GradMode.enabledFor(() -> {
            List<Tensor> leaves = t.stream().map(x -> x.isRequiresGrad() ? x : x.detach().requiresGrad()).toList();
            Tensor y = f.apply(leaves);
            if (!y.isRequiresGrad()) {
                return leaves.get(k).zerosLike();
            }
            float[] weights = new float[(int) y.numel()];
            Philox.fillUniform(0x5EED2, 0, weights, weights.length);
            for (int i = 0; i < weights.length; i++) {
                weights[i] += 0.5f;
            }
            Tensor seed = Tensor.of(y.device(), weights, weights.length).reshape(y.shape());
            return y.gradientsFor(seed, true, leaves.toArray(Tensor[]::new))[k];
        });
    }

    private float[] numericGradient(Function<List<Tensor>, Tensor> f, Tensor[] inputs, int k, float[] weights) {
        float[] base = inputs[k].toFloatArray();
        float[] result = new float[base.length];
        try (var ignored = NoGrad.open()) {
            for (int e = 0; e < base.length; e++) {
                float original = base[e];
                base[e] = (float) (original + step);
                double plus = weightedSum(f, inputs, k, base, weights);
                base[e] = (float) (original - step);
                double minus = weightedSum(f, inputs, k, base, weights);
                base[e] = original;
                // NOTE: divide by the step actually taken in float, not the nominal one.
                double taken = (double) (float) (original + step) - (double) (float) (original - step);
                result[e] = (float) ((plus - minus) / taken);
            }
        }
        return result;
    }

    private static double weightedSum(Function<List<Tensor>, Tensor> f, Tensor[] inputs, int k, float[] values,
                                      float[] weights) {
        List<Tensor> args = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            args.add(i == k ? tensorOf(inputs[i], values.clone()) : inputs[i]);
        }
        float[] out = f.apply(args).toFloatArray();
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += (double) weights[i] * out[i];
        }
        return sum;
    }

    /** {@code values} with {@code like}'s shape and device; a rank-0 input stays rank 0 (not {@code Tensor.of}'s 1-D). */
    private static Tensor tensorOf(Tensor like, float[] values) {
        return like.rank() == 0 ? Tensor.scalar(like.device(), values[0]) : Tensor.of(like.device(), values, like.shape());
    }

    private InputReport compare(int index, int[] shape, float[] analytic, float[] numeric) {
        double maxAbs = 0;
        double maxRel = 0;
        int worst = -1;
        double worstExcess = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < analytic.length; i++) {
            double abs = Math.abs((double) analytic[i] - numeric[i]);
            double rel = abs / Math.max(1e-12, Math.abs(numeric[i]));
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, Math.abs(numeric[i]) < 1e-6 ? 0 : rel);
            double excess = abs - (absoluteTolerance + relativeTolerance * Math.abs(numeric[i]));
            if (Double.isNaN(abs) || excess > worstExcess) {
                worstExcess = Double.isNaN(abs) ? Double.POSITIVE_INFINITY : excess;
                worst = i;
            }
        }
        boolean passed = worst < 0 || worstExcess <= 0;
        return new InputReport(index, shape, maxAbs, maxRel, passed, worst,
                worst < 0 ? 0 : analytic[worst], worst < 0 ? 0 : numeric[worst]);
    }

    /** The comparison for one input. {@code worstIndex} is the element furthest outside tolerance. */
    public record InputReport(int input, int[] shape, double maxAbsoluteError, double maxRelativeError,
                              boolean passed, int worstIndex, float analyticAtWorst, float numericAtWorst) {
    }

    /** The comparisons for all inputs, readable with {@link #toString()}. */
    public record Report(List<InputReport> inputs, double absoluteTolerance, double relativeTolerance) {

        public boolean passed() {
            return inputs.stream().allMatch(InputReport::passed);
        }

        /** Throws an {@link AssertionError} carrying the report unless every input passed. */
        public Report assertPassed() {
            if (!passed()) {
                throw new AssertionError("gradient check failed\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "gradcheck (atol %.1e, rtol %.1e)%n", absoluteTolerance, relativeTolerance));
            for (InputReport r : inputs) {
                text.append(String.format(Locale.ROOT,
                        "  input %d %s: max abs error %.3e, max rel error %.3e, %s", r.input(),
                        Arrays.toString(r.shape()), r.maxAbsoluteError(), r.maxRelativeError(),
                        r.passed() ? "ok" : "FAILED"));
                if (r.worstIndex() >= 0) {
                    text.append(String.format(Locale.ROOT, " (worst at flat index %d: analytic %.6g, numeric %.6g)",
                            r.worstIndex(), r.analyticAtWorst(), r.numericAtWorst()));
                }
                text.append(System.lineSeparator());
            }
            return text.toString();
        }
    }
}
