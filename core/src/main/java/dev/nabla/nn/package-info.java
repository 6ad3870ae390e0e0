/**
 * Neural-network building blocks, as {@code torch.nn}: {@link dev.nabla.nn.Module} (named
 * parameters, train/eval mode, state dicts), {@link dev.nabla.nn.Linear},
 * {@link dev.nabla.nn.Sequential}, activations, {@link dev.nabla.nn.Dropout},
 * {@link dev.nabla.nn.LayerNorm}, initializers ({@link dev.nabla.nn.Init}), losses
 * ({@link dev.nabla.nn.Losses}) and the {@link dev.nabla.nn.Mlp} factory.
 *
 * <p>Invariants: parameters are kept F32 leaves that require grad, owned by exactly one module;
 * names are PyTorch's dotted paths in registration order, so a state dict is deterministic and its
 * keys match what PyTorch would write for the same architecture. All randomness (initialization,
 * dropout masks) comes from Philox streams named by a seed and an offset, so results are identical
 * across backends and resumable from a saved counter.
 */
package dev.nabla.nn;
