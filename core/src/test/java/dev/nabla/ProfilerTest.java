package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The profiler records what a step runs without changing what it computes. */
class ProfilerTest {

    private static float[] linearReluGrad(Device device) {
        // y = Σ relu(x·Wᵀ + b); returns ∂y/∂W
        Tensor x = Tensor.of(device, new float[] {1f, -2f, 3f, 0.5f, 2f, -1f}, 2, 3);
        Tensor w = Tensor.of(device, new float[] {0.1f, 0.2f, -0.3f, 0.4f, -0.5f, 0.6f, 0.7f, 0.8f, 0.9f, -1f, 1.1f,
                -1.2f}, 4, 3).requiresGrad();
        Tensor b = Tensor.of(device, new float[] {0.1f, -0.1f, 0.2f, -0.2f}, 4).requiresGrad();
        try (Scope ignored = Scope.open()) {
            Tensor.linear(x, w, b).relu().sum().backward();
        }
        return w.grad().orElseThrow().toFloatArray();
    }

    @Test
    void recordsEachOperationWithoutChangingResults() {
        Device base = Device.reference();
        Profiler profiler = Profiler.of(base);
        Device device = profiler.device();
        assertNotSame(base, device);
        assertEquals("reference:0 (profiled)", device.toString());
        assertArrayEquals(linearReluGrad(base), linearReluGrad(device));

        profiler.reset();
        linearReluGrad(device);
        linearReluGrad(device);
        Map<String, Profiler.Row> rows = profiler.rows().stream()
                .collect(Collectors.toMap(Profiler.Row::op, Function.identity()));
        // forward: x·Wᵀ + b as one GEMM (2×4 from 2×3 and 4×3); backward: dW = dZᵀ·x (4×3, k = 2)
        Profiler.Row forward = rows.get("gemm NT 2x4x3 +bias");
        assertTrue(forward != null, rows.keySet().toString());
        assertEquals(2, forward.calls());
        assertEquals(2 * 2.0 * 2 * 4 * 3, forward.flops());
        assertTrue(rows.containsKey("gemm TN 4x3x2"), rows.keySet().toString());
        assertTrue(rows.containsKey("allocate F32"), rows.keySet().toString());

        String table = profiler.table(2);
        assertTrue(table.startsWith("op"), table);
        assertTrue(table.contains("gemm NT 2x4x3 +bias"), table);
        assertTrue(table.contains("outside the backend"), table);
        List<String> lines = table.lines().toList();
        assertEquals(rows.size() + 3, lines.size(), table);
    }

    @Test
    void tensorsOfTheProfiledDeviceDoNotMixWithTheBaseDevice() {
        Profiler profiler = Profiler.of(Device.reference());
        Tensor a = Tensor.of(profiler.device(), new float[] {1f}, 1);
        Tensor b = Tensor.of(Device.reference(), new float[] {1f}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("reference:0 (profiled)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> profiler.table(0));
        dev.nabla.backend.Backend backend = profiler.device().backend();
        assertEquals(backend, backend);
        assertEquals(System.identityHashCode(backend), backend.hashCode());
        assertTrue(backend.toString().endsWith("(profiled)"), backend.toString());
    }
}
