package dev.nabla.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Multi-label figures by hand. */
class MultiLabelMetricsTest {

    // targets and logits of four rows of three labels; σ(logit) > 0.5 ⇔ logit > 0, so the
    // predictions are [1,0,1], [1,0,0], [1,1,0], [0,0,0]
    private static final float[] TARGETS = {1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0};
    private static final float[] LOGITS = {2f, -1f, 0.5f, 0.1f, -0.3f, -2f, 3f, 4f, -1f, -1f, -1f, -1f};

    @Test
    void figuresByHand() {
        MultiLabelMetrics m = MultiLabelMetrics.of(3);
        m.update(LOGITS, TARGETS);
        // row 1 has a false positive (label 0) and a false negative (label 1); the others are exact
        // TP = (2, 1, 1), FP = (1, 0, 0), FN = (0, 1, 0)
        assertEquals(0.75, m.exactMatch(), 1e-12);
        assertEquals(0.75, m.labelAccuracy(0), 1e-12);
        assertEquals(0.75, m.labelAccuracy(1), 1e-12);
        assertEquals(1.0, m.labelAccuracy(2), 1e-12);
        assertEquals(10.0 / 12.0, m.labelAccuracy(), 1e-12);
        // micro: 2·4 / (2·4 + 1 + 1) = 0.8; macro: (4/5 + 2/3 + 1) / 3
        assertEquals(0.8, m.microF1(), 1e-12);
        assertEquals((0.8 + 2.0 / 3.0 + 1.0) / 3.0, m.macroF1(), 1e-12);
    }

    @Test
    void batchesAndRanksMergeToOnePass() {
        MultiLabelMetrics split = MultiLabelMetrics.of(3);
        split.update(java.util.Arrays.copyOfRange(LOGITS, 0, 6), java.util.Arrays.copyOfRange(TARGETS, 0, 6));
        MultiLabelMetrics other = MultiLabelMetrics.of(3);
        other.update(java.util.Arrays.copyOfRange(LOGITS, 6, 12), java.util.Arrays.copyOfRange(TARGETS, 6, 12));
        split.merge(other);
        MultiLabelMetrics whole = MultiLabelMetrics.of(3);
        whole.update(LOGITS, TARGETS);
        assertEquals(whole.result(), split.result());
    }

    @Test
    void theThresholdIsAProbability() {
        // at 0.6 the logit must pass log(0.6/0.4) = 0.405: 0.1 and 0.5 ... only 0.5 of row 0 stays
        MultiLabelMetrics m = MultiLabelMetrics.of(3, 0.6);
        m.update(LOGITS, TARGETS);
        // predictions now [1,0,1], [0,0,0], [1,1,0], [0,0,0]: only row 1's label 1 is wrong
        assertEquals(0.75, m.exactMatch(), 1e-12);
        assertEquals(11.0 / 12.0, m.labelAccuracy(), 1e-12);
        assertEquals(2.0 * 4 / (2 * 4 + 1), m.microF1(), 1e-12);
    }

    @Test
    void noPositivesAnywhereGivesAnF1OfZero() {
        MultiLabelMetrics m = MultiLabelMetrics.of(2);
        m.update(new float[] {-1f, -2f}, new float[] {0f, 0f});
        assertEquals(1.0, m.exactMatch());
        assertEquals(0.0, m.microF1());
        assertEquals(0.0, m.macroF1());
    }

    @Test
    void badInputIsANamedError() {
        MultiLabelMetrics m = MultiLabelMetrics.of(3);
        assertThrows(IllegalStateException.class, m::microF1);
        assertThrows(IllegalArgumentException.class, () -> m.update(new float[4], new float[4]));
        var nan = assertThrows(IllegalArgumentException.class, () -> m.update(new float[] {0, Float.NaN, 0},
                new float[3]));
        assertEquals("MultiLabelMetrics: logit NaN at row 0, label 1 of this batch; the model's outputs are not finite",
                nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MultiLabelMetrics.of(3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> m.merge(MultiLabelMetrics.of(3, 0.7)));
    }
}
