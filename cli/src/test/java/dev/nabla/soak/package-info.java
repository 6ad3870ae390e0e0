/**
 * Long-running checks that training holds steady: device memory in use and the JVM heap sampled
 * over thousands of steps on every backend. Opt-in ({@code -Dnabla.soak=true}), not part of the
 * default suite; figures in {@code docs/reliability.md}.
 */
package dev.nabla.soak;
