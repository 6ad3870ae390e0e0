package dev.nabla.cpu;

import static dev.nabla.cpu.Fixtures.assertClose;
import static dev.nabla.cpu.Fixtures.randomStorage;
import static dev.nabla.cpu.Fixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Softmax, softmax cross-entropy and the fused optimizer steps against the reference backend. */
class FusedNumericsTest {

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend cpu = new CpuBackend();
    private final SplittableRandom random = new SplittableRandom(3);

    private static final int[][] ROWS_CLASSES = {{1, 1}, {3, 10}, {17, 3}, {256, 10}, {5, 1025}, {2000, 33}};

    @Test
    void crossEntropyMatchesReference() {
        for (int[] rc : ROWS_CLASSES) {
            check(rc[0], rc[1], 5);
        }
    }

    @Test
    void crossEntropyIsFiniteForHugeLogits() {
        HeapStorage loss = check(4, 10, 1e4);
        for (float value : loss.floats()) {
            assertTrue(Float.isFinite(value), "loss of ±1e4 logits must be finite: " + value);
        }
    }

    private HeapStorage check(int rows, int classes, double scale) {
        HeapStorage logits = randomStorage(random, rows * classes, scale);
        int[] labelValues = new int[rows];
        for (int i = 0; i < rows; i++) {
            labelValues[i] = random.nextInt(classes);
        }
        HeapStorage labels = Fixtures.ints(labelValues);
        HeapStorage lossExpected = zeros(rows);
        HeapStorage lseExpected = zeros(2 * rows); // per row: max, log Σ exp(x − max)
        HeapStorage loss = zeros(rows);
        HeapStorage lse = zeros(2 * rows);
        reference.crossEntropyForward(logits, labels, rows, classes, lossExpected, lseExpected);
        cpu.crossEntropyForward(logits, labels, rows, classes, loss, lse);
        String what = rows + "x" + classes + " scale " + scale;
        assertClose("loss " + what, lossExpected, loss, 1e-6, 1e-6);
        assertClose("row stats " + what, lseExpected, lse, 1e-6, 1e-6);

        HeapStorage gradLoss = randomStorage(random, rows, 1);
        HeapStorage gradExpected = zeros(rows * classes);
        HeapStorage grad = zeros(rows * classes);
        reference.crossEntropyBackward(logits, labels, lseExpected, gradLoss, rows, classes, gradExpected);
        cpu.crossEntropyBackward(logits, labels, lse, gradLoss, rows, classes, grad);
        assertClose("gradient " + what, gradExpected, grad, 1e-7, 1e-6);
        for (float value : grad.floats()) {
            assertTrue(Float.isFinite(value), "gradient must be finite: " + value);
        }
        return loss;
    }

    @Test
    void softmaxAndLogSoftmaxMatchTheComposite() {
        int[][] shapes = {{1, 1, 1}, {3, 10, 1}, {17, 1025, 1}, {2, 7, 5}, {300, 33, 1}};
        for (int[] s : shapes) {
            int n = s[0] * s[1] * s[2];
            HeapStorage src = randomStorage(random, n, 20);
            src.floats()[0] = 1e4f;
            for (boolean log : new boolean[] {false, true}) {
                HeapStorage expected = zeros(n);
                HeapStorage actual = zeros(n);
                reference.softmax(src, s[0], s[1], s[2], log, expected);
                cpu.softmax(src, s[0], s[1], s[2], log, actual);
                assertClose((log ? "log-softmax " : "softmax ") + s[0] + "x" + s[1] + "x" + s[2],
                        expected, actual, 2e-6, 2e-6);
            }
        }
    }

    @Test
    void sgdWithoutMomentumIgnoresItsStateArguments() {
        HeapStorage grad = randomStorage(random, 100, 1);
        HeapStorage expected = randomStorage(random, 100, 1);
        HeapStorage actual = Fixtures.floats(expected.floats().clone());
        OptimizerStep plain = new OptimizerStep.Sgd(0.1f, 0f, 0f, 0f, false, false);
        reference.optimizerStep(plain, expected, grad, expected, expected, 100);
        cpu.optimizerStep(plain, actual, grad, actual, actual, 100);
        assertClose("plain SGD with the parameter passed as state", expected, actual, 0, 0);
    }

    @Test
    void optimizerStepsMatchReference() {
        List<OptimizerStep> steps = List.of(
                new OptimizerStep.Sgd(0.1f, 0f, 0f, 0f, false, false),
                new OptimizerStep.Sgd(0.05f, 0.9f, 0.1f, 1e-2f, false, true),
                new OptimizerStep.Sgd(0.05f, 0.9f, 0.1f, 1e-2f, false, false),
                new OptimizerStep.Sgd(0.05f, 0.9f, 0f, 0f, true, false),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0.1f, 0.001f),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false, 0.19f, 0.002f),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 0.5f, 0.3f),
                // Bias corrections that have reached 1 (late steps): the divisions are skipped.
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1f, 0.3f),
                new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 1f, 1f));
        for (OptimizerStep step : steps) {
            for (int n : new int[] {1, 3, 17, 1025, 100_003}) {
                HeapStorage grad = randomStorage(random, n, 1);
                float[] param = Fixtures.uniform(random, n, 1);
                float[] state1 = Fixtures.uniform(random, n, 0.1);
                float[] state2 = Fixtures.uniform(random, n, 0.01);
                for (int i = 0; i < n; i++) {
                    state2[i] = Math.abs(state2[i]);
                }
                HeapStorage[] expected = {Fixtures.floats(param), Fixtures.floats(state1), Fixtures.floats(state2)};
                HeapStorage[] actual = {Fixtures.floats(param), Fixtures.floats(state1), Fixtures.floats(state2)};
                reference.optimizerStep(step, expected[0], grad, expected[1], expected[2], n);
                cpu.optimizerStep(step, actual[0], grad, actual[1], actual[2], n);
                // NOTE: same float operations in the same order: the results agree bit for bit.
                for (int s = 0; s < 3; s++) {
                    assertClose(step + " n=" + n + " buffer " + s, expected[s], actual[s], 0, 0);
                }
            }
        }
    }
}
