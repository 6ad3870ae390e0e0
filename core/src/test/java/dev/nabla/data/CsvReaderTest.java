package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path csv(String content) throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void headerDetectedAndLabelLastByDefault() throws IOException {
        CsvData d = CsvReader.read(csv("\uFEFFa, b ,label\n1,2.5,0\n\n-3,4e-1,2\n"));
        assertEquals(List.of("a", "b"), d.featureNames());
        assertEquals("label", d.labelName());
        assertArrayEquals(new float[] {1f, 2.5f, -3f, 0.4f}, d.features());
        assertArrayEquals(new int[] {0, 2}, d.labels());
        assertEquals(2, d.rows());
        assertEquals(3, d.classes());
        assertTrue(d.classNames().isEmpty());
    }

    @Test
    void noHeaderWithTextLabelsBecomesClassNames() throws IOException {
        CsvData d = CsvReader.read(csv("5.1,3.5,virginica\n4.9,3.0,setosa\n6.2,2.9,versicolor\n5.0,3.6,setosa\n"));
        assertEquals(4, d.rows(), "first row is data, not a header");
        assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames());
        assertArrayEquals(new int[] {2, 0, 1, 0}, d.labels());
        assertEquals(List.of("column1", "column2"), d.featureNames());
    }

    @Test
    void headerWhoseOnlyTextIsTheLabelNameIsDetected() throws IOException {
        CsvData d = CsvReader.read(csv("1,2,label\n0.5,0.25,1\n"));
        assertEquals(1, d.rows());
        assertEquals("label", d.labelName());
    }

    @Test
    void labelColumnByNameOrIndex() throws IOException {
        Path f = csv("y,x1,x2\n1,10,20\n0,30,40\n");
        CsvData byName = CsvReader.read(f, CsvReader.Options.defaults().withLabel("y"));
        assertArrayEquals(new int[] {1, 0}, byName.labels());
        assertArrayEquals(new float[] {10, 20, 30, 40}, byName.features());
        CsvData byIndex = CsvReader.read(f, CsvReader.Options.defaults().withLabel("0"));
        assertArrayEquals(byName.features(), byIndex.features());
        CsvData negative = CsvReader.read(f, CsvReader.Options.defaults().withLabel("-3"));
        assertArrayEquals(byName.labels(), negative.labels());

        var e = assertThrows(DataFormatException.class,
                () -> CsvReader.read(f, CsvReader.Options.defaults().withLabel("target")));
        assertTrue(e.getMessage().contains("no column named \"target\""), e.getMessage());
    }

    @Test
    void semicolonsAndQuotes() throws IOException {
        CsvData d = CsvReader.read(csv("\"a\";\"b;c\";class\n\"1\";2;\"cat \"\"x\"\"\"\n3;4;dog\n"),
                CsvReader.Options.defaults().withDelimiter(';'));
        assertEquals(List.of("a", "b;c"), d.featureNames());
        assertEquals(List.of("cat \"x\"", "dog"), d.classNames());
    }

    @Test
    void errorsNameFileLineAndColumn() throws IOException {
        Path f = csv("a,b,label\n1,2,0\n3,abc,1\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertEquals(f + ": line 3, column 2 (\"b\"): not a number: \"abc\"", e.getMessage());

        Path g = csv("a,b,label\n1,2,0\n3,4\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(g));
        assertEquals(g + ": line 3: 2 fields, expected 3 (as in the header)", e.getMessage());

        Path h = csv("1,,0\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(h, CsvReader.Options.defaults()
                .withHeader(CsvReader.Header.ABSENT)));
        assertTrue(e.getMessage().startsWith(h + ": line 1, column 2 (\"column2\"): empty value"), e.getMessage());

        Path nan = csv("a,label\nNaN,0\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(nan, CsvReader.Options.defaults()
                .withHeader(CsvReader.Header.PRESENT)));
        assertTrue(e.getMessage().contains("line 2, column 1 (\"a\"): not a finite decimal number"), e.getMessage());


        Path empty = csv("\n\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(empty));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void seededSplitIsAReproduciblePartition() throws IOException {
        StringBuilder sb = new StringBuilder("x,y\n");
        for (int i = 0; i < 100; i++) {
            sb.append(i).append(',').append(i % 3).append('\n');
        }
        CsvData d = CsvReader.read(csv(sb.toString()));
        Split a = d.split(0.2, 7);
        Split b = d.split(0.2, 7);
        Split c = d.split(0.2, 8);
        assertEquals(80, a.trainSize());
        assertEquals(20, a.testSize());
        assertEquals(3, a.classes());
        assertArrayEquals(a.trainFeatures(), b.trainFeatures());
        assertNotEquals(Arrays.toString(a.testFeatures()), Arrays.toString(c.testFeatures()));
        float[] all = new float[100];
        System.arraycopy(a.trainFeatures(), 0, all, 0, 80);
        System.arraycopy(a.testFeatures(), 0, all, 80, 20);
        for (int k = 0; k < 80; k++) {
            assertEquals((int) a.trainFeatures()[k] % 3, a.trainLabels()[k], "label travels with its row");
        }
        Arrays.sort(all);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, all[i], "every row exactly once");
        }
    }

    @Test
    void numericLabelsMustBeClassIndicesNamedByLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        java.nio.file.Path f = tmp.resolve("pm.csv");
        for (String[] c : new String[][] {
            {"1.0,2.0,-1\n3.0,4.0,1\n", "line 1, column 3 (\"column3\"): label -1 is negative"},
            {"1.0,2.0,0\n3.0,4.0,2.5\n", "line 2, column 3 (\"column3\"): label 2.5 is not a whole number"},
            {"1.0,2.0,0\n3.0,4.0,1\n5.0,6.0,1000000\n", "line 3, column 3 (\"column3\"): label 1000000 is too"
                    + " large for a class index: numeric labels are class indices 0..C-1, and 3 rows allow at most 256 classes"},
        }) {
            java.nio.file.Files.writeString(f, c[0]);
            DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DataFormatException.class,
                    () -> CsvReader.read(f));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 70000; i++) {
            many.append("1.0,").append(i == 5 ? 65536 : i % 3).append('\n');
        }
        java.nio.file.Files.writeString(f, many);
        DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DataFormatException.class,
                () -> CsvReader.read(f));
        assertTrue(e.getMessage().contains("line 6, column 2 (\"column2\"): label 65536 is too large"
                + " for a class index: numeric labels are class indices 0..C-1, and Nabla supports at most 65536 classes"),
                e.getMessage());
        // text in the column: class names, numbers among them included
        java.nio.file.Files.writeString(f, "1.0,2.0,-1\n3.0,4.0,one\n");
        assertEquals(List.of("-1", "one"), CsvReader.read(f).classNames());
    }
}
