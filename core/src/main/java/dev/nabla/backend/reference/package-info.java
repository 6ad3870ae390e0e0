/**
 * The reference backend: scalar Java, single-threaded, accumulating in double. It is the test
 * oracle for every other backend and the fallback when {@code jdk.incubator.vector} is missing.
 * {@link dev.nabla.backend.reference.HeapStorage} is shared with the Vector-API CPU backend.
 */
package dev.nabla.backend.reference;
