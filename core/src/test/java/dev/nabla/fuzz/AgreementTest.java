package dev.nabla.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.nabla.Device;
import dev.nabla.fuzz.Fuzzer.Discard;
import dev.nabla.fuzz.Fuzzer.Fail;
import dev.nabla.fuzz.Fuzzer.Pass;
import dev.nabla.fuzz.Program.Leaf;
import dev.nabla.fuzz.Program.LeafLayout;
import dev.nabla.fuzz.Program.Op;
import dev.nabla.fuzz.Program.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the property calls agreement: errors, tolerance relative to the program's scale, near decisions. */
class AgreementTest {

    private final Device device = Device.reference();

    /** {@code t0 = leaf [1]; t1 = t0.relu()}. */
    private static Program reluProgram(float x) {
        Op relu = Op.of("{0}.relu()", new int[] {0}, t -> t[0].relu(), false).deciding(t -> t[0]);
        return new Program(List.of(new Leaf(new int[] {1}, new float[] {x}, LeafLayout.CONTIGUOUS), relu),
                new float[] {1f});
    }

    private Outcome outcome(List<Object> values, List<float[]> gradients, RuntimeException error, int errorStep,
                            double margin) {
        return new Outcome(device, List.of(new int[] {1}, new int[] {1}), values, gradients, error, errorStep, null,
                margin);
    }

    @Test
    void theReferenceRunOfAProgramAgreesWithItself() {
        Program program = reluProgram(0.5f);
        Outcome outcome = program.run(device, true);
        assertInstanceOf(Pass.class, Agreement.of(program, outcome, outcome));
        assertEquals(0.5, outcome.margin(), 0.0);
        assertEquals(List.of(1f), List.of(outcome.gradients().getFirst()[0]));
    }

    @Test
    void aBackendThatAcceptsWhatTheReferenceRefusesFails() {
        Program program = reluProgram(0.5f);
        Outcome expected = outcome(List.of(new float[] {0.5f}), List.of(), new IllegalArgumentException("relu: no"), 1,
                Double.POSITIVE_INFINITY);
        Outcome actual = outcome(List.of(new float[] {0.5f}, new float[] {0.5f}), List.of(new float[] {1f}), null, -1,
                Double.POSITIVE_INFINITY);
        Fail fail = assertInstanceOf(Fail.class, Agreement.of(program, expected, actual));
        assertEquals("errors differ: reference IllegalArgumentException, reference:0 no exception", fail.kind());
    }

    @Test
    void anExceptionOtherThanARefusalOnTheReferenceFails() {
        Program program = reluProgram(0.5f);
        Outcome crashed = outcome(List.of(), List.of(), new NullPointerException(), 1, Double.POSITIVE_INFINITY);
        Fail fail = assertInstanceOf(Fail.class, Agreement.of(program, crashed, crashed));
        assertEquals("the reference threw java.lang.NullPointerException", fail.kind());
    }

    /** The tolerance is 1e-4 of the largest magnitude in the program (at least 1), plus 1e-3 relative. */
    @Test
    void theToleranceIsRelativeToTheProgramsScale() {
        Program program = reluProgram(0.5f);
        Outcome expected = outcome(List.of(new float[] {1000f}, new float[] {0f}), List.of(new float[] {1f}), null, -1,
                Double.POSITIVE_INFINITY);
        Outcome close = outcome(List.of(new float[] {1000f}, new float[] {0.09f}), List.of(new float[] {1f}), null, -1,
                Double.POSITIVE_INFINITY);
        Outcome far = outcome(List.of(new float[] {1000f}, new float[] {0.11f}), List.of(new float[] {1f}), null, -1,
                Double.POSITIVE_INFINITY);
        assertInstanceOf(Pass.class, Agreement.of(program, expected, close));
        assertEquals("forward value", assertInstanceOf(Fail.class, Agreement.of(program, expected, far)).kind());
    }

    /** relu of 1e-8 on one backend and of -1e-8 on another: a step, not a bug. */
    @Test
    void aDifferenceAfterADecisionAtItsThresholdIsDiscardedAndOnlyThen() {
        Program program = reluProgram(1e-8f);
        Outcome expected = program.run(device, false);
        assertEquals(1e-8, expected.margin(), 1e-12);
        Outcome stepped = outcome(List.of(new float[] {1e-8f}, new float[] {0f}), List.of(new float[] {0.5f}), null,
                -1, Double.POSITIVE_INFINITY);
        assertInstanceOf(Discard.class, Agreement.of(program, expected, stepped));

        Program clear = reluProgram(0.5f);
        Outcome wrong = outcome(List.of(new float[] {0.5f}, new float[] {0.5f}), List.of(new float[] {0.5f}), null, -1,
                Double.POSITIVE_INFINITY);
        assertEquals("gradient", assertInstanceOf(Fail.class,
                Agreement.of(clear, clear.run(device, false), wrong)).kind());
    }

    @Test
    void aGradientInThePaddingOfASlicedLeafFails() {
        Program program = reluProgram(0.5f);
        Outcome expected = program.run(device, false);
        Outcome padded = new Outcome(device, expected.shapes(), expected.values(), expected.gradients(), null, -1,
                "leaf 0: gradient 1.0 in the padding", Double.POSITIVE_INFINITY);
        assertEquals("padding gradient", assertInstanceOf(Fail.class, Agreement.of(program, expected, padded)).kind());
    }
}
