package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {

    private static final Device DEVICE = Device.reference();

    @Test
    void linearInitIsPytorchsDefaultAndDeterministic() {
        // kaiming_uniform(a=√5): gain = √(2/6), bound = √3·gain/√in = 1/√in = 0.1 for in = 100
        Linear layer = new Linear(100, 50, DEVICE, 42);
        float[] w = layer.weight().toFloatArray();
        float[] b = layer.bias().toFloatArray();
        assertArrayEquals(new int[] {50, 100}, layer.weight().shape());
        assertArrayEquals(new int[] {50}, layer.bias().shape());
        float maxW = 0;
        double sum = 0;
        for (float v : w) {
            assertTrue(Math.abs(v) <= 0.1f, "weight " + v + " outside ±1/√100");
            maxW = Math.max(maxW, Math.abs(v));
            sum += v;
        }
        for (float v : b) {
            assertTrue(Math.abs(v) <= 0.1f, "bias " + v + " outside ±1/√100");
        }
        assertTrue(maxW > 0.099f, "5000 draws should come close to the bound, max was " + maxW);
        assertEquals(0, sum / w.length, 0.005, "mean of U(-0.1, 0.1)");
        // variance of U(−b, b) is b²/3
        double var = Arrays.stream(toDouble(w)).map(v -> v * v).average().orElseThrow();
        assertEquals(0.01 / 3, var, 0.0003);

        Linear same = new Linear(100, 50, DEVICE, 42);
        assertArrayEquals(w, same.weight().toFloatArray(), 0f);
        assertArrayEquals(b, same.bias().toFloatArray(), 0f);
        assertFalse(Arrays.equals(w, new Linear(100, 50, DEVICE, 43).weight().toFloatArray()));
        assertTrue(layer.weight().isRequiresGrad());
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Test
    void linearForwardMatchesTheFormula() {
        // x = [[1, 2]], W = [[1, 0], [0, −1], [2, 3]], b = (0.5, 0, −1): y = x·Wᵀ + b = (1.5, −2, 7)
        Linear layer = new Linear(2, 3, DEVICE, 0);
        layer.loadStateDict(Map.of("weight", Tensor.of(DEVICE, new float[] {1, 0, 0, -1, 2, 3}, 3, 2),
                "bias", Tensor.of(DEVICE, new float[] {0.5f, 0, -1})));
        Tensor x = Tensor.of(DEVICE, new float[] {1, 2}, 1, 2);
        assertArrayEquals(new float[] {1.5f, -2f, 7f}, layer.forward(x).toFloatArray(), 1e-6f);

        Linear noBias = new Linear(2, 3, false, DEVICE, 0);
        assertEquals(List.of("weight"), List.copyOf(noBias.namedParameters().keySet()));
        noBias.loadStateDict(Map.of("weight", Tensor.of(DEVICE, new float[] {1, 0, 0, -1, 2, 3}, 3, 2)));
        assertArrayEquals(new float[] {1f, -2f, 8f}, noBias.forward(x).toFloatArray(), 1e-6f);
        assertThrows(IllegalStateException.class, noBias::bias);
    }

    @Test
    void stateDictNamesFollowPytorch() {
        Sequential mlp = Mlp.of(784, new int[] {256, 128}, 10, "relu", 0.1f, DEVICE, 1);
        // Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"),
                List.copyOf(mlp.stateDict().keySet()));
        assertEquals(List.copyOf(mlp.namedParameters().values()), mlp.parameters());
        assertEquals(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, mlp.parameterCount());

        Sequential nested = new Sequential(new Sequential(new Linear(2, 2, DEVICE, 0), new LayerNorm(2, DEVICE)),
                new Linear(2, 1, false, DEVICE, 1));
        assertEquals(List.of("0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias", "1.weight"),
                List.copyOf(nested.stateDict().keySet()));
        assertEquals(List.of("", "0", "0.0", "0.1", "1"), List.copyOf(nested.namedModules().keySet()));
    }

    @Test
    void loadStateDictNamesMissingUnexpectedAndMisshapenKeys() {
        Sequential model = new Sequential(new Linear(784, 256, DEVICE, 0), new ReLU(), new Linear(256, 10, DEVICE, 1));
        Map<String, Tensor> checkpoint = new LinkedHashMap<>(model.stateDict());
        checkpoint.remove("2.weight");
        var missing = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(checkpoint));
        assertTrue(missing.getMessage().contains("loadStateDict: missing key '2.weight'"), missing.getMessage());

        Sequential small = new Sequential(new Linear(784, 10, DEVICE, 0), new ReLU(), new Linear(10, 10, DEVICE, 1));
        var shapes = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(small.stateDict()));
        assertTrue(shapes.getMessage().contains("'0.weight' has shape [10, 784] in the checkpoint, [256, 784] in the model"),
                shapes.getMessage());

        Map<String, Tensor> extra = new LinkedHashMap<>(model.stateDict());
        extra.put("3.weight", Tensor.zeros(DEVICE, 1));
        var unexpected = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(extra));
        assertTrue(unexpected.getMessage().contains("unexpected key '3.weight'"), unexpected.getMessage());

        var arrays = assertThrows(IllegalArgumentException.class, () -> model.loadStateDictArrays(
                Map.of("0.weight", new float[3], "0.bias", new float[256], "2.weight", new float[2560],
                        "2.bias", new float[10])));
        assertTrue(arrays.getMessage().contains("'0.weight' has 3 elements in the checkpoint, 200704 in the model"),
                arrays.getMessage());
    }

    @Test
    void stateDictRoundTripReproducesOutputs() {
        Sequential a = Mlp.of(4, new int[] {8}, 3, "tanh", 0f, DEVICE, 1);
        Sequential b = Mlp.of(4, new int[] {8}, 3, "tanh", 0f, DEVICE, 2);
        Tensor x = Tensor.rand(DEVICE, 7, 0, 5, 4);
        assertFalse(Arrays.equals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray()));
        Map<String, float[]> saved = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> saved.put(k, v.toFloatArray()));
        b.loadStateDictArrays(saved);
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray(), 0f);
        assertTrue(b.parameters().getFirst().isRequiresGrad(), "loading keeps parameters trainable leaves");
        assertTrue(b.parameters().getFirst().gradFn().isEmpty());
    }

    @Test
    void parametersOutliveScopes() {
        Linear layer;
        try (Scope scope = Scope.open()) {
            layer = new Linear(3, 2, DEVICE, 0);
            layer.forward(Tensor.ones(DEVICE, 1, 3));
        }
        assertFalse(layer.weight().isClosed());
        assertFalse(layer.bias().isClosed());
        assertSame(layer, layer.to(DEVICE));
    }

    @Test
    void trainAndEvalAreRecursive() {
        Sequential model = new Sequential(new Linear(2, 2, DEVICE, 0), new Sequential(new Dropout(0.5f, 1)));
        assertTrue(model.isTraining());
        assertSame(model, model.eval());
        for (Module m : model.namedModules().values()) {
            assertFalse(m.isTraining());
        }
        model.train();
        for (Module m : model.namedModules().values()) {
            assertTrue(m.isTraining());
        }
    }

    @Test
    void reprLooksLikePytorch() {
        Sequential model = new Sequential(new Linear(4, 8, DEVICE, 0), new ReLU(), new Dropout(0.5f, 0),
                new LayerNorm(8, DEVICE), new GELU(), new Linear(8, 2, false, DEVICE, 1));
        assertEquals("""
                Sequential(
                  (0): Linear(in_features=4, out_features=8, bias=True)
                  (1): ReLU()
                  (2): Dropout(p=0.5, inplace=False)
                  (3): LayerNorm((8,), eps=1e-05, elementwise_affine=True)
                  (4): GELU(approximate='none')
                  (5): Linear(in_features=8, out_features=2, bias=False)
                )""", model.toString());
        assertEquals("Sequential(\n  (0): Sequential(\n    (0): Tanh()\n  )\n)",
                new Sequential(new Sequential(new Tanh())).toString());
    }

    @Test
    void mlpShapesAndErrors() {
        for (String activation : Mlp.ACTIVATIONS) {
            Sequential mlp = Mlp.of(784, new int[] {32, 16}, 10, activation, 0.2f, DEVICE, 3);
            Tensor logits = mlp.forward(Tensor.rand(DEVICE, 1, 0, 5, 784));
            assertArrayEquals(new int[] {5, 10}, logits.shape());
        }
        assertEquals(3, Mlp.of(10, new int[] {5}, 2, "relu", 0f, DEVICE, 0).size(), "no Dropout when p = 0");
        assertEquals(2, Mlp.of(10, new int[0], 2, "relu", 0f, DEVICE, 0).parameters().size());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> Mlp.of(10, new int[] {5}, 2, "swish", 0f, DEVICE, 0));
        assertTrue(bad.getMessage().contains("'swish'") && bad.getMessage().contains("relu, gelu, tanh, sigmoid"),
                bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mlp.of(10, new int[] {5}, 2, "relu", 1f, DEVICE, 0));
        // Layers draw from different Philox keys: two same-shaped layers differ.
        Sequential twin = Mlp.of(8, new int[] {8}, 8, "relu", 0f, DEVICE, 0);
        assertNotEquals(Arrays.toString(((Linear) twin.get(0)).weight().toFloatArray()),
                Arrays.toString(((Linear) twin.get(2)).weight().toFloatArray()));
    }
}
