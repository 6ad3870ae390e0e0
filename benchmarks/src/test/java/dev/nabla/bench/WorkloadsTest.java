package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.bench.Workload.Matmul;
import dev.nabla.bench.Workload.MlpStep;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

    private static Workloads.Options options(List<String> kinds) {
        return new Workloads.Options(kinds, null, null, null, null, null, null, null, null);
    }

    @Test
    void defaultsCoverSquaresMlpShapesAndBothTrainingSteps() {
        List<Workload> all = Workloads.build(options(null));
        long squares = all.stream().filter(w -> w instanceof Matmul m && m.role().isEmpty()).count();
        long mlpShapes = all.stream().filter(w -> w instanceof Matmul m && !m.role().isEmpty()).count();
        assertEquals(5, squares);
        assertEquals(9, mlpShapes);
        List<String> steps = all.stream().filter(w -> w instanceof MlpStep).map(Workload::label).toList();
        assertEquals(List.of("784-1024-1024-10 b256 adam", "784-512-256-10 b128 adam"), steps);
        assertEquals(Workloads.KINDS, all.stream().map(Workload::kind).distinct().toList());
    }

    @Test
    void mlpShapesFollowLinearsForwardAndBackward() {
        List<Matmul> shapes = Workloads.mlpShapes(new MlpStep(784, List.of(1024), 10, 256, "adam", 1e-3f));
        assertEquals(List.of(
                new Matmul(256, 1024, 784, false, true, "fc1.fwd"),
                new Matmul(256, 784, 1024, false, false, "fc1.dX"),
                new Matmul(1024, 784, 256, true, false, "fc1.dW"),
                new Matmul(256, 10, 1024, false, true, "fc2.fwd"),
                new Matmul(256, 1024, 10, false, false, "fc2.dX"),
                new Matmul(10, 1024, 256, true, false, "fc2.dW")), shapes);
    }

    @Test
    void explicitMatmulShapeWithTransposition() {
        List<Workload> w = Workloads.build(new Workloads.Options(List.of("matmul"), null, new int[] {2, 3, 4}, "tn",
                null, null, null, null, null));
        assertEquals(List.of(new Matmul(2, 3, 4, true, false, "")), w);
        List<Workload> sizes = Workloads.build(new Workloads.Options(List.of("matmul"), List.of(64, 128), null, null,
                null, null, null, null, null));
        assertEquals(List.of(Matmul.square(64), Matmul.square(128)), sizes);
    }

    @Test
    void hiddenOrBatchGivesOneTrainingStep() {
        List<Workload> w = Workloads.build(new Workloads.Options(List.of("mlp-step"), null, null, null,
                List.of(300, 100), 64, "sgd", null, null));
        assertEquals(List.of(new MlpStep(784, List.of(300, 100), 10, 64, "sgd", 1e-3f)), w);
    }

    @Test
    void optimizerWorkloadHasTheModelsParameterCount() {
        assertEquals(784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10,
                Workloads.parameterCount(new int[] {784, 1024, 1024, 10}));
    }

    @Test
    void parsesWorkloadLists() {
        assertEquals(Workloads.KINDS, Workloads.parseKinds("all"));
        assertEquals(List.of("matmul", "cross-entropy"), Workloads.parseKinds("matmul, xent,matmul"));
        assertEquals(List.of("cross-entropy"), Workloads.parseKinds("softmax-xent,cross-entropy"),
                "the workload's name until 2026-12 still selects it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Workloads.parseKinds("matmul,conv"));
        assertTrue(e.getMessage().startsWith("--workload: unknown workload 'conv'; valid: matmul, elementwise"),
                e.getMessage());
    }

    @Test
    void argumentErrorsNameTheOption() {
        assertEquals("--mnk: expected M,N,K (3 comma-separated numbers), got '1,2'",
                assertThrows(IllegalArgumentException.class,
                        () -> Workloads.parseTuple("--mnk", "1,2", 3, "M,N,K")).getMessage());
        assertEquals("--size: 'big' is not a whole number (in '512,big')",
                assertThrows(IllegalArgumentException.class,
                        () -> Workloads.parsePositiveInts("--size", "512,big")).getMessage());
        assertEquals("--size: sizes must be positive, got -4",
                assertThrows(IllegalArgumentException.class,
                        () -> Workloads.parsePositiveInts("--size", "-4")).getMessage());
        assertEquals("--hidden: empty item in '1024,,10'",
                assertThrows(IllegalArgumentException.class,
                        () -> Workloads.parsePositiveInts("--hidden", "1024,,10")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workloads.parseTrans("NX"))
                .getMessage().startsWith("--trans: expected NN, NT, TN or TT"));
        assertArrayEquals(new boolean[] {false, true}, Workloads.parseTrans("nt"));
        assertEquals("--size and --mnk exclude each other: give one",
                assertThrows(IllegalArgumentException.class, () -> Workloads.build(new Workloads.Options(
                        List.of("matmul"), List.of(8), new int[] {1, 2, 3}, null, null, null, null, null, null)))
                        .getMessage());
    }

    @Test
    void sixteenBitRunsTakeMatmulElementwiseAndMlpStepOnly() {
        var all16 = new Workloads.Options(null, null, null, null, null, null, null, null, null, dev.nabla.DType.BF16);
        List<Workload> w = Workloads.build(all16);
        assertEquals(Workloads.DTYPE_KINDS, w.stream().map(Workload::kind).distinct().toList());
        assertTrue(w.stream().allMatch(x -> x.params().get("dtype").equals("bfloat16")), "every workload in bf16");
        var reduce = new Workloads.Options(List.of("matmul", "reduce"), null, null, null, null, null, null, null, null,
                dev.nabla.DType.F16);
        assertEquals("--dtype f16: workload 'reduce' runs in F32 only; 16-bit workloads: matmul, elementwise, mlp-step",
                assertThrows(IllegalArgumentException.class, () -> Workloads.build(reduce)).getMessage());
        assertEquals(dev.nabla.DType.BF16, Workloads.parseDtype("BF16"));
        assertEquals(dev.nabla.DType.F16, Workloads.parseDtype("fp16"));
        assertEquals(dev.nabla.DType.F32, Workloads.parseDtype("f32"));
        assertEquals("--dtype: expected f32, bf16 or f16, got 'i32'",
                assertThrows(IllegalArgumentException.class, () -> Workloads.parseDtype("i32")).getMessage());
    }
}
