/**
 * Regression tests that pin bugs found by property-based fuzzing (issue 17), each the minimal
 * program the fuzzer shrank its failure to.
 */
package dev.nabla.regressions;
