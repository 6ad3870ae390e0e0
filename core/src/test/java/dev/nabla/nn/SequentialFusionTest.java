package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.Device;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** Sequential fuses Linear + ReLU into one GEMM without changing a number or a state-dict key. */
class SequentialFusionTest {

    @Test
    void fusedForwardAndGradientsEqualLayerByLayer() {
        Device d = Device.reference();
        Sequential model = new Sequential(new Linear(6, 5, d, 1), new ReLU(), new Linear(5, 3, d, 2), new ReLU(),
                new Linear(3, 2, d, 3));
        Tensor x = Tensor.rand(d, 4, 0, 8, 6).sub(0.5f);
        Tensor fused = model.forward(x);
        fused.sum().backward();
        float[] fusedGrad = model.get(0).namedParameters().get("weight").grad().orElseThrow().toFloatArray();
        model.namedParameters().values().forEach(p -> p.setGrad(null));

        Tensor manual = x;
        for (Module layer : model.layers()) {
            manual = layer.forward(manual);          // one layer at a time: no fusion
        }
        manual.sum().backward();
        assertArrayEquals(manual.toFloatArray(), fused.toFloatArray());
        assertArrayEquals(model.get(0).namedParameters().get("weight").grad().orElseThrow().toFloatArray(), fusedGrad);
        assertEquals("linear+relu", fusedOpName(model, x));
        // the module structure, and so the state dict, is unchanged
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                java.util.List.copyOf(model.stateDict().keySet()));
    }

    @Test
    void anomalyModeRunsTheOpsApartSoEachOutputIsChecked() {
        Device d = Device.reference();
        Sequential model = new Sequential(new Linear(2, 2, d, 1), new ReLU());
        Tensor x = Tensor.of(d, new float[] {1f, 2f}, 1, 2).requiresGrad();
        dev.nabla.autograd.Anomaly.enable();
        try {
            assertEquals("relu", model.forward(x).gradFn().orElseThrow().opName());
        } finally {
            dev.nabla.autograd.Anomaly.disable();
        }
        assertEquals("linear+relu", model.forward(x).gradFn().orElseThrow().opName());
    }

    private static String fusedOpName(Sequential model, Tensor x) {
        Tensor firstTwo = new Sequential(model.get(0), model.get(1)).forward(x);
        return firstTwo.gradFn().orElseThrow().opName();
    }
}
