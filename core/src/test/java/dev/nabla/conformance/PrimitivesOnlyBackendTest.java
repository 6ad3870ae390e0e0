package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.ReferenceBackend;
import dev.nabla.testing.PrimitivesOnlyBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What makes {@link PrimitivesOnlyBackend} a proof: no composite reaches its primitives, and the defaults are exact. */
class PrimitivesOnlyBackendTest {

    /** The reference backend, failing any call of a default method: the proxy must run those itself. */
    private static Backend defaultsForbidden() {
        Backend reference = new ReferenceBackend();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.isDefault()) {
                        throw new AssertionError(method.getName() + " reached the primitives' backend");
                    }
                    try {
                        return method.invoke(reference, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void compositesAreDefaultsAndRunFromThePrimitives() {
        List<String> defaults = Arrays.stream(Backend.class.getMethods()).filter(Method::isDefault)
                .map(Method::getName).toList();
        for (String composite : List.of("softmax", "crossEntropyForward", "crossEntropyBackward", "optimizerStep")) {
            assertTrue(defaults.contains(composite), composite + " must have a default in Backend");
        }
        Backend backend = PrimitivesOnlyBackend.over(defaultsForbidden());
        Storage x = backend.allocate(DType.F32, 6);
        Storage y = backend.allocate(DType.I32, 2);
        Storage out = backend.allocate(DType.F32, 6);
        Storage loss = backend.allocate(DType.F32, 2);
        Storage stats = backend.allocate(DType.F32, 4);
        backend.copyIn(new float[] {1, 2, 3, 4, 5, 6}, x);
        backend.copyIn(new int[] {0, 2}, y);
        backend.softmax(x, 2, 3, 1, false, out);
        backend.crossEntropyForward(x, y, 2, 3, loss, stats);
        backend.crossEntropyBackward(x, y, stats, loss, 2, 3, out);
        backend.optimizerStep(new OptimizerStep.Sgd(0.1f, 0.9f, 0f, 0f, false, true), x, out, stats, stats, 4);
        float[] params = new float[6];
        backend.copyOut(x, params);
        assertTrue(params[0] != 1f, "the SGD step moved the parameters: " + Arrays.toString(params));
    }

    @Test
    void compositeOptimizerStepsAreTheReferenceToTheBit() {
        // The reference's scalar loop rounds each operation once, in the order the composite runs them.
        for (int n : new int[] {1, 17, 1025}) {
            for (OptimizerStep step : CompositeConformance.STEPS) {
                float[][] reference = CompositeConformance.optimizerStep(new ReferenceBackend(), step, n, false);
                float[][] composite = CompositeConformance.optimizerStep(PrimitivesOnlyBackend.create(), step, n, false);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(reference[i], composite[i], step + ", buffer " + i + ", " + n + " elements");
                }
            }
        }
    }
}
