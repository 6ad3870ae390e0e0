package dev.nabla.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.host.GemmKernel;
import dev.nabla.testing.ProbedDevice;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link GemmKernel#biasAndActivation}, the in-place {@code C = act(C + bias)} pass the CUDA
 * backend runs after cuBLAS and this backend after CLBlast, on PoCL: the same kernel source and argument marshalling, and no
 * GemmSpec reaches it, so the conformance suites do not.
 */
class GemmEpilogueKernelTest {

    @BeforeAll
    static void requireOpenCl() {
        var probe = new OpenClProvider().probe();
        ProbedDevice.assumeAvailable("opencl", "OpenCL", probe); // fails instead where NABLA_REQUIRE names opencl
    }

    @Test
    void addsBiasAndAppliesTheActivationInPlace() {
        OpenClBackend backend = (OpenClBackend) Device.of("opencl:0").backend();
        int m = 37; // not a multiple of the 64×64 tile: edge work-groups too
        int n = 70;
        SplittableRandom random = new SplittableRandom(3);
        float[] c = new float[m * n];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) (random.nextDouble() * 2 - 1);
        }
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            bias[j] = (float) (random.nextDouble() * 2 - 1);
        }
        for (Activation activation : Activation.values()) {
            for (boolean withBias : new boolean[] {false, true}) {
                Storage cs = backend.allocate(DType.F32, c.length);
                Storage bs = backend.allocate(DType.F32, n);
                backend.copyIn(c, cs);
                backend.copyIn(bias, bs);
                GemmKernel.biasAndActivation(backend.kernels(), m, n, cs,
                        withBias ? Optional.of(bs) : Optional.empty(), activation);
                float[] actual = new float[c.length];
                backend.copyOut(cs, actual);
                backend.free(cs);
                backend.free(bs);
                float[] expected = new float[c.length];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float value = 0f + c[i * n + j];
                        expected[i * n + j] = activation.apply(withBias ? value + bias[j] : value);
                    }
                }
                assertArrayEquals(expected, actual, activation + (withBias ? " with bias" : ""));
            }
        }
    }
}
