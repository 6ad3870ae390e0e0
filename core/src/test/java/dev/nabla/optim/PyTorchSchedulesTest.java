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
 * s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=20)
 * b = [opt.param_groups[0]['betas'][0]]
 * for _ in range(20):
 *     opt.step(); s.step(); b.append(opt.param_groups[0]['betas'][0])
 * print("onecycle_beta1", repr(b))   # the same list for SGD(momentum=0.9)'s 'momentum'
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
 * opt = torch.optim.Adam([p], lr=1e-3)
 * s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max', factor=0.5, patience=2)
 * accs = [0.5, 0.6, 0.6, 0.60005, 0.55, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.80009, 0.9, 0.9, 0.9, 0.9]
 * lrs = []
 * for a in accs:
 *     s.step(a); lrs.append(opt.param_groups[0]['lr'])
 * print("plateau_max", repr(lrs))
 * opt = torch.optim.Adam([p], lr=1e-3)
 * s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max', factor=0.5, patience=1)
 * r2 = [-2.0, -1.0, -0.99995, -1.5, -0.5, -0.49996, -0.49999, 0.1, 0.1, 0.1]
 * lrs = []
 * for a in r2:
 *     s.step(a); lrs.append(opt.param_groups[0]['lr'])
 * print("plateau_max_negative", repr(lrs))
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

    /** PyTorch's β₁ (Adam) or momentum (SGD) at steps 0..20 of {@code OneCycleLR(total_steps=20)}. */
    private static final double[] ONE_CYCLE_MOMENTUM = {0.95, 0.9404508497187474, 0.9154508497187474,
        0.8845491502812526, 0.8595491502812526, 0.85, 0.8512536043909088, 0.854951556604879, 0.8609084258765984,
        0.8688255099070633, 0.878305813044122, 0.8888739533021842, 0.8999999999999999, 0.9111260466978157,
        0.9216941869558779, 0.9311744900929366, 0.9390915741234015, 0.945048443395121, 0.9487463956090911, 0.95,
        0.9487463956090911};

    @Test
    void oneCycleCyclesAdamsBeta1AndSgdsMomentumAsPyTorch() {
        Adam adam = adam(1e-3f);
        SGD sgd = new SGD(List.of(Tensor.of(Device.reference(), new float[] {1f}).keep().requiresGrad()), 0.1f, 0.9f);
        OneCycleLR onAdam = new OneCycleLR(adam, 20);
        OneCycleLR onSgd = new OneCycleLR(sgd, 20);
        for (int step = 0; step < ONE_CYCLE_MOMENTUM.length; step++) {
            if (step > 0) {
                onAdam.step();
                onSgd.step();
            }
            assertEquals(ONE_CYCLE_MOMENTUM[step], onAdam.momentumAt(step), 1e-12, "step " + step);
            assertEquals((float) ONE_CYCLE_MOMENTUM[step], adam.beta1(), "Adam beta1 at step " + step);
            assertEquals((float) ONE_CYCLE_MOMENTUM[step], sgd.momentum(), "SGD momentum at step " + step);
        }
        // resuming is setting the step counter: the momentum comes back with the rate
        Adam fresh = adam(1e-3f);
        new OneCycleLR(fresh, 20).setLastEpoch(7);
        assertEquals((float) ONE_CYCLE_MOMENTUM[7], fresh.beta1());
        // cycle_momentum=False (the five-argument constructor) leaves it alone
        Adam untouched = adam(1e-3f);
        new OneCycleLR(untouched, 20, 0.3, 25, 1e4).step();
        assertEquals(0.9f, untouched.beta1());
        // an optimizer with no momentum to cycle is refused, as PyTorch refuses one
        SGD plain = new SGD(List.of(Tensor.of(Device.reference(), new float[] {1f}).keep().requiresGrad()), 0.1f);
        var e = assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(plain, 20));
        assertTrue(e.getMessage().contains("SGD has no momentum to cycle"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(adam(1e-3f), 20, 0.3, 25, 1e4, true, 0.95,
                0.85));
    }

    @Test
    void aCycledBeta1ChangesAdamsUpdateAsPyTorchsDoes() {
        // PyTorch 1.13: p = Parameter(torch.ones(1)); o = Adam([p], lr=0.1, betas=(0.9, 0.999)); grad 1 at
        // each of two steps, o.param_groups[0]['betas'] = (0.5, 0.999) after the first; p.item():
        double pytorch = 0.8266667127609253;
        // by hand: exp_avg = 0.5*0.1 + 0.5*1 = 0.55, bias correction 1 - 0.5^2 = 0.75 (the current beta1),
        // v-hat = 1, so p = 1 - 0.1 - 0.1*0.55/0.75. Keeping beta1 0.9 would give 0.8 instead.
        assertEquals(1 - 0.1 - 0.1 * 0.55 / 0.75, pytorch, 1e-7);
        Tensor p = Tensor.of(Device.reference(), new float[] {1f}).keep().requiresGrad();
        Adam adam = new Adam(List.of(p), 0.1f, 0.9f, 0.999f, 1e-8f, 0f);
        for (int step = 1; step <= 2; step++) {
            p.setGrad(Tensor.of(Device.reference(), new float[] {1f}));
            adam.step();
            if (step == 1) {
                adam.setMomentum(0.5f);
            }
        }
        // NOTE: 1e-5, not float rounding: Nabla's fused Adam forms 1 - beta2 in float (9.99987e-4, PyTorch
        // 1e-3 in double), which moves this second step by about 1e-6 whatever beta1 does
        assertEquals(pytorch, p.toFloatArray()[0], 1e-5);
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
    void plateauInModeMaxMatchesPyTorch() {
        // an accuracy: improvements must beat best * (1 + 1e-4); 0.60005 does not beat 0.6, 0.80009 does beat 0.8
        double[] accs = {0.5, 0.6, 0.6, 0.60005, 0.55, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.80009, 0.9, 0.9, 0.9, 0.9};
        double[] expected = {0.001, 0.001, 0.001, 0.001, 0.0005, 0.0005, 0.0005, 0.0005, 0.00025, 0.00025, 0.00025,
            0.00025, 0.00025, 0.00025, 0.00025, 0.000125};
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(adam(1e-3f), true, 0.5, 2);
        for (int i = 0; i < accs.length; i++) {
            plateau.step(accs[i]);
            assertEquals((float) expected[i], plateau.lr(), "after accuracy " + i + " (" + accs[i] + ")");
        }
        // an R² below zero: PyTorch's relative threshold, best * (1 + 1e-4), is then below best
        double[] r2 = {-2.0, -1.0, -0.99995, -1.5, -0.5, -0.49996, -0.49999, 0.1, 0.1, 0.1};
        double[] expectedR2 = {0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.0005};
        ReduceLROnPlateau negative = new ReduceLROnPlateau(adam(1e-3f), true, 0.5, 1);
        for (int i = 0; i < r2.length; i++) {
            negative.step(r2[i]);
            assertEquals((float) expectedR2[i], negative.lr(), "after R² " + i + " (" + r2[i] + ")");
        }
        assertEquals(0.1, negative.best(), 0.0);
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
