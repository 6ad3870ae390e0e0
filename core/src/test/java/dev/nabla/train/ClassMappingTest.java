package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.data.CsvReader;
import dev.nabla.data.Split;
import dev.nabla.io.NamedArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17, item 4: the label → index mapping is saved with a run, restored on resume, and optional in old runs. */
class ClassMappingTest {

    private static TrainConfig config(int epochs) {
        return new TrainConfig("csv", "", 0, new int[] {8}, "relu", 0f, "adam", 0.01f, 0.9f, 0f, "cosine", epochs,
                16, 3, 0f);
    }

    /** Two features; the class is the sign of their sum, named {@code names[0]} or {@code names[1]}. */
    private static Path csv(Path dir, String file, String negative, String positive) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,kind\n");
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 80; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s%n", a, b, a + b > 0 ? positive : negative));
        }
        return Files.writeString(dir.resolve(file), csv);
    }

    private static Trainer trainer(TrainConfig config, Split split, Path dir) {
        return new Trainer(config, split, Device.reference(), dir, false, new PrintWriter(new StringWriter()));
    }

    @Test
    void indexLabelsMapToThemselvesAndDatasetsKeepTheirNames() {
        assertEquals(List.of("0", "1", "2"), Split.indexNames(3));
        Split plain = TrainerTest.blobs(30, 9);
        assertEquals(List.of("0", "1", "2"), plain.classNames());
        assertEquals("Trouser", dev.nabla.data.ImageDataset.FASHION_MNIST.classNames().get(1));
    }

    @Test
    void relabellingFollowsTheSavedMappingAndNamesUnknownClasses() {
        Split data = new Split("csv", "f.csv", 1, 2, new float[] {0, 1, 2}, new int[] {0, 1, 1}, new float[] {3},
                new int[] {0}, List.of("cat", "dog"));
        assertSame(data, data.withClassNames(List.of("cat", "dog")));
        // The run knew a third class that sorted first: cat and dog move up by one.
        Split relabelled = data.withClassNames(List.of("ant", "cat", "dog"));
        assertEquals(3, relabelled.classes());
        assertArrayEquals(new int[] {1, 2, 2}, relabelled.trainLabels());
        assertArrayEquals(new int[] {1}, relabelled.testLabels());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> data.withClassNames(List.of("dog", "emu")));
        assertTrue(unknown.getMessage().contains("f.csv has class [cat] that the run was not trained on"),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("[dog, emu]"), unknown.getMessage());
    }

    @Test
    void theMappingIsSavedInStateJsonAndRestoredOnResume(@TempDir Path dir) throws IOException {
        Split first = CsvReader.read(csv(dir, "pets.csv", "cat", "dog")).split(0.25, 0);
        Path run = dir.resolve("run");
        trainer(config(2), first, run).stopAfter(1).fit();
        Checkpoint.Contents saved = Checkpoint.load(run);
        assertEquals(Optional.of(List.of("cat", "dog")), Trainer.classNames(saved.state()));
        assertTrue(Files.readString(run.resolve(Checkpoint.STATE_FILE)).contains("\"class_names\" : [ \"cat\", \"dog\" ]"));

        // The file now names the classes differently: "ant" sorts before "dog", so the data's own
        // mapping would be [ant, dog]; resuming must refuse rather than read output 0 as "ant".
        Split renamed = CsvReader.read(csv(dir, "renamed.csv", "ant", "dog")).split(0.25, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(config(2), renamed, run).resume());
        assertTrue(e.getMessage().contains("has class [ant] that the run was not trained on"), e.getMessage());
        assertTrue(e.getMessage().contains(run.resolve(Checkpoint.STATE_FILE).toString()), e.getMessage());

        // Only one class left in the data: relabelled to the saved indices, the run continues.
        Split onlyDogs = CsvReader.read(csv(dir, "dogs.csv", "dog", "dog")).split(0.25, 0);
        assertEquals(List.of("dog"), onlyDogs.classNames());
        trainer(config(2), onlyDogs, run).resume();
        Checkpoint.Contents resumed = Checkpoint.load(run);
        assertEquals(2, resumed.epoch());
        assertEquals(Optional.of(List.of("cat", "dog")), Trainer.classNames(resumed.state()));
        assertEquals(2, ((Number) resumed.state().get("classes")).intValue());
    }

    @Test
    void aCheckpointWithoutTheMappingStillLoadsAndResumes(@TempDir Path dir) throws IOException {
        Split data = TrainerTest.blobs(120, 30);
        TrainConfig config = new TrainConfig("blobs", "", 0, new int[] {8}, "relu", 0f, "adam", 0.01f, 0.9f, 0f,
                "cosine", 2, 16, 3, 0f);
        trainer(config, data, dir).stopAfter(1).fit();
        // Rewrite the checkpoint as a Nabla without the mapping wrote it.
        Checkpoint.Contents contents = Checkpoint.load(dir);
        Map<String, Object> old = new LinkedHashMap<>(contents.state());
        old.remove(Trainer.CLASS_NAMES);
        old.remove("format");
        old.remove("epoch");
        Checkpoint.save(dir, 1, tensors(contents.model()), tensors(contents.optimizer()), old);
        assertEquals(Optional.empty(), Trainer.classNames(Checkpoint.load(dir).state()));

        assertEquals(3, ((Number) Checkpoint.load(dir).state().get("classes")).intValue());
        Trainer.loadModel(Checkpoint.load(dir), Device.reference());
        trainer(config, data, dir).resume();
        assertEquals(Optional.of(List.of("0", "1", "2")), Trainer.classNames(Checkpoint.load(dir).state()));
    }

    private static Map<String, Tensor> tensors(Map<String, NamedArray> arrays) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        arrays.forEach((name, array) -> out.put(name, switch (array) {
            case NamedArray.F32 f -> Tensor.of(f.floats(), f.shape());
            case NamedArray.I32 i -> Tensor.of(Device.reference(), i.ints(), i.shape());
            case NamedArray.Bits16 h -> Tensor.ofBits(Device.reference(), h.dtype(), h.bits(), h.shape());
        }));
        return out;
    }
}
