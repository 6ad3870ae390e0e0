package dev.nabla.fuzz;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import dev.nabla.fuzz.Fuzzer.Discard;
import dev.nabla.fuzz.Fuzzer.Fail;
import dev.nabla.fuzz.Fuzzer.Pass;
import dev.nabla.fuzz.Fuzzer.Verdict;
import dev.nabla.fuzz.Program.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fuzz property on the reference backend itself, which checks core's own paths: the same
 * programs with their leaves in transposed and sliced storage must give what they give with
 * contiguous leaves. And the reference's gradients of small smooth programs must match finite
 * differences ({@link GradCheck}).
 */
class ReferenceFuzzTest extends BackendFuzzProperties {

    /** The largest magnitude of a value in a program that GradCheck checks. */
    static final float MAX_MAGNITUDE = 100f;

    /** Leaf elements at most, for finite differences (two evaluations per element). */
    static final int GRADCHECK_ELEMENTS = 24;

    @Override
    protected Device device() {
        return Device.reference();
    }

    @Test
    void smallSmoothProgramsPassGradCheck() {
        Fuzzer.run("GradCheck on the reference", FuzzSettings.fromSystemProperties(DEFAULT_TRIES),
                ReferenceFuzzTest::gradCheck);
    }

    static Verdict gradCheck(Choices choices) {
        Program program = Gen.program(choices);
        List<Program.Leaf> leaves = program.leaves();
        long elements = leaves.stream().mapToLong(leaf -> leaf.values().length).sum();
        if (!program.isSmooth() || elements > GRADCHECK_ELEMENTS || program.operationCount() > 3) {
            return new Discard("not small and smooth");
        }
        Device reference = Device.reference();
        Outcome outcome = program.run(reference, false);
        if (outcome.error() != null || outcome.gradients().isEmpty() || Agreement.of(program, outcome, outcome)
                instanceof Discard) {
            return new Discard("refused, not differentiable, or not finite");
        }
        // NOTE: finite differences in float32 are only as good as the function is flat at the scale
        // of the step: the long run found (1 + expm1(x)²)^expm1(x) at x = 1.875, about 4e9, off by
        // 2.3% through truncation error alone (analytic 9.36e9, numeric 9.58e9). Programs whose
        // values grow past MAX_MAGNITUDE are left to the backend comparisons.
        for (Object value : outcome.values()) {
            if (value instanceof float[] f) {
                for (float v : f) {
                    if (Math.abs(v) > MAX_MAGNITUDE) {
                        return new Discard("values too large for finite differences");
                    }
                }
            }
        }
        Tensor[] inputs = leaves.stream().map(leaf -> Program.tensor(reference, leaf.values(), leaf.shape()))
                .toArray(Tensor[]::new);
        GradCheck.Report report = GRADCHECK.run(program::evaluate, inputs);
        return report.passed() ? new Pass() : new Fail("GradCheck", "program:\n" + program + report);
    }

    /**
     * NOTE: finite differences in float32 with the step 1e-2 are exact to about 1e-2 only where the
     * third derivative is small; exp of exp, or a softmax of large values, have larger truncation
     * errors. These tolerances pass correct rules and still fail a wrong one by far (a missing factor
     * or sign is an error of order 1).
     */
    static final GradCheck GRADCHECK = GradCheck.defaults().withTolerance(2e-2, 2e-2);
}
