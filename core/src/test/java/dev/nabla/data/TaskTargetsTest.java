package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Targets read as the task needs them: real values from a CSV label column and from integer or
 * float {@code .npy} files, class indices refused where they cannot be; target standardisation.
 */
class TaskTargetsTest {

    @TempDir
    Path dir;

    private Path csv(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    private static float[] targets(Dataset d) {
        float[] y = new float[d.size() * d.targetWidth()];
        for (int i = 0; i < d.size(); i++) {
            d.readTargets(i, y, i * d.targetWidth());
        }
        return y;
    }

    @Test
    void aCsvLabelColumnIsRealValuedForRegression() throws IOException {
        // "-1" and "2.5" would be errors for classification (negative, fractional class index)
        Path f = csv("r.csv", "x1,x2,price\n1,2,-1\n3,4,2.5\n5,6,1e3\n");
        InMemoryDataset d = CsvReader.readValues(f);
        assertEquals(Dataset.TargetKind.VALUES, d.targetKind());
        assertEquals(2, d.featureCount());
        assertArrayEquals(new float[] {-1f, 2.5f, 1000f}, targets(d), 0f);
        float[] row = new float[2];
        d.readFeatures(2, row, 0);
        assertArrayEquals(new float[] {5f, 6f}, row, 0f);
        var classification = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertTrue(classification.getMessage().contains("line 2, column 3 (\"price\"): label -1 is negative"),
                classification.getMessage());
    }

    @Test
    void aRegressionTargetThatIsNotANumberNamesItsLine() throws IOException {
        Path text = csv("t.csv", "x,y\n1,2\n3,high\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.readValues(text));
        assertEquals(text + ": line 3, column 2 (\"y\"): regression target \"high\" is not a finite decimal"
                + " number (regression targets must be numbers; drop or fill the row)", e.getMessage());
        Path nan = csv("n.csv", "x,y\n1,2\n3,4\n5,NaN\n");
        var n = assertThrows(DataFormatException.class, () -> CsvReader.readValues(nan));
        assertTrue(n.getMessage().contains("line 4, column 2"), n.getMessage());
        assertTrue(n.getMessage().contains("\"NaN\" is not a finite decimal number"), n.getMessage());
        Path overflow = csv("o.csv", "1,2\n3,1e39\n");
        var o = assertThrows(DataFormatException.class, () -> CsvReader.readValues(overflow));
        assertTrue(o.getMessage().contains("line 2, column 2 (\"column2\"): regression target 1e39 overflows a float"),
                o.getMessage());
    }

    @Test
    void aRegressionCsvHoldsOutATestSetAsAClassificationOneDoes() throws IOException {
        StringBuilder text = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 50; i++) {
            text.append(i).append(',').append(-i).append(',').append(i * 0.5).append('\n');
        }
        Path f = csv("held.csv", text.toString());
        try (TrainingData data = DataSources.load("csv:" + f, "", Optional.empty(), Dataset.TargetKind.VALUES)) {
            Dataset train = data.train();
            Dataset test = data.test().orElseThrow();
            assertEquals(40, train.size());
            assertEquals(10, test.size());
            // every row keeps its own target (y = a / 2), and the two sets together are the file
            java.util.Set<Float> seen = new java.util.TreeSet<>();
            for (Dataset d : new Dataset[] {train, test}) {
                float[] x = new float[2];
                float[] y = new float[1];
                for (int i = 0; i < d.size(); i++) {
                    d.readFeatures(i, x, 0);
                    d.readTargets(i, y, 0);
                    assertEquals(x[0] * 0.5f, y[0]);
                    seen.add(x[0]);
                }
            }
            assertEquals(50, seen.size());
            // the rows a classification split of the same length would hold out
            int[] order = CsvData.shuffledOrder(50, 0);
            float[] first = new float[2];
            test.readFeatures(0, first, 0);
            assertEquals(order[40], (int) first[0]);
        }
    }

    @Test
    void npyTargetsFollowTheTask() throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(1, 2, 3, 4, 5, 6), 3, 2);
        // a multi-label 0/1 matrix as NumPy saves it: int64
        Path multi = NpyFiles.write(dir.resolve("m.npy"), "<i8", NpyFiles.int64(1, 0, 1, 0, 0, 1, 1, 1, 0), 3, 3);
        try (NpyDataset d = NpyDataset.open(x, multi, Dataset.TargetKind.VALUES)) {
            assertEquals(Dataset.TargetKind.VALUES, d.targetKind());
            assertEquals(3, d.targetWidth());
            assertArrayEquals(new float[] {1, 0, 1, 0, 0, 1, 1, 1, 0}, targets(d), 0f);
        }
        // without a task it stays the error it was: integer targets are class indices
        assertThrows(DataFormatException.class, () -> NpyDataset.open(x, multi));
        Path counts = NpyFiles.write(dir.resolve("c.npy"), "<i4", NpyFiles.int32(7, -2, 40), 3);
        try (NpyDataset d = NpyDataset.open(x, counts, Dataset.TargetKind.VALUES)) {
            assertArrayEquals(new float[] {7, -2, 40}, targets(d), 0f);
        }
        Path real = NpyFiles.write(dir.resolve("f.npy"), "<f8", NpyFiles.float64(0.5, 1.5, 2.5), 3);
        var e = assertThrows(DataFormatException.class, () -> NpyDataset.open(x, real, Dataset.TargetKind.CLASS_INDEX));
        assertTrue(e.getMessage().startsWith(real + ": holds"), e.getMessage());
        assertTrue(e.getMessage().contains("classification needs integer class indices, one per row: save them with"
                + " np.save(path, y.astype(np.int64))"), e.getMessage());
        Path nan = NpyFiles.write(dir.resolve("nan.npy"), "<f4", NpyFiles.float32(1, Float.NaN, 2), 3);
        var n = assertThrows(DataFormatException.class, () -> DataSources.load("npy:" + x + "," + nan, "",
                Optional.empty(), Dataset.TargetKind.VALUES));
        assertTrue(n.getMessage().contains("row 1 is NaN; regression targets must be finite"), n.getMessage());
    }

    @Test
    void labelledImageSetsAndGeneratedSetsRefuseTheOtherTask() {
        var images = assertThrows(IllegalArgumentException.class, () -> DataSources.load("fashion-mnist", "",
                Optional.empty(), Dataset.TargetKind.VALUES));
        assertEquals("fashion-mnist has class labels; a regression or multi-label task needs real-valued targets:"
                + " csv:PATH, npy:FEATURES.npy,TARGETS.npy or friedman1", images.getMessage());
        var friedman = assertThrows(IllegalArgumentException.class, () -> DataSources.load("friedman1", "",
                Optional.empty(), Dataset.TargetKind.CLASS_INDEX));
        assertTrue(friedman.getMessage().startsWith("friedman1 is a regression data set"), friedman.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataSources.load("friedman1", "csv:t.csv",
                Optional.empty(), Dataset.TargetKind.VALUES));
        assertTrue(DataSources.isGenerated("friedman1"));
    }

    @Test
    void targetsAreStandardisedForTrainingAndInvertedForReports() {
        // two target columns: (0, 10, 20) and (5, 5, 5): means 10 and 5; stds √(200/3) and floor 1
        float[] x = {1, 2, 3};
        float[] y = {0, 5, 10, 5, 20, 5};
        InMemoryDataset d = InMemoryDataset.ofValues("memory", x, 1, y, 2);
        Standardizer scale = Standardizer.fitTargets(d);
        float std = (float) Math.sqrt(200.0 / 3);
        assertArrayEquals(new float[] {10f, 5f}, scale.mean(), 1e-6f);
        assertArrayEquals(new float[] {std, 1f}, scale.std(), 1e-5f);
        float[] standardised = scale.apply(y);
        assertArrayEquals(new float[] {-10f / std, 0f, 0f, 0f, 10f / std, 0f}, standardised, 1e-6f);
        scale.invertInPlace(standardised);
        assertArrayEquals(y, standardised, 1e-5f);
        try (DataLoader loader = DataLoader.builder(d).batchSize(3).device(Device.reference()).workers(0)
                .normalizeTargets(scale).build()) {
            DataLoader.Batch batch = loader.epoch(0).next();
            assertArrayEquals(scale.apply(y), batch.targets().toFloatArray(), 1e-6f);
            assertArrayEquals(new int[] {3, 2}, batch.targets().shape());
            assertEquals(Optional.of(scale), loader.targetNormalizer());
        }
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fitTargets(
                InMemoryDataset.ofClasses("memory", x, 1, new int[] {0, 1, 0}, 2)));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(d)
                .normalizeTargets(Standardizer.fit(new float[] {1, 2}, 1, Standardizer.Scope.PER_FEATURE)).build());
    }

    @Test
    void classCountsFeedBalancedWeights() {
        InMemoryDataset d = InMemoryDataset.ofClasses("memory", new float[6], 1, new int[] {0, 2, 2, 0, 2, 2}, 4);
        assertArrayEquals(new long[] {2, 0, 4, 0}, d.classCounts());
        // 6 / (4 · 2) and 6 / (4 · 4); classes without rows get 0
        assertArrayEquals(new float[] {0.75f, 0f, 0.375f, 0f},
                dev.nabla.nn.CrossEntropyOptions.balancedWeights(d.classCounts()), 1e-7f);
        assertThrows(IllegalStateException.class,
                () -> InMemoryDataset.ofValues("memory", new float[2], 1, new float[2], 1).classCounts());
    }

    @Test
    void multiLabelTargetsMustBeZeroOrOne() throws DataFormatException {
        MultiLabelTargets.check(InMemoryDataset.ofValues("memory", new float[2], 1, new float[] {0, 1, 0.25f, 1}, 2));
        var two = assertThrows(DataFormatException.class, () -> MultiLabelTargets.check(
                InMemoryDataset.ofValues("labels.npy", new float[2], 1, new float[] {0, 1, 2, 1}, 2)));
        assertEquals("labels.npy: row 1, label 0 is 2.0; multi-label targets must be 0 or 1 (or probabilities in"
                + " between)", two.getMessage());
        var classes = assertThrows(DataFormatException.class, () -> MultiLabelTargets.check(
                InMemoryDataset.ofClasses("memory", new float[2], 1, new int[] {0, 1}, 2)));
        assertTrue(classes.getMessage().contains("has class-index targets"), classes.getMessage());
    }
}
