package dev.nabla.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.Autograd;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link Curvature}, small: Newton against descent, and hvp power iteration against the explicit Hessian. */
class CurvatureTest {

    @Test
    void newtonTakesOneStepWhereGradientDescentTakesMany() {
        int[] steps = Curvature.newtonVersusDescent();
        assertEquals(1, steps[0], "Newton on a quadratic");
        assertTrue(steps[1] > 20 && steps[1] < 10_000, "gradient descent steps: " + steps[1]);
    }

    @Test
    void powerIterationWithHvpFindsTheHessiansTopEigenvalue() {
        Device device = Device.cpu();
        int[] widths = {4, 6, 3};
        int count = 6 * 4 + 6 + 3 * 6 + 3;
        Tensor inputs = Tensor.randn(device, 11, 0, 8, 4);
        Tensor labels = Tensor.of(device, new int[] {0, 1, 2, 0, 1, 2, 2, 1});
        Function<Tensor, Tensor> loss = Curvature.mlpLoss(widths, inputs, labels);
        Tensor params = Tensor.randn(device, 12, 0, count).mul(0.7f);

        // the explicit Hessian's largest-magnitude eigenvalue, by power iteration in double
        float[] h = Autograd.hessian(loss, params).toFloatArray();
        double[] v = new double[count];
        java.util.Arrays.fill(v, 1.0);
        double lambda = 0;
        for (int it = 0; it < 2000; it++) {
            double[] hv = new double[count];
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < count; j++) {
                    hv[i] += h[i * count + j] * v[j];
                }
            }
            double dot = 0;
            double norm = 0;
            for (int i = 0; i < count; i++) {
                dot += v[i] * hv[i];
                norm += hv[i] * hv[i];
            }
            lambda = dot;
            norm = Math.sqrt(norm);
            for (int i = 0; i < count; i++) {
                v[i] = hv[i] / norm;
            }
        }
        double viaHvp = Curvature.topEigenvalue(loss, params, 300);
        assertEquals(lambda, viaHvp, 1e-3 * Math.abs(lambda) + 1e-5, "top eigenvalue, explicit vs hvp");
        assertArrayEquals(params.shape(), new int[] {count});
    }
}
