package dev.nabla.optim;

/**
 * Adjusts an optimizer's learning rate as training progresses, as
 * {@code torch.optim.lr_scheduler}.
 *
 * <p>Call {@link #step()} once per epoch (or per batch, consistently). A scheduler is a closed-form
 * function {@link #lrAt(long)} of its epoch counter, so resuming is {@link #setLastEpoch(long)}
 * with the saved {@link #lastEpoch()}. As in PyTorch, creating a scheduler sets the optimizer's
 * learning rate to the value at epoch 0.
 */
public interface LrScheduler {

    /** Advances the epoch counter by one and sets the optimizer's learning rate. */
    void step();

    /** The learning rate at the current epoch (what the optimizer now uses), as {@code get_last_lr()}. */
    float lr();

    /** The learning rate this schedule gives at {@code epoch}, computed in double; no side effects. */
    double lrAt(long epoch);

    /** The epoch counter: 0 after construction, +1 per {@link #step()}. */
    long lastEpoch();

    /** Sets the epoch counter (for resuming) and the optimizer's learning rate accordingly. */
    void setLastEpoch(long epoch);

    /** The optimizer whose learning rate this scheduler sets. */
    Optimizer optimizer();
}
