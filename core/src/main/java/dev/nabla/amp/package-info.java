/**
 * Automatic mixed precision, as {@code torch.amp}: {@link dev.nabla.amp.GradScaler} scales the loss
 * so that small 16-bit gradients do not flush to zero, unscales the gradients before the optimizer
 * step, skips steps whose gradients overflowed and adapts the scale (dynamic loss scaling).
 * Parameters and optimizer state stay F32 (master weights).
 */
package dev.nabla.amp;
