package dev.nabla.conformance;

import static dev.nabla.conformance.BackendConformanceTest.assertClose;
import static dev.nabla.conformance.BackendConformanceTest.values;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Composites;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.Storage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backend's fused composites agree with the defaults {@link Composites} writes from its own
 * primitives: cross-entropy forward and backward, and every optimizer update. Where a backend
 * keeps the default, the two paths are the same code and agree trivially; where it overrides one
 * with a kernel, this is the check that the kernel computes what the SPI's default defines.
 * {@link BackendConformanceTest} implements it; softmax has its own such test there.
 */
public interface CompositeConformance {

    /** The device whose backend is checked. */
    Device deviceUnderTest();

    /** SGD plain, with momentum and weight decay, Nesterov with dampening; Adam (with L2 and a large ε) and AdamW. */
    List<OptimizerStep> STEPS = List.of(
            new OptimizerStep.Sgd(0.1f, 0f, 0f, 0f, false, true),
            new OptimizerStep.Sgd(0.1f, 0.9f, 0f, 1e-4f, false, true),
            new OptimizerStep.Sgd(0.1f, 0.9f, 0.1f, 0f, true, false),
            new OptimizerStep.Sgd(0.05f, 0.8f, 0f, 1e-2f, false, false),
            new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0.1f, 0.001f),
            new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false, 0.19f, 0.002f),
            new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 0.19f, 0.002f),
            // an ε as large as √v̂, so that a step which drops or misplaces it shows
            new OptimizerStep.Adam(1e-2f, 0.8f, 0.99f, 0.5f, 0f, false, 0.2f, 0.01f));

    @Test
    default void crossEntropyFusedAndCompositePathsAgree() {
        Backend backend = deviceUnderTest().backend();
        for (int[] d : new int[][] {{1, 1}, {3, 10}, {17, 3}, {64, 1025}}) {
            int rows = d[0];
            int classes = d[1];
            String shape = rows + "x" + classes;
            // every fourth row near ±1e4, where the max-shift and the split row statistics matter
            float[] logits = values(rows * 131L + classes, rows * classes, -8f, 8f);
            for (int i = 0; i < rows; i += 4) {
                for (int j = 0; j < classes; j++) {
                    logits[i * classes + j] += (i % 8 == 0 ? 1e4f : -1e4f);
                }
            }
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = (i * 5 + 1) % classes;
            }
            float[] gradLoss = values(rows, rows, 0.5f, 2f);
            List<Storage> held = new ArrayList<>();
            try {
                Storage x = alloc(backend, held, DType.F32, logits.length);
                Storage y = alloc(backend, held, DType.I32, rows);
                Storage g = alloc(backend, held, DType.F32, rows);
                backend.copyIn(logits, x);
                backend.copyIn(labels, y);
                backend.copyIn(gradLoss, g);
                float[][] fused = crossEntropy(backend, held, x, y, g, rows, classes, false);
                float[][] composite = crossEntropy(backend, held, x, y, g, rows, classes, true);
                assertClose("cross-entropy loss " + shape, composite[0], fused[0], 1e-5f, 1e-5f);
                assertClose("cross-entropy row statistics " + shape, composite[1], fused[1], 1e-6f, 1e-5f);
                assertClose("cross-entropy gradient " + shape, composite[2], fused[2], 1e-6f, 1e-4f);
            } finally {
                held.forEach(backend::free);
            }
        }
    }

    private static float[][] crossEntropy(Backend backend, List<Storage> held, Storage x, Storage y, Storage g,
                                          int rows, int classes, boolean composite) {
        Storage loss = alloc(backend, held, DType.F32, rows);
        Storage stats = alloc(backend, held, DType.F32, 2L * rows);
        Storage grad = alloc(backend, held, DType.F32, (long) rows * classes);
        if (composite) {
            Composites.crossEntropyForward(backend, x, y, rows, classes, loss, stats);
            Composites.crossEntropyBackward(backend, x, y, stats, g, rows, classes, grad);
        } else {
            backend.crossEntropyForward(x, y, rows, classes, loss, stats);
            backend.crossEntropyBackward(x, y, stats, g, rows, classes, grad);
        }
        float[][] out = {new float[rows], new float[2 * rows], new float[rows * classes]};
        backend.copyOut(loss, out[0]);
        backend.copyOut(stats, out[1]);
        backend.copyOut(grad, out[2]);
        return out;
    }

    @Test
    default void optimizerStepFusedAndCompositePathsAgree() {
        Backend backend = deviceUnderTest().backend();
        for (int n : new int[] {1, 17, 1025}) {
            for (OptimizerStep step : STEPS) {
                float[][] fused = optimizerStep(backend, step, n, false);
                float[][] composite = optimizerStep(backend, step, n, true);
                String[] names = {"param", "state1", "state2"};
                for (int i = 0; i < 3; i++) {
                    assertClose(step + " " + names[i] + ", " + n + " elements", composite[i], fused[i], 1e-6f, 1e-5f);
                }
            }
        }
    }

    /** One update from fixed inputs, by the backend's method or by the composite default. */
    static float[][] optimizerStep(Backend backend, OptimizerStep step, int n, boolean composite) {
        List<Storage> held = new ArrayList<>();
        try {
            Storage p = alloc(backend, held, DType.F32, n);
            Storage g = alloc(backend, held, DType.F32, n);
            Storage s1 = alloc(backend, held, DType.F32, n);
            Storage s2 = alloc(backend, held, DType.F32, n);
            backend.copyIn(values(91, n, -1f, 1f), p);
            backend.copyIn(values(92, n, -1f, 1f), g);
            backend.copyIn(values(93, n, -0.1f, 0.1f), s1);
            backend.copyIn(values(94, n, 0f, 0.01f), s2);
            if (composite) {
                Composites.optimizerStep(backend, step, p, g, s1, s2, n);
            } else {
                backend.optimizerStep(step, p, g, s1, s2, n);
            }
            float[][] out = new float[3][n];
            backend.copyOut(p, out[0]);
            backend.copyOut(s1, out[1]);
            backend.copyOut(s2, out[2]);
            return out;
        } finally {
            held.forEach(backend::free);
        }
    }

    private static Storage alloc(Backend backend, List<Storage> held, DType dtype, long numel) {
        Storage storage = backend.allocate(dtype, numel);
        held.add(storage);
        return storage;
    }
}
