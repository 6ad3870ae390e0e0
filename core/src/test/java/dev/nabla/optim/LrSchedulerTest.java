package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Schedules against PyTorch's closed-form formulas, written out per epoch. */
class LrSchedulerTest {

    private static SGD optimizer(float lr) {
        return new SGD(List.of(Tensor.of(Device.reference(), new float[] {1f}).keep().requiresGrad()), lr);
    }

    /** Steps {@code scheduler} through {@code expected.length} epochs (epoch 0 first, before any step). */
    private static void assertSchedule(LrScheduler scheduler, double... expected) {
        for (int epoch = 0; epoch < expected.length; epoch++) {
            if (epoch > 0) {
                scheduler.step();
            }
            assertEquals(epoch, scheduler.lastEpoch());
            assertEquals((float) expected[epoch], scheduler.lr(), 1e-7f, "epoch " + epoch);
            assertEquals(scheduler.lr(), scheduler.optimizer().lr(), "optimizer lr at epoch " + epoch);
        }
    }

    @Test
    void stepLr() {
        // lr = 0.1 · 0.5^⌊epoch / 3⌋
        assertSchedule(new StepLR(optimizer(0.1f), 3, 0.5), 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025);
        // default gamma 0.1
        assertSchedule(new StepLR(optimizer(1f), 2), 1, 1, 0.1, 0.1, 0.01);
    }

    @Test
    void cosineAnnealing() {
        // lr = 0.001 + (0.1 − 0.001)·(1 + cos(π·e/10))/2: e=0 → 0.1, e=5 → 0.0505, e=10 → 0.001
        var cosine = new CosineAnnealingLR(optimizer(0.1f), 10, 0.001);
        double[] expected = new double[11];
        for (int e = 0; e <= 10; e++) {
            expected[e] = 0.001 + 0.099 * (1 + Math.cos(Math.PI * e / 10)) / 2;
        }
        assertSchedule(cosine, expected);
        assertEquals(0.0505, cosine.lrAt(5), 1e-8); // base 0.1f is 0.10000000149 in double
        assertEquals(0.001f, cosine.lr(), 1e-9f);
    }

    @Test
    void linearLrWithPytorchDefaults() {
        // factor = 1/3 + (2/3)·min(e, 5)/5
        assertSchedule(new LinearLR(optimizer(0.3f)), 0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3);
    }

    @Test
    void linearWarmupThenCosine() {
        // 4 warm-up epochs starting at factor 1/4: 0.1·(0.25 + 0.75·e/4) for e < 4,
        // then cosine over 8 epochs to 0 restarting at its epoch 0: 0.1·(1 + cos(π·(e − 4)/8))/2
        SGD sgd = optimizer(0.1f);
        var warmup = new LinearWarmup(sgd, 4, new CosineAnnealingLR(sgd, 8));
        assertSchedule(warmup, 0.025, 0.04375, 0.0625, 0.08125, 0.1,
                0.05 * (1 + Math.cos(Math.PI / 8)), 0.05 * (1 + Math.cos(Math.PI * 2 / 8)));
        assertEquals(0.0, warmup.lrAt(12), 1e-12);
    }

    @Test
    void linearWarmupThenConstant() {
        assertSchedule(new LinearWarmup(optimizer(0.2f), 2), 0.1, 0.15, 0.2, 0.2, 0.2);
    }

    @Test
    void sequentialLrRestartsEachScheduleAtItsMilestone() {
        SGD sgd = optimizer(1f);
        var sequence = new SequentialLR(sgd, List.of(new LinearLR(sgd, 0.5, 1.0, 2), new StepLR(sgd, 2, 0.5)), 3);
        // LinearLR: 0.5, 0.75, 1.0; from epoch 3 StepLR at local epochs 0, 1, 2, 3: 1, 1, 0.5, 0.5
        assertSchedule(sequence, 0.5, 0.75, 1.0, 1.0, 1.0, 0.5, 0.5);
    }

    @Test
    void setLastEpochResumes() {
        SGD stepped = optimizer(0.1f);
        var a = new LinearWarmup(stepped, 3, new CosineAnnealingLR(stepped, 20));
        for (int i = 0; i < 9; i++) {
            a.step();
        }
        SGD restored = optimizer(0.1f);
        var b = new LinearWarmup(restored, 3, new CosineAnnealingLR(restored, 20));
        b.setLastEpoch(9);
        assertEquals(stepped.lr(), restored.lr());
        a.step();
        b.step();
        assertEquals(stepped.lr(), restored.lr());
        assertEquals(10, b.lastEpoch());
    }

    @Test
    void invalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> new StepLR(optimizer(0.1f), 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(optimizer(0.1f), 0));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(optimizer(0.1f), 0, 1, 5));
        SGD sgd = optimizer(0.1f);
        assertThrows(IllegalArgumentException.class,
                () -> new SequentialLR(sgd, List.of(new StepLR(sgd, 1), new StepLR(sgd, 1))));
        assertThrows(IllegalArgumentException.class,
                () -> new LinearWarmup(sgd, 3, new StepLR(optimizer(0.1f), 1)));
    }
}
