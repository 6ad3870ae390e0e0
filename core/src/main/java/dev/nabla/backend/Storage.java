package dev.nabla.backend;

import dev.nabla.DType;

/**
 * A flat, contiguous block of elements owned by one {@link Backend}.
 *
 * <p>Storage has no shape: {@link Layout} says how a tensor reads it. A backend hands out its own
 * implementation from {@link Backend#allocate} and only ever receives storage it allocated itself
 * (core checks devices before dispatch). Storage is freed with {@link Backend#free}; core
 * reference-counts it because several tensor views may share one block.
 */
public interface Storage {
    /** Element type of every element in the block. */
    DType dtype();

    /** Number of elements that were requested at allocation. */
    long numel();

    /** Bytes needed for {@link #numel()} elements. */
    default long byteSize() {
        return numel() * dtype().byteSize();
    }
}
