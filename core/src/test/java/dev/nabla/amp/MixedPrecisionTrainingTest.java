package dev.nabla.amp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The mixed-precision training loop, as a user writes it (PyTorch's AMP recipe):
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     optimizer.zeroGrad();
 *     Tensor loss;
 *     try (var ac = Autocast.open(DType.F16)) {
 *         loss = Losses.crossEntropy(model.forward(x), y);
 *     }
 *     scaler.scale(loss).backward();
 *     scaler.step(optimizer);
 *     scaler.update();
 * }
 * }</pre>
 * A 16-64-64-5 MLP on overlapping Gaussian classes (a set where the accuracy is well below 1, so a
 * point means something) reaches the FP32 run's test accuracy within one point in F16 with the
 * scaler and in BF16 without one.
 */
class MixedPrecisionTrainingTest {

    private static final Device DEVICE = Device.reference();
    private static final int FEATURES = 16;
    private static final int CLASSES = 5;
    private static final int TRAIN = 2048;
    private static final int TEST = 2048;
    private static final int BATCH = 128;
    private static final int EPOCHS = 6;

    /** Class c's mean is a fixed random point; σ = 1.6 makes the classes overlap. */
    private static Tensor[] gaussians(int rows, long seed) {
        SplittableRandom means = new SplittableRandom(42);
        float[][] centre = new float[CLASSES][FEATURES];
        for (float[] c : centre) {
            for (int j = 0; j < FEATURES; j++) {
                c[j] = (float) means.nextGaussian();
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * FEATURES];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = random.nextInt(CLASSES);
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = centre[y[i]][j] + 1.6f * (float) random.nextGaussian();
            }
        }
        return new Tensor[] {Tensor.of(DEVICE, x, rows, FEATURES).keep(), Tensor.of(DEVICE, y, rows).keep()};
    }

    /** Test accuracy after training in {@code precision} (F32: no autocast), with a scaler when given. */
    private static float trainAndTest(DType precision, GradScaler scaler, int[] skippedSteps) {
        Tensor[] train = gaussians(TRAIN, 1);
        Tensor[] test = gaussians(TEST, 2);
        Sequential model = Mlp.of(FEATURES, new int[] {64, 64}, CLASSES, "relu", 0f, DEVICE, 11);
        Adam adam = new Adam(model, 3e-3f);
        model.train();
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int start = 0; start < TRAIN; start += BATCH) {
                try (Scope step = Scope.open()) {
                    Tensor x = train[0].slice(0, start, start + BATCH);
                    Tensor y = train[1].slice(0, start, start + BATCH);
                    adam.zeroGrad();
                    Tensor loss;
                    try (var ac = precision == DType.F32 ? Autocast.disabled() : Autocast.open(precision)) {
                        loss = Losses.crossEntropy(model.forward(x), y);
                    }
                    if (scaler == null) {
                        loss.backward();
                        adam.step();
                    } else {
                        scaler.scale(loss).backward();
                        if (!scaler.step(adam)) {
                            skippedSteps[0]++;
                        }
                        scaler.update();
                    }
                }
            }
        }
        model.eval();
        try (var noGrad = NoGrad.open(); Scope scope = Scope.open();
                var ac = precision == DType.F32 ? Autocast.disabled() : Autocast.open(precision)) {
            int[] predicted = model.forward(test[0]).argmax(1).toIntArray();
            int[] labels = test[1].toIntArray();
            int correct = 0;
            for (int i = 0; i < TEST; i++) {
                correct += predicted[i] == labels[i] ? 1 : 0;
            }
            return correct / (float) TEST;
        }
    }

    @Test
    void f16WithGradScalerAndBf16WithoutReachTheF32AccuracyWithinAPoint() {
        float f32 = trainAndTest(DType.F32, null, new int[1]);
        assertTrue(f32 > 0.6f && f32 < 0.98f, "the FP32 run learns, and the set is not trivial: " + f32);
        int[] skipped = new int[1];
        GradScaler scaler = new GradScaler();
        float f16 = trainAndTest(DType.F16, scaler, skipped);
        float bf16 = trainAndTest(DType.BF16, null, new int[1]);
        String figures = "test accuracy f32 " + f32 + ", f16+scaler " + f16 + " (" + skipped[0] + " steps skipped,"
                + " final scale " + scaler.getScale() + "), bf16 " + bf16;
        assertEquals(f32, f16, 0.01f, figures);
        assertEquals(f32, bf16, 0.01f, figures);
        // the scaler did its job: at most the first few steps overflowed while the scale backed off
        assertTrue(skipped[0] < TRAIN / BATCH, figures);
        System.out.println(figures);
    }
}
