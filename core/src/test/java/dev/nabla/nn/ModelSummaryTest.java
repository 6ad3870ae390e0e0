package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelSummary}: the rows, shapes and counts torchinfo would print for the same models. */
class ModelSummaryTest {

    @Test
    void defaultMlp() {
        Module model = Mlp.of(784, new int[] {1024, 512}, 10, "relu", 0.2f, Device.reference(), 1);
        ModelSummary summary = ModelSummary.of(model, 784, 128);
        List<ModelSummary.Row> rows = summary.rows();
        // Sequential, then Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear
        assertEquals(8, rows.size());
        assertEquals("Sequential", rows.get(0).type());
        assertArrayEquals(new int[] {128, 10}, rows.get(0).outputShape());
        assertEquals(List.of("Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"),
                rows.subList(1, 8).stream().map(ModelSummary.Row::type).toList());
        assertArrayEquals(new int[] {128, 1024}, rows.get(1).outputShape());
        assertArrayEquals(new int[] {128, 512}, rows.get(5).outputShape());
        // 784·1024 + 1024, 1024·512 + 512, 512·10 + 10
        assertEquals(803_840, rows.get(1).parameters());
        assertEquals(524_800, rows.get(4).parameters());
        assertEquals(5_130, rows.get(7).parameters());
        assertEquals(0, rows.get(2).parameters());
        assertEquals(1_333_770, summary.totalParameters());
        assertEquals(model.parameterCount(), summary.totalParameters());
        assertEquals(1_333_770, summary.trainableParameters());
        assertEquals(4L * 1_333_770, summary.parameterBytes());
        String text = summary.toString();
        assertTrue(text.contains("Total params: 1,333,770"), text);
        assertTrue(text.contains("Params size (MB): 5.34"), text);
        assertTrue(text.contains("├─0 Linear"), text);
        assertTrue(text.contains("└─6 Linear"), text);
        assertTrue(text.contains("[128, 1024]"), text);
    }

    @Test
    void residualMlpNamesEveryLayerAsItsStateDictDoes() {
        Module model = ResMlp.of(20, 16, 2, 3, "batch", Device.reference(), 1);
        ModelSummary summary = ModelSummary.of(model, 20, 8);
        List<ModelSummary.Row> rows = summary.rows();
        long sum = rows.stream().mapToLong(ModelSummary.Row::parameters).sum();
        assertEquals(model.parameterCount(), sum, "each parameter is counted once, at its owner");
        // every parameter's key starts with the path of a row that owns parameters
        for (String key : model.namedParameters().keySet()) {
            String owner = key.substring(0, key.lastIndexOf('.'));
            assertTrue(rows.stream().anyMatch(r -> r.path().equals(owner) && r.parameters() > 0), key);
        }
        ModelSummary.Row block = rows.stream().filter(r -> r.path().equals("1.block.1")).findFirst().orElseThrow();
        assertEquals("Linear", block.type());
        assertEquals(3, block.depth());
        assertEquals(16 * 16 + 16, block.parameters());
        ModelSummary.Row residual = rows.stream().filter(r -> r.path().equals("1")).findFirst().orElseThrow();
        assertEquals("Residual", residual.type());
        assertArrayEquals(new int[] {8, 16}, residual.outputShape());
        ModelSummary.Row norm = rows.stream().filter(r -> r.path().equals("1.block.0")).findFirst().orElseThrow();
        assertEquals("BatchNorm1d", norm.type());
        assertEquals(32, norm.parameters());
        assertArrayEquals(new int[] {8, 3}, rows.get(0).outputShape());
        assertTrue(summary.toString().contains("│ └─block Sequential"), summary.toString());
    }

    @Test
    void anUnknownLayerShowsAnUnknownShape() {
        Module custom = new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return x.sum();
            }
        };
        Module model = new Sequential(new Linear(4, 2, Device.reference(), 1), custom, new ReLU());
        ModelSummary summary = ModelSummary.of(model, 4, 5);
        assertArrayEquals(new int[] {5, 2}, summary.rows().get(1).outputShape());
        assertNull(summary.rows().get(2).outputShape());
        assertNull(summary.rows().get(3).outputShape(), "unknown after an unknown layer");
        assertTrue(summary.toString().contains("?"));
    }
}
