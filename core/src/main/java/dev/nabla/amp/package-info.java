/**
 * Mixed-precision training helpers, PyTorch's {@code torch.cuda.amp} for Nabla:
 * {@link dev.nabla.amp.GradScaler} (dynamic loss scaling). Parameters stay F32 (the master
 * weights); 16-bit tensors come from {@code Tensor.to(DType.BF16)} or {@code DType.F16} in the
 * forward pass, and their gradients flow back through the casts as F32.
 */
package dev.nabla.amp;
