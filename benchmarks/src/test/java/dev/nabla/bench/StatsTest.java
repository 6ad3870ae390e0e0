package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Stats.of(5, 1, 3).median());
        assertEquals(2.5, Stats.of(4, 1, 3, 2).median());
        assertEquals(7, Stats.of(7).median());
    }

    @Test
    void quartilesInterpolateLikeNumpy() {
        // numpy.percentile([1, 2, 3, 4, 5], [25, 75]) = [2, 4]; ([1, 2, 3, 4], ...) = [1.75, 3.25]
        Stats odd = Stats.of(5, 4, 3, 2, 1);
        assertEquals(2, odd.q1(), 1e-12);
        assertEquals(4, odd.q3(), 1e-12);
        Stats even = Stats.of(1, 2, 3, 4);
        assertEquals(1.75, even.q1(), 1e-12);
        assertEquals(3.25, even.q3(), 1e-12);
        assertEquals(1, even.min());
        assertEquals(4, even.max());
        assertEquals(4, even.count());
    }

    @Test
    void spreadIsInterquartileRangeOverMedian() {
        Stats s = Stats.of(1, 2, 3, 4, 5);
        assertEquals(2.0 / 3.0, s.spread(), 1e-12);
        assertEquals(0, Stats.of(2, 2, 2).spread());
    }

    @Test
    void oneOutlierMovesNeitherMedianNorSpreadMuch() {
        Stats s = Stats.of(10, 10, 10, 10, 10, 10, 10, 10, 10, 1000);
        assertEquals(10, s.median());
        assertEquals(0, s.spread());
        assertEquals(1000, s.max());
    }

    @Test
    void settledWhenAllSamplesAgreeWithinTolerance() {
        assertTrue(Stats.of(1.0, 1.05, 0.98).settledWithin(0.10));
        assertFalse(Stats.of(1.0, 1.5, 0.98).settledWithin(0.10));
    }

    @Test
    void rejectsEmptyAndNaN() {
        assertThrows(IllegalArgumentException.class, Stats::of);
        assertThrows(IllegalArgumentException.class, () -> Stats.of(1, Double.NaN));
    }
}
