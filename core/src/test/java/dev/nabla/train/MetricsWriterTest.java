package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsWriterTest {

    @TempDir
    Path dir;

    private static final List<EpochRecord> EPOCHS = List.of(
            new EpochRecord(1, 0.5123456789012345, 0.81, 0.47, 0.83, 10.25, 5853.7),
            new EpochRecord(2, 0.35, 0.875, 0.39, 0.8912, 9.75, 6153.1));

    private Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("epochs", 2);
        c.put("lr", 1e-3);
        c.put("hidden", new int[] {512, 256});
        c.put("data", Optional.of(Path.of("/data/fm")));
        c.put("resume", Optional.empty());
        c.put("optimizer", Thread.State.NEW); // any enum
        return c;
    }

    @Test
    void writesCsvAndJsonThatReadBack() throws IOException {
        MetricsWriter.write(dir, config(), "cpu", "CPU (2 cores, AVX2)", EPOCHS, Map.of("total_seconds", 20.0));

        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(List.of("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_per_second,"
                + "val_loss,val_accuracy", "1,0.5123456789012345,0.81,0.47,0.83,10.25,5853.7,,",
                "2,0.35,0.875,0.39,0.8912,9.75,6153.1,,"), lines);
        assertEquals(EPOCHS, MetricsWriter.readCsv(dir.resolve("metrics.csv")));

        JsonNode root = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        List<String> keys = new java.util.ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("config", "backend", "device", "epochs", "test_accuracy", "total_seconds"), keys);
        assertEquals(0.8912, root.get("test_accuracy").doubleValue());
        assertEquals("cpu", root.get("backend").textValue());
        assertEquals(0.875, root.get("epochs").get(1).get("train_accuracy").doubleValue());
        assertEquals(6153.1, root.get("epochs").get(1).get("samples_per_second").doubleValue());
        assertEquals("/data/fm", root.get("config").get("data").textValue());
        assertTrue(root.get("config").get("resume").isNull());
        assertEquals(256, root.get("config").get("hidden").get(1).intValue());
        assertEquals("NEW", root.get("config").get("optimizer").textValue());

        MetricsWriter.RunMetrics back = MetricsWriter.readJson(dir.resolve("metrics.json"));
        assertEquals(EPOCHS, back.epochs());
        assertEquals("CPU (2 cores, AVX2)", back.device());
        assertEquals(0.8912, back.testAccuracy());
        assertEquals(1e-3, ((Number) back.config().get("lr")).doubleValue());
        assertEquals(Map.of("total_seconds", 20.0), back.extra());
    }

    @Test
    void unmeasuredValuesAreEmptyAndNull() throws IOException {
        List<EpochRecord> e = List.of(new EpochRecord(1, 0.4, 0.9, Double.NaN, Double.NaN, 1.5, 100));
        MetricsWriter.write(dir, Map.of(), "cpu", "cpu", e, Map.of());
        assertEquals("1,0.4,0.9,,,1.5,100.0,,", Files.readAllLines(dir.resolve("metrics.csv")).get(1));
        JsonNode root = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertTrue(root.get("test_accuracy").isNull());
        assertTrue(root.get("epochs").get(0).get("test_loss").isNull());
        String text = Files.readString(dir.resolve("metrics.json"));
        assertFalse(text.contains("NaN"), "JSON has no NaN");
        MetricsWriter.RunMetrics back = MetricsWriter.readJson(dir.resolve("metrics.json"));
        assertTrue(Double.isNaN(back.testAccuracy()));
        assertEquals(e, back.epochs()); // record equals treats NaN == NaN (Double.compare)
        assertEquals(e, MetricsWriter.readCsv(dir.resolve("metrics.csv")));
    }

    @Test
    void validationColumnsAreWrittenAndFilesWithoutThemStillRead() throws IOException {
        List<EpochRecord> e = List.of(new EpochRecord(1, 0.4, 0.9, Double.NaN, Double.NaN, 1.5, 100, 0.45, 0.87));
        MetricsWriter.write(dir, Map.of(), "cpu", "cpu", e, Map.of());
        assertEquals("1,0.4,0.9,,,1.5,100.0,0.45,0.87", Files.readAllLines(dir.resolve("metrics.csv")).get(1));
        assertEquals(e, MetricsWriter.readCsv(dir.resolve("metrics.csv")));
        assertEquals(0.87, new ObjectMapper().readTree(dir.resolve("metrics.json").toFile()).get("epochs").get(0)
                .get("val_accuracy").doubleValue());
        // metrics.csv of a run before the validation columns existed
        Path old = dir.resolve("old.csv");
        Files.writeString(old, "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_per_second\n"
                + "1,0.4,0.9,0.5,0.8,1.5,100.0\n");
        assertEquals(List.of(new EpochRecord(1, 0.4, 0.9, 0.5, 0.8, 1.5, 100)), MetricsWriter.readCsv(old));
    }

    @Test
    void noEpochsYetGivesNullAccuracy() throws IOException {
        MetricsWriter.write(dir, Map.of(), "cpu", "cpu", List.of(), Map.of());
        assertNull(new ObjectMapper().readTree(dir.resolve("metrics.json").toFile()).get("test_accuracy").numberValue());
    }

    @Test
    void extraFieldsMayNotOverwriteFixedOnes() {
        assertThrows(IllegalArgumentException.class,
                () -> MetricsWriter.write(dir, Map.of(), "cpu", "cpu", EPOCHS, Map.of("test_accuracy", 1.0)));
    }

    @Test
    void readErrorsNameTheFile() throws IOException {
        Path bad = dir.resolve("metrics.json");
        Files.writeString(bad, "{\"epochs\": 3}");
        var e = assertThrows(IOException.class, () -> MetricsWriter.readJson(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        Path csv = dir.resolve("metrics.csv");
        Files.writeString(csv, MetricsWriter.CSV_HEADER + "\n1,2,3\n");
        e = assertThrows(IOException.class, () -> MetricsWriter.readCsv(csv));
        assertTrue(e.getMessage().startsWith(csv + ": line 2"), e.getMessage());
    }
}
