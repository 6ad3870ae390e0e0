package dev.nabla.distributed;

import java.lang.foreign.ValueLayout;

/** The element types collectives carry: what {@code float[]} and {@code int[]} hold. */
public enum ElementType {
    F32(ValueLayout.JAVA_FLOAT),
    I32(ValueLayout.JAVA_INT);

    private final ValueLayout layout;

    ElementType(ValueLayout layout) {
        this.layout = layout;
    }

    /** The element's native layout (4 bytes, native order). */
    public ValueLayout layout() {
        return layout;
    }

    /** Bytes per element. */
    public long bytes() {
        return layout.byteSize();
    }
}
