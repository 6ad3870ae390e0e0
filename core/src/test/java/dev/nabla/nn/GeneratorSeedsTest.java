package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Layers made without a seed draw from {@link Generator}, as PyTorch's do from torch.manual_seed. */
class GeneratorSeedsTest {

    @AfterEach
    void restoreDefault() {
        Generator.manualSeed(Generator.DEFAULT_SEED);
    }

    private static float[] weights(Linear layer) {
        return layer.weight().toFloatArray();
    }

    @Test
    void manualSeedRepeatsTheSameInitializationsAndSeparateLayersDiffer() {
        Device device = Device.reference();
        Generator.manualSeed(42);
        assertEquals(42, Generator.initialSeed());
        float[] first = weights(new Linear(4, 3, device));
        float[] second = weights(new Linear(4, 3, device));
        assertFalse(Arrays.equals(first, second), "two layers from the generator must differ");
        Generator.manualSeed(42);
        assertArrayEquals(first, weights(new Linear(4, 3, device)));
        assertArrayEquals(second, weights(new Linear(4, 3, device)));
    }

    @Test
    void randTakesAShapeLikeTorchRand() {
        // Tensor.rand(2, 3) is a 2×3 tensor (not seed 2, shape [3]); manualSeed repeats it
        Generator.manualSeed(5);
        Tensor a = Tensor.rand(2, 3);
        Tensor n = Tensor.randn(4);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new int[] {4}, n.shape());
        Generator.manualSeed(5);
        assertArrayEquals(a.toFloatArray(), Tensor.rand(2, 3).toFloatArray());
        assertArrayEquals(n.toFloatArray(), Tensor.randn(4).toFloatArray());
        assertFalse(Arrays.equals(a.toFloatArray(), Tensor.rand(2, 3).toFloatArray()));
    }

    @Test
    void dropoutLayersWithoutASeedDrawDifferentMasks() {
        Generator.manualSeed(7);
        Dropout a = new Dropout(0.5f);
        Dropout b = new Dropout(0.5f);
        Tensor x = Tensor.ones(Device.reference(), 64);
        assertFalse(Arrays.equals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray()));
        // explicit seeds are untouched by the generator: same seed, same masks
        assertArrayEquals(new Dropout(0.5f, 3).forward(x).toFloatArray(), new Dropout(0.5f, 3).forward(x).toFloatArray());
    }
}
