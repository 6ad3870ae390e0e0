package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OneCycleLR} and {@link ReduceLROnPlateau} against PyTorch 1.13's learning rates for
 * scripted sequences. The expected numbers were printed once by this script and pasted here:
 *
 * <pre>{@code
 * import torch
 * p = torch.nn.Parameter(torch.zeros(1))
 * opt = torch.optim.Adam([p], lr=1e-3)
 * s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=20)
 * lrs = [opt.param_groups[0]['lr']]
 * for _ in range(20):
 *     opt.step(); s.step(); lrs.append(opt.param_groups[0]['lr'])
 * print("onecycle", repr(lrs))
 * opt = torch.optim.Adam([p], lr=1e-3)
 * s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
 * losses = [1.0, 0.9, 0.9, 0.8999, 0.95, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69995, 0.5, 0.5, 0.5, 0.5]
 * lrs = []
 * for l in losses:
 *     s.step(l); lrs.append(opt.param_groups[0]['lr'])
 * print("plateau", repr(lrs))
 * opt = torch.optim.SGD([p], lr=0.1)
 * s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
 * lrs = []
 * for i in range(30):
 *     s.step(1.0); lrs.append(opt.param_groups[0]['lr'])
 * print("plateau_default", repr(lrs))
 * }</pre>
 */
class PyTorchSchedulesTest {

    private static Adam adam(float lr) {
        return new Adam(List.of(Tensor.of(Device.reference(), new float[] {1f}).keep().requiresGrad()), lr, 0.9f,
                0.999f, 1e-8f, 0f);
    }

    @Test
    void oneCycleMatchesPyTorch() {
        double[] expected = {3.9999999999999996e-05, 0.0001316718427000252, 0.0003716718427000253,
            0.0006683281572999747, 0.0009083281572999747, 0.001, 0.0009874640062350875, 0.0009504846320134736,
            0.0008909161775710499, 0.000811745653949763, 0.0007169430017913008, 0.0006112620219362892,
            0.0005000019999999999, 0.00038874197806371076, 0.0002830609982086992, 0.00018825834605023698,
            0.00010908782242895002, 4.9519367986526286e-05, 1.2539993764912554e-05, 4e-09,
            1.2539993764912554e-05};
        OneCycleLR schedule = new OneCycleLR(adam(1e-3f), 20);
        for (int step = 0; step < expected.length; step++) {
            if (step > 0) {
                schedule.step();
            }
            // NOTE: max_lr is the float 1e-3 (1.0000000475e-3 as a double), so agreement is to float precision
            assertEquals(expected[step], schedule.lrAt(step), 1e-7 * expected[step], "step " + step);
            assertEquals((float) expected[step], schedule.optimizer().lr(), 1e-6f * (float) expected[step],
                    "optimizer lr at step " + step);
        }
        // resuming is setting the step counter
        OneCycleLR resumed = new OneCycleLR(adam(1e-3f), 20);
        resumed.setLastEpoch(7);
        assertEquals((float) expected[7], resumed.optimizer().lr(), 1e-6f * (float) expected[7]);
    }

    @Test
    void oneCycleRefusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(adam(1e-3f), 0));
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(adam(1e-3f), 10, 1.0, 25, 1e4));
    }

    @Test
    void plateauMatchesPyTorch() {
        double[] losses = {1.0, 0.9, 0.9, 0.8999, 0.95, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69995, 0.5, 0.5, 0.5, 0.5};
        double[] expected = {0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.0005, 0.0005, 0.0005, 0.00025,
            0.00025, 0.00025, 0.00025, 0.000125};
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(adam(1e-3f), 0.5, 2);
        for (int i = 0; i < losses.length; i++) {
            plateau.step(losses[i]);
            assertEquals((float) expected[i], plateau.lr(), "after loss " + i + " (" + losses[i] + ")");
        }
    }

    @Test
    void plateauWithPyTorchDefaults() {
        // factor 0.1, patience 10: the rate drops after the 11th and the 22nd epoch without improvement
        double[] expected = new double[30];
        for (int i = 0; i < 30; i++) {
            expected[i] = i < 11 ? 0.1 : i < 22 ? 0.010000000000000002 : 0.0010000000000000002;
        }
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(new SGD(List.of(Tensor.of(Device.reference(),
                new float[] {1f}).keep().requiresGrad()), 0.1f));
        for (int i = 0; i < 30; i++) {
            plateau.step(1.0);
            assertEquals((float) expected[i], plateau.lr(), 1e-9f, "epoch " + i);
        }
    }

    @Test
    void plateauStateRestores() {
        double[] losses = {1.0, 0.9, 0.9, 0.8999, 0.95, 0.7, 0.7, 0.7, 0.7, 0.7};
        ReduceLROnPlateau straight = new ReduceLROnPlateau(adam(1e-3f), 0.5, 2);
        ReduceLROnPlateau first = new ReduceLROnPlateau(adam(1e-3f), 0.5, 2);
        for (int i = 0; i < 6; i++) {
            straight.step(losses[i]);
            first.step(losses[i]);
        }
        Adam optimizer = adam(1e-3f);
        optimizer.setLr(first.lr());
        ReduceLROnPlateau resumed = new ReduceLROnPlateau(optimizer, 0.5, 2);
        resumed.restore(first.best(), first.badEpochs(), first.cooldownCounter(), first.lastEpoch());
        for (int i = 6; i < losses.length; i++) {
            assertEquals(straight.step(losses[i]), resumed.step(losses[i]));
            assertEquals(straight.lr(), resumed.lr());
        }
        assertEquals(straight.lastEpoch(), resumed.lastEpoch());
    }

    @Test
    void plateauNaNIsNoImprovementAndBadSettingsAreRefused() {
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(adam(1e-3f), 0.5, 0);
        assertFalse(plateau.step(1.0));
        assertTrue(plateau.step(Double.NaN));
        assertEquals(5e-4f, plateau.lr());
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(adam(1e-3f), 1.0, 2));
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(adam(1e-3f), 0.5, -1));
    }
}
