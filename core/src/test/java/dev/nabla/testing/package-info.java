/**
 * Test support shared through core's test-jar: {@link dev.nabla.testing.ChildJvm} runs a main
 * class in a separate JVM, for tests whose subject is per-process native state (a driver that
 * loads once, signal handlers) or a crash that must not take the test JVM down with it.
 */
package dev.nabla.testing;
