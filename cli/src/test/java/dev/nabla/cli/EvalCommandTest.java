package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.io.NamedArray;
import dev.nabla.io.Safetensors;
import dev.nabla.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17, items 4 and 7 for {@code nabla eval}: class names in the report, errors that name the file. */
class EvalCommandTest {

    /** Two features; the class, named in the label column, is the sign of their sum. */
    static Path namedCsv(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,side\n");
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 120; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s%n", a, b, a + b > 0 ? "right" : "left"));
        }
        return Files.writeString(dir.resolve("sides.csv"), csv);
    }

    private static Path trainedRun(Path dir, String hidden) throws IOException {
        Path run = dir.resolve("run-" + hidden);
        Run train = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + namedCsv(dir), "--hidden", hidden,
                "--epochs", "2", "--batch-size", "16", "--lr", "0.01", "--dropout", "0", "--no-progress", "--out",
                run.toString());
        assertEquals(0, train.exitCode(), train.err());
        return run;
    }

    @Test
    void evalReportsEachClassUnderTheNamesTheRunSaved(@TempDir Path dir) throws IOException {
        Path run = trainedRun(dir, "8");
        assertTrue(Files.readString(run.resolve(Checkpoint.STATE_FILE)).contains("\"class_names\" : [ \"left\", \"right\" ]"));
        Path confusion = dir.resolve("confusion.csv");
        Run eval = Run.of("eval", "--backend", "cpu", run.toString(), "--confusion", confusion.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("per class:"), eval.out());
        assertTrue(eval.out().matches("(?s).*\\n  0 left +\\d+ +[01]\\.\\d{4}  .*"), eval.out());
        assertTrue(eval.out().matches("(?s).*\\n  1 right +\\d+ +[01]\\.\\d{4}  .*"), eval.out());
        List<String> lines = Files.readAllLines(confusion);
        assertEquals("true \\ predicted,left,right", lines.get(0));
        assertTrue(lines.get(1).startsWith("left,") && lines.get(2).startsWith("right,"), lines.toString());
        long total = 0;
        for (String line : lines.subList(1, 3)) {
            for (String count : line.substring(line.indexOf(',') + 1).split(",")) {
                total += Long.parseLong(count);
            }
        }
        assertTrue(eval.out().contains("(" + total + " samples)"), "the matrix counts every test sample: " + eval.out());
    }

    @Test
    void evalOfAMissingOrEmptyFolderKeepsTheRunFolderHint(@TempDir Path dir) throws IOException {
        String hint = "is it a run folder written by 'nabla train'?";
        Path missing = dir.resolve("no-such-run");
        Run onMissing = Run.of("eval", missing.toString());
        assertEquals(Main.EXIT_FAILURE, onMissing.exitCode(), onMissing.err());
        assertTrue(onMissing.err().contains(missing + " (no such folder; " + hint + ")"), onMissing.err());

        Path empty = Files.createDirectory(dir.resolve("empty"));
        Run onEmpty = Run.of("eval", empty.toString());
        assertEquals(Main.EXIT_FAILURE, onEmpty.exitCode(), onEmpty.err());
        assertTrue(onEmpty.err().contains("no checkpoint in " + empty + " (state.json missing, the folder is empty); "
                + hint), onEmpty.err());

        Path weights = Files.writeString(dir.resolve("w.safetensors"), "x");
        Run withWeights = Run.of("eval", empty.toString(), "--weights", weights.toString());
        assertTrue(withWeights.err().contains(hint), withWeights.err());

        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        Run onAFile = Run.of("eval", aFile.toString());
        assertTrue(onAFile.err().contains(aFile + " (a file, not a folder; " + hint + ")"), onAFile.err());
    }

    @Test
    void weightsOfAnotherShapeAreBlamedByFileNamingTensorAndShapes(@TempDir Path dir) throws IOException {
        Path run = trainedRun(dir, "8");
        Path other = trainedRun(dir, "4");
        Path narrow = other.resolve(Checkpoint.MODEL_FILE);
        Run wrongWidth = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", narrow.toString());
        assertEquals(Main.EXIT_FAILURE, wrongWidth.exitCode(), wrongWidth.err());
        assertTrue(wrongWidth.err().contains("--weights " + narrow + " does not fit the run's 2-8-2 model: tensor"
                + " '0.weight' has shape [4, 2], expected [8, 2]"), wrongWidth.err());
        assertFalse(wrongWidth.err().contains("in the checkpoint"), wrongWidth.err());

        // Transposed: the same number of elements, so only the shape tells.
        Map<String, NamedArray> tensors = new LinkedHashMap<>(Safetensors.read(run.resolve(Checkpoint.MODEL_FILE))
                .tensors());
        tensors.put("0.weight", NamedArray.f32(tensors.get("0.weight").floats(), 2, 8));
        Path transposed = dir.resolve("transposed.safetensors");
        Safetensors.write(transposed, tensors, Map.of());
        Run wrongShape = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", transposed.toString());
        assertEquals(Main.EXIT_FAILURE, wrongShape.exitCode(), wrongShape.out() + wrongShape.err());
        assertTrue(wrongShape.err().contains("--weights " + transposed + " does not fit the run's 2-8-2 model: tensor"
                + " '0.weight' has shape [2, 8], expected [8, 2]"), wrongShape.err());

        tensors.remove("0.weight");
        tensors.put("9.weight", NamedArray.f32(new float[] {1}, 1));
        Path renamed = dir.resolve("renamed.safetensors");
        Safetensors.write(renamed, tensors, Map.of());
        Run wrongNames = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", renamed.toString());
        assertTrue(wrongNames.err().contains("tensor '0.weight' [8, 2] is missing; tensor '9.weight' is not in the"
                + " model"), wrongNames.err());
    }

    /**
     * A BF16 or F16 safetensors file (PyTorch's {@code model.bfloat16()} saved) loads into the run's
     * F32 model as {@code load_state_dict}'s {@code copy_} does, each value widened exactly: eval
     * prints what the F32 file of the same widened values gives. Integer tensors do not convert.
     */
    @Test
    void sixteenBitWeightsWidenIntoTheF32ModelAndIntegersAreRefused(@TempDir Path dir) throws IOException {
        Path run = trainedRun(dir, "8");
        Map<String, NamedArray> saved = Safetensors.read(run.resolve(Checkpoint.MODEL_FILE)).tensors();
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            Map<String, NamedArray> half = new LinkedHashMap<>();
            Map<String, NamedArray> widened = new LinkedHashMap<>();
            for (Map.Entry<String, NamedArray> e : saved.entrySet()) {
                float[] values = e.getValue().floats();
                short[] bits = new short[values.length];
                float[] back = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = HalfPrecision.fromFloat(dtype, values[i]);
                    back[i] = HalfPrecision.toFloat(dtype, bits[i]);
                }
                half.put(e.getKey(), new NamedArray.Bits16(dtype, e.getValue().shape(), bits));
                widened.put(e.getKey(), NamedArray.f32(back, e.getValue().shape()));
            }
            Path halfFile = dir.resolve(dtype + ".safetensors");
            Path wideFile = dir.resolve(dtype + "-as-f32.safetensors");
            Safetensors.write(halfFile, half, Map.of());
            Safetensors.write(wideFile, widened, Map.of());
            Run fromHalf = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", halfFile.toString());
            Run fromWide = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", wideFile.toString());
            assertEquals(0, fromHalf.exitCode(), fromHalf.err());
            assertEquals(0, fromWide.exitCode(), fromWide.err());
            assertTrue(fromHalf.out().contains("test"), fromHalf.out());
            assertEquals(fromWide.out().replace(wideFile.toString(), "FILE"),
                    fromHalf.out().replace(halfFile.toString(), "FILE"), dtype.toString());
        }

        Map<String, NamedArray> integers = new LinkedHashMap<>(saved);
        int[] shape = saved.get("0.weight").shape();
        integers.put("0.weight", NamedArray.i32(new int[saved.get("0.weight").floats().length], shape));
        Path intFile = dir.resolve("ints.safetensors");
        Safetensors.write(intFile, integers, Map.of());
        Run fromInts = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", intFile.toString());
        assertEquals(Main.EXIT_FAILURE, fromInts.exitCode(), fromInts.out() + fromInts.err());
        assertTrue(fromInts.err().contains("--weights " + intFile + " does not fit the run's 2-8-2 model: tensor"
                + " '0.weight' is I32, which does not convert to the model's F32"), fromInts.err());
    }
}
