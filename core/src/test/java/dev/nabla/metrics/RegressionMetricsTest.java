package dev.nabla.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.data.Standardizer;
import org.junit.jupiter.api.Test;

/** RMSE, MAE and R², by hand, across batches, far from zero and in original units. */
class RegressionMetricsTest {

    @Test
    void oneColumnByHand() {
        // y = (3, −0.5, 2, 7), ŷ = (2.5, 0, 2, 8): errors (0.5, −0.5, 0, −1)
        // SSE = 1.5, MSE = 0.375, RMSE = √0.375 = 0.6123724; MAE = 2 / 4 = 0.5
        // ȳ = 2.875, SST = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875; R² = 1 − 1.5 / 29.1875
        RegressionMetrics m = RegressionMetrics.of(1);
        m.update(new float[] {2.5f, 0f, 2f, 8f}, new float[] {3f, -0.5f, 2f, 7f});
        assertEquals(4, m.count());
        assertEquals(Math.sqrt(0.375), m.rmse(), 1e-12);
        assertEquals(0.5, m.mae(), 1e-12);
        assertEquals(1 - 1.5 / 29.1875, m.r2(), 1e-12);
    }

    @Test
    void batchesGiveTheFiguresOfOnePass() {
        float[] p = {2.5f, 0f, 2f, 8f};
        float[] y = {3f, -0.5f, 2f, 7f};
        RegressionMetrics whole = RegressionMetrics.of(1);
        whole.update(p, y);
        RegressionMetrics batches = RegressionMetrics.of(1);
        batches.update(new float[] {2.5f}, new float[] {3f});
        batches.update(new float[] {0f, 2f}, new float[] {-0.5f, 2f});
        batches.update(new float[0], new float[0]);
        RegressionMetrics otherRank = RegressionMetrics.of(1);
        otherRank.update(new float[] {8f}, new float[] {7f});
        batches.merge(otherRank);
        assertEquals(whole.result().count(), batches.result().count());
        assertEquals(whole.rmse(), batches.rmse(), 1e-12);
        assertEquals(whole.mae(), batches.mae(), 1e-12);
        assertEquals(whole.r2(), batches.r2(), 1e-12);
    }

    @Test
    void columnsAreAveragedAsScikitLearnsUniformAverage() {
        // y = [[0.5, 1], [−1, 1], [7, −6]], ŷ = [[0, 2], [−1, 2], [8, −5]] (scikit-learn's r2_score example)
        // column 0: SSE 1.25, ȳ = 13/6, SST = 36.1667 → R² 0.9654378; column 1: SSE 3, SST 32.6667 → 0.9081633
        // RMSE per column √(1.25/3) = 0.6454972, 1; MAE of all six errors = 4.5 / 6
        RegressionMetrics m = RegressionMetrics.of(2);
        m.update(new float[] {0f, 2f, -1f, 2f, 8f, -5f}, new float[] {0.5f, 1f, -1f, 1f, 7f, -6f});
        assertEquals(0.96543779, m.r2(0), 1e-8);
        assertEquals(0.90816327, m.r2(1), 1e-8);
        assertEquals(0.9368005266622779, m.r2(), 1e-8);
        assertEquals(0.75, m.mae(), 1e-12);
        assertEquals((Math.sqrt(1.25 / 3) + 1) / 2, m.rmse(), 1e-12);
    }

    @Test
    void targetsFarFromZeroKeepTheirR2() {
        // ȳ ≈ 1e8 with a spread of ±2: Σy² − nȳ² would lose every digit of SST in double;
        // floats near 1e8 are 8 apart, so use offsets the float grid holds exactly (multiples of 8)
        float base = 1e8f;
        float[] y = {base - 16, base - 8, base, base + 8, base + 16};
        float[] p = {base - 16, base, base, base, base + 16}; // errors 0, −8, 0, 8, 0
        RegressionMetrics m = RegressionMetrics.of(1);
        for (int i = 0; i < y.length; i++) {
            m.update(new float[] {p[i]}, new float[] {y[i]});
        }
        // SST = 256 + 64 + 0 + 64 + 256 = 640, SSE = 128
        assertEquals(1 - 128.0 / 640.0, m.r2(), 1e-12);
        assertEquals(Math.sqrt(128.0 / 5), m.rmse(), 1e-9);
    }

    @Test
    void standardisedBatchesAreReportedInOriginalUnits() {
        // targets (10, 20, 30, 40): mean 25, population std √125
        float[] y = {10f, 20f, 30f, 40f};
        Standardizer scale = Standardizer.fit(y, 1, Standardizer.Scope.PER_FEATURE);
        float[] predictions = {12f, 18f, 30f, 44f};
        float[] standardisedY = scale.apply(y);
        float[] standardisedP = scale.apply(predictions);
        RegressionMetrics m = RegressionMetrics.inOriginalUnits(scale);
        m.update(standardisedP, standardisedY);
        // errors (−2, 2, 0, −4): MAE 2, RMSE √6; SST 500, R² 1 − 24/500
        assertEquals(2.0, m.mae(), 1e-5);
        assertEquals(Math.sqrt(6), m.rmse(), 1e-5);
        assertEquals(1 - 24.0 / 500.0, m.r2(), 1e-6);
        // the caller's arrays are left standardised
        assertEquals(scale.apply(y)[0], standardisedY[0]);
    }

    @Test
    void aConstantTargetFollowsScikitLearnsRule() {
        RegressionMetrics exact = RegressionMetrics.of(1);
        exact.update(new float[] {2f, 2f}, new float[] {2f, 2f});
        assertEquals(1.0, exact.r2());
        RegressionMetrics off = RegressionMetrics.of(1);
        off.update(new float[] {2f, 3f}, new float[] {2f, 2f});
        assertEquals(0.0, off.r2());
    }

    @Test
    void badInputIsANamedError() {
        RegressionMetrics m = RegressionMetrics.of(2);
        assertThrows(IllegalStateException.class, m::r2);
        var rows = assertThrows(IllegalArgumentException.class, () -> m.update(new float[3], new float[3]));
        assertEquals("RegressionMetrics: 3 predictions and 3 targets are not the same whole rows of 2 columns",
                rows.getMessage());
        var nan = assertThrows(IllegalArgumentException.class,
                () -> m.update(new float[] {0f, 1f, Float.NaN, 0f}, new float[4]));
        assertEquals("RegressionMetrics: prediction NaN at row 1, column 0 of this batch; the model's outputs are not"
                + " finite", nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.merge(RegressionMetrics.of(1)));
        assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.of(0));
    }
}
