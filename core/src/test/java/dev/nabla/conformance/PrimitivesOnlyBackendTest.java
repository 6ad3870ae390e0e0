package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.Backend;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.reference.ReferenceBackend;
import dev.nabla.testing.PrimitivesOnlyBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What makes {@link PrimitivesOnlyBackend} a proof: it overrides nothing optional, and its defaults are exact. */
class PrimitivesOnlyBackendTest {

    @Test
    void implementsExactlyTheAbstractMethods() {
        List<String> defaults = Arrays.stream(Backend.class.getMethods()).filter(Method::isDefault)
                .map(Method::getName).toList();
        List<String> overridden = Arrays.stream(PrimitivesOnlyBackend.class.getDeclaredMethods())
                .filter(m -> !m.isSynthetic() && defaults.contains(m.getName())).map(Method::getName).toList();
        assertEquals(List.of(), overridden, "the primitives-only backend must not override a default of Backend");
        // and the composites the issue names are defaults, not abstract methods every backend must write
        for (String composite : List.of("softmax", "crossEntropyForward", "crossEntropyBackward", "optimizerStep")) {
            assertTrue(defaults.contains(composite), composite + " must have a default in Backend");
        }
        long required = Arrays.stream(Backend.class.getMethods())
                .filter(m -> Modifier.isAbstract(m.getModifiers())).count();
        long implemented = Arrays.stream(PrimitivesOnlyBackend.class.getDeclaredMethods())
                .filter(m -> !m.isSynthetic() && Modifier.isPublic(m.getModifiers())).count();
        assertEquals(required, implemented, "one method per abstract SPI method, no more");
    }

    @Test
    void compositeOptimizerStepsAreTheReferenceToTheBit() {
        // The reference's scalar loop rounds each operation once, in the order the composite runs them.
        for (int n : new int[] {1, 17, 1025}) {
            for (OptimizerStep step : CompositeConformance.STEPS) {
                float[][] reference = CompositeConformance.optimizerStep(new ReferenceBackend(), step, n, false);
                float[][] composite = CompositeConformance.optimizerStep(new PrimitivesOnlyBackend(), step, n, false);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(reference[i], composite[i], step + ", buffer " + i + ", " + n + " elements");
                }
            }
        }
    }
}
