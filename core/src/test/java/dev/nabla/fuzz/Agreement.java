package dev.nabla.fuzz;

import dev.nabla.fuzz.Fuzzer.Discard;
import dev.nabla.fuzz.Fuzzer.Fail;
import dev.nabla.fuzz.Fuzzer.Pass;
import dev.nabla.fuzz.Fuzzer.Verdict;
import dev.nabla.fuzz.Program.Op;
import dev.nabla.fuzz.Program.Outcome;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whether a backend's {@link Outcome} of a program agrees with the reference's: the same exception
 * kind at the same step, the same shapes, every value and every leaf gradient within tolerance,
 * and no gradient written into the padding around a sliced leaf.
 *
 * <p>NOTE: the tolerance is relative to the magnitudes in the program, not to each element: values
 * pass through different summation orders and vectorised transcendental functions, and a difference
 * of two large intermediates can be small while its error is the large operands'. An element passes
 * if {@code |actual − expected| ≤ ABSOLUTE·scale + RELATIVE·|expected|}, with {@code scale} the
 * largest magnitude among the reference's values (and, for gradients, its gradients), at least 1.
 */
final class Agreement {

    static final double ABSOLUTE = 1e-4;
    static final double RELATIVE = 1e-3;

    private Agreement() {
    }

    static Verdict of(Program program, Outcome expected, Outcome actual) {
        String header = "program:\n" + program + "shapes on the reference: " + shapes(expected.shapes()) + "\n";
        if (expected.error() != null && !isRefusal(expected.error())) {
            return new Fail("the reference threw " + expected.error().getClass().getName(),
                    header + "at " + where(program, expected.errorStep()) + ": " + expected.error());
        }
        if (expected.error() != null || actual.error() != null) {
            Class<?> e = expected.error() == null ? null : expected.error().getClass();
            Class<?> a = actual.error() == null ? null : actual.error().getClass();
            if (e != a || expected.errorStep() != actual.errorStep()) {
                return new Fail("errors differ: reference " + name(e) + ", " + actual.device() + " " + name(a), header
                        + "reference: " + describe(program, expected) + "\n" + actual.device() + ": "
                        + describe(program, actual));
            }
        }
        if (!finite(expected)) {
            return new Discard("a reference value or gradient is not finite");
        }
        Verdict values = compareAll(program, expected, actual, header);
        // NOTE: a decision within rounding of its threshold (relu of 1.5e-8 on one backend, -2e-8 on
        // the other after another summation order; a near-tie for a max) may go either way, and
        // everything after it differs by a step, not by rounding. The long run on cpu found
        // where(t.gt(0), t, u) with t = 1.49e-8 on the reference. Such a case is discarded, not failed.
        if (values instanceof Fail && expected.margin() <= DECISION_MARGIN * scale(expected)) {
            return new Discard("a decision within " + expected.margin() + " of its threshold");
        }
        return values;
    }

    /** A decision this close to its threshold (times the program's scale) may go either way. */
    static final double DECISION_MARGIN = 1e-4;

    private static double scale(Outcome expected) {
        double scale = 1;
        for (Object value : expected.values()) {
            if (value instanceof float[] f) {
                scale = Math.max(scale, maxAbs(f));
            }
        }
        return scale;
    }

    private static Verdict compareAll(Program program, Outcome expected, Outcome actual, String header) {
        double scale = scale(expected);
        for (int i = 0; i < expected.values().size(); i++) {
            String problem = compareValue(program, expected, actual, i, scale);
            if (problem != null) {
                return new Fail(problem.startsWith("shape") ? "shape" : "forward value", header + problem);
            }
        }
        double gradientScale = scale;
        for (float[] g : expected.gradients()) {
            gradientScale = Math.max(gradientScale, maxAbs(g));
        }
        for (int k = 0; k < expected.gradients().size(); k++) {
            String problem = compareFloats(expected.gradients().get(k), actual.gradients().get(k), gradientScale);
            if (problem != null) {
                return new Fail("gradient", header + "gradient of leaf " + k + " (" + leafName(program, k) + ", shape "
                        + Arrays.toString(program.leaves().get(k).shape()) + ", layout "
                        + program.leaves().get(k).layout() + "): " + problem);
            }
        }
        if (actual.layoutProblem() != null) {
            return new Fail("padding gradient", header + actual.layoutProblem());
        }
        return new Pass();
    }

    /** The exceptions core throws for a bad argument: what a backend must throw too. */
    static boolean isRefusal(RuntimeException e) {
        return e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException;
    }

