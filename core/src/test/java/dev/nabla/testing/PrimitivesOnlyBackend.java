package dev.nabla.testing;

import dev.nabla.backend.Backend;
import dev.nabla.backend.reference.ReferenceBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A backend with the SPI's abstract methods, the primitives, and nothing else: a proxy that
 * forwards each abstract {@link Backend} method to another backend (the reference, by default) and
 * runs {@link Backend}'s own default for every other one. So every composite ({@code softmax},
 * {@code crossEntropyForward/Backward}, {@code optimizerStep}) runs the default from
 * {@link dev.nabla.backend.Composites}, and a method added to the SPI later is covered without
 * touching this class.
 *
 * <p>It is the proof that the SPI's required part is enough: the conformance suite and the README's
 * example run on it ({@code PrimitivesOnlyConformanceTest}, {@code QuickstartTest}). With the
 * reference as the primitives, whatever differs from the oracle there is the composites' doing.
 */
public final class PrimitivesOnlyBackend {

    private PrimitivesOnlyBackend() {
    }

    /** The reference backend's primitives, with the SPI's default composites. */
    public static Backend create() {
        return over(new ReferenceBackend());
    }

    /** {@code primitives}' abstract-method implementations, with the SPI's default composites. */
    public static Backend over(Backend primitives) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "primitives-only " + primitives.info().id();
                };
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(primitives, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();   // the backend's own exception, not the reflection wrapper
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                handler);
    }
}
