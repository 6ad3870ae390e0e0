/**
 * The backend conformance suite, shipped in core's test-jar: {@link
 * dev.nabla.conformance.BackendConformanceTest} runs every primitive on a device against the
 * reference backend, checks golden values and finite-difference gradients. Each backend module
 * runs it with a three-line subclass.
 */
package dev.nabla.conformance;