    private static String name(Class<?> c) {
        return c == null ? "no exception" : c.getSimpleName();
    }

    private static String describe(Program program, Outcome outcome) {
        return outcome.error() == null ? "no exception"
                : outcome.error() + " at " + where(program, outcome.errorStep());
    }

    private static String where(Program program, int step) {
        return step >= program.steps().size() ? "backward" : program.line(step);
    }

    private static String leafName(Program program, int k) {
        int seen = 0;
        for (int i = 0; i < program.steps().size(); i++) {
            if (program.steps().get(i) instanceof Program.Leaf && seen++ == k) {
                return "t" + i;
            }
        }
        return "?";
    }

    private static boolean finite(Outcome outcome) {
        for (Object value : outcome.values()) {
            if (value instanceof float[] f && !finite(f)) {
                return false;
            }
        }
        return outcome.gradients().stream().allMatch(Agreement::finite);
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static String compareValue(Program program, Outcome expected, Outcome actual, int i, double scale) {
        String line = program.line(i);
        if (!Arrays.equals(expected.shapes().get(i), actual.shapes().get(i))) {
            return "shape of " + line + ": reference " + Arrays.toString(expected.shapes().get(i)) + ", "
                    + actual.device() + " " + Arrays.toString(actual.shapes().get(i));
        }
        Object e = expected.values().get(i);
        Object a = actual.values().get(i);
        String problem;
        if (e instanceof float[] ef && a instanceof float[] af) {
            problem = compareFloats(ef, af, scale);
        } else if (e instanceof int[] ei && a instanceof int[] ai) {
            problem = compareArgmax(program, expected, i, ei, ai, scale);
        } else {
            problem = "dtypes differ";
        }
        return problem == null ? null : line + " (shape " + Arrays.toString(expected.shapes().get(i)) + "): " + problem;
    }

    /** Null if {@code actual} is within tolerance of {@code expected}, else the first difference and both arrays. */
    static String compareFloats(float[] expected, float[] actual, double scale) {
        if (expected.length != actual.length) {
            return "expected " + expected.length + " values, got " + actual.length;
        }
        for (int j = 0; j < expected.length; j++) {
            double tolerance = ABSOLUTE * scale + RELATIVE * Math.abs(expected[j]);
            double difference = Math.abs((double) actual[j] - expected[j]);
            if (!(difference <= tolerance)) {
                return String.format(Locale.ROOT, "at flat index %d expected %s, actual %s (tolerance %.2e)%n"
                                + "  expected %s%n  actual   %s", j, expected[j], actual[j], tolerance,
                        Program.literal(expected), Program.literal(actual));
            }
        }
        return null;
    }

    /**
     * Argmax indices agree, or where they differ the two candidates' values are within tolerance of
     * each other (a near-tie that rounding may break either way).
     */
    private static String compareArgmax(Program program, Outcome expected, int i, int[] e, int[] a, double scale) {
        if (Arrays.equals(e, a)) {
            return null;
        }
        Op op = (Op) program.steps().get(i);
        int input = op.inputs()[0];
        int[] shape = expected.shapes().get(input);
        float[] source = (float[]) expected.values().get(input);
        int axis = op.argmaxAxis() < 0 ? op.argmaxAxis() + shape.length : op.argmaxAxis();
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int extent = shape[axis];
        for (int p = 0; p < e.length; p++) {
            if (e[p] != a[p]) {
                int base = (p / inner) * extent * inner + p % inner;
                if (a[p] < 0 || a[p] >= extent) {
                    return "index " + a[p] + " at " + p + " is out of range 0.." + (extent - 1);
                }
                float ve = source[base + e[p] * inner];
                float va = source[base + a[p] * inner];
                if (Math.abs(ve - va) > ABSOLUTE * scale + RELATIVE * Math.abs(ve)) {
                    return "at " + p + " expected index " + e[p] + " (value " + ve + "), actual " + a[p] + " (value "
                            + va + ")\n  expected " + Arrays.toString(e) + "\n  actual   " + Arrays.toString(a);
                }
            }
        }
        return null;
    }

    /** {@code t0 [2, 3], t1 [3]}, for reports. */
    static String shapes(List<int[]> shapes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shapes.size(); i++) {
            text.append(i == 0 ? "" : ", ").append('t').append(i).append(' ').append(Arrays.toString(shapes.get(i)));
        }
        return text.toString();
    }
}
