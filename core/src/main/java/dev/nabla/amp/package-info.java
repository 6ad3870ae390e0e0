/**
 * Automatic mixed precision, as {@code torch.amp}: {@link dev.nabla.amp.Autocast} runs matmul and
 * linear in BF16 or F16 inside a region while reductions, softmax, norms and losses stay F32 (with
 * a per-region cache of the parameters' 16-bit casts); {@link dev.nabla.amp.GradScaler} scales the
 * loss so that small 16-bit gradients do not flush to zero, unscales the gradients before the
 * optimizer step, skips steps whose gradients overflowed and adapts the scale (dynamic loss
 * scaling). Parameters, their gradients and optimizer state stay F32 (master weights): the casts
 * are differentiable, so a parameter's gradient comes back through its cast as F32.
 */
package dev.nabla.amp;
