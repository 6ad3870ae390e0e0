/**
 * Durable files: {@link dev.nabla.io.AtomicFiles} replaces a file so a crash leaves either the old
 * or the new content, and {@link dev.nabla.io.Safetensors} stores named arrays in the safetensors
 * format, readable by PyTorch and NumPy, with a checksum Nabla verifies on load.
 *
 * <p>This package works on plain Java arrays ({@link dev.nabla.io.NamedArray}), not tensors, so
 * checkpointing is independent of the device a tensor lives on: the caller copies weights out of
 * the device before saving and back in after loading. Every error about a file is an
 * {@link java.io.IOException} whose message starts with that file.
 */
package dev.nabla.io;
