package dev.nabla.optim;

import java.util.Arrays;
import java.util.List;

/**
 * Runs schedulers one after another, switching at the milestones, as
 * {@code torch.optim.lr_scheduler.SequentialLR}: before {@code milestones[0]} the first schedule
 * applies at {@code epoch}; from {@code milestones[i−1]} on, schedule {@code i} applies at
 * {@code epoch − milestones[i−1]} (each restarts at its own epoch 0).
 *
 * <p>The child schedulers are used only through {@link LrScheduler#lrAt(long)}; do not step them
 * yourself.
 */
public final class SequentialLR extends AbstractLrScheduler {

    private final List<LrScheduler> schedulers;
    private final long[] milestones;

    public SequentialLR(Optimizer optimizer, List<? extends LrScheduler> schedulers, long... milestones) {
        super(optimizer);
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("SequentialLR: expects at least one scheduler");
        }
        if (milestones.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("SequentialLR: expected " + (schedulers.size() - 1)
                    + " milestones for " + schedulers.size() + " schedulers, got " + Arrays.toString(milestones));
        }
        for (int i = 0; i < schedulers.size(); i++) {
            if (schedulers.get(i).optimizer() != optimizer) {
                throw new IllegalArgumentException("SequentialLR: scheduler " + i
                        + " belongs to a different optimizer than the one given");
            }
        }
        for (int i = 0; i < milestones.length; i++) {
            if (milestones[i] <= 0 || i > 0 && milestones[i] <= milestones[i - 1]) {
                throw new IllegalArgumentException("SequentialLR: milestones must be positive and increasing, got "
                        + Arrays.toString(milestones));
            }
        }
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        start();
    }

    @Override
    public double lrAt(long epoch) {
        int index = 0;
        while (index < milestones.length && milestones[index] <= epoch) {
            index++;
        }
        long local = index == 0 ? epoch : epoch - milestones[index - 1];
        return schedulers.get(index).lrAt(local);
    }
}
