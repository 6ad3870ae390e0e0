package dev.nabla.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The scalar definitions every backend is held to, at the points where formulas differ. */
class UnaryOpTest {

    // Reference values from Python's math.erfc in double precision:
    // Φ(−10) = 7.619853024160593e-24, φ(−10) = 7.694598626706419e-23.

    @Test
    void geluKeepsItsLeftTail() {
        // GELU(x) = x Φ(x): at x = −10, −7.6199e-23; 1 + erf(x/√2) would have cancelled to 0.
        assertEquals(-7.619853024160593e-23, UnaryOp.gelu(-10f), 1e-7 * 7.62e-23);
    }

    @Test
    void geluGradientKeepsItsLeftTail() {
        // d/dx GELU = Φ(x) + x φ(x) = 7.6199e-24 − 7.6946e-22 = −7.6184e-22 at x = −10.
        double expected = 7.619853024160593e-24 - 10 * 7.694598626706419e-23;
        assertEquals(expected, UnaryOp.geluGrad(-10f), 1e-6 * Math.abs(expected));
    }

    @Test
    void geluMatchesTheClosedFormWhereBothFormsAgree() {
        // GELU(1) = Φ(1) = 0.8413447460685429; GELU(−1) = −Φ(−1) = −0.15865525393145707.
        assertEquals(0.8413447460685429, UnaryOp.gelu(1f), 2e-7);
        assertEquals(-0.15865525393145707, UnaryOp.gelu(-1f), 2e-7);
        assertEquals(0f, UnaryOp.gelu(0f));
    }

    @Test
    void erfIsOneMinusErfc() {
        // erf(0.5) = 0.5204998778130465, erfc(3) = 2.209049699858544e-05.
        assertEquals(0.5204998778130465, UnaryOp.erf(0.5), 2e-7);
        assertEquals(2.209049699858544e-05, UnaryOp.erfc(3), 2e-7 * 2.21e-5);
        assertEquals(2 - 2.209049699858544e-05, UnaryOp.erfc(-3), 4e-7);
    }
}
