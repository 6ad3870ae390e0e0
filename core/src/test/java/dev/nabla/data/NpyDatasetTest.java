package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NpyDataset} against files written byte by byte ({@link NpyFiles}): every dtype, the three
 * format versions, multi-dimensional rows, value targets, a file beyond 4 GB and 2³¹ elements, and
 * each kind of bad input, refused with the file's name before any training.
 */
class NpyDatasetTest {

    /** Three rows of four features, as floats: row r is r*10 + 0..3, with a fraction. */
    private static final float[] ROWS = {0.5f, 1, 2, 3, 10.25f, 11, 12, 13, 20, 21, 22, -23.75f};

    private static float[] features(Dataset d) {
        float[] out = new float[d.size() * d.featureCount()];
        for (int i = 0; i < d.size(); i++) {
            d.readFeatures(i, out, i * d.featureCount());
        }
        return out;
    }

    private static Path labels(Path dir, long... values) throws IOException {
        return NpyFiles.write(dir.resolve("y.npy"), "<i8", NpyFiles.int64(values), values.length);
    }

    @Test
    void float32RowsAndInt64LabelsMatchTheSameRowsInMemory(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 3, 4);
        InMemoryDataset expected = InMemoryDataset.ofClasses("memory", ROWS, 4, new int[] {2, 0, 1}, 3);
        try (NpyDataset d = NpyDataset.open(x, labels(dir, 2, 0, 1))) {
            assertEquals(3, d.size());
            assertEquals(4, d.featureCount());
            assertEquals(Dataset.TargetKind.CLASS_INDEX, d.targetKind());
            assertEquals(3, d.classes());
            assertArrayEquals(features(expected), features(d));
            float[] bulk = new float[8];
            d.readRows(1, 2, bulk, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(ROWS, 4, 12), bulk);
            for (int i = 0; i < 3; i++) {
                assertEquals(expected.label(i), d.label(i));
            }
            // the loader's batch fill: rows in any order
            float[] batch = new float[8];
            int[] y = new int[2];
            d.fill(new int[] {2, 0}, 0, 2, batch, y, null);
            assertArrayEquals(new float[] {20, 21, 22, -23.75f, 0.5f, 1, 2, 3}, batch);
            assertArrayEquals(new int[] {1, 2}, y);
        }
    }

    @Test
    void everyFeatureDtypeConvertsAsAstypeFloat32(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1);
        record Case(String descr, byte[] data, float[] expected) {}
        Case[] cases = {
            new Case("<f2", NpyFiles.float16(0.5f, -2, 1024, 0.125f), new float[] {0.5f, -2, 1024, 0.125f}),
            new Case("<f8", NpyFiles.float64(0.1, -2, 1e10, 3), new float[] {0.1f, -2, 1e10f, 3}),
            new Case(">f4", NpyFiles.float32(ByteOrder.BIG_ENDIAN, 1.5f, -2, 3, 4), new float[] {1.5f, -2, 3, 4}),
            new Case("|u1", NpyFiles.int8(0, 255, 128, 7), new float[] {0, 255, 128, 7}),
            new Case("|i1", NpyFiles.int8(-128, 127, -1, 0), new float[] {-128, 127, -1, 0}),
            new Case("|b1", NpyFiles.int8(1, 0, 0, 1), new float[] {1, 0, 0, 1}),
            new Case("<i2", NpyFiles.int16(-32768, 32767, -1, 5), new float[] {-32768, 32767, -1, 5}),
            new Case("<u2", NpyFiles.int16(65535, 0, 1, 40000), new float[] {65535, 0, 1, 40000}),
            new Case("<i4", NpyFiles.int32(-7, 1 << 30, 0, 9), new float[] {-7, 1 << 30, 0, 9}),
            new Case("<u4", NpyFiles.int32(0xFFFFFFFFL, 3, 0, 1), new float[] {4294967295f, 3, 0, 1}),
            new Case("<i8", NpyFiles.int64(-5, 1L << 40, 0, 2), new float[] {-5, 1L << 40, 0, 2}),
            new Case(">i8", NpyFiles.int64(ByteOrder.BIG_ENDIAN, -5, 1L << 40, 0, 2), new float[] {-5, 1L << 40, 0, 2}),
            new Case("<u8", NpyFiles.int64(-1L, 3, 0, 1), new float[] {1.8446744e19f, 3, 0, 1}),
        };
        for (Case c : cases) {
            Path x = NpyFiles.write(dir.resolve("x.npy"), c.descr(), c.data(), 2, 2);
            try (NpyDataset d = NpyDataset.open(x, y)) {
                assertArrayEquals(c.expected(), features(d), c.descr());
            }
        }
    }

    @Test
    void formatVersionsOneTwoAndThreeReadAlike(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1, 1);
        for (int version = 1; version <= 3; version++) {
            Path x = NpyFiles.write(dir.resolve("x" + version + ".npy"), version,
                    NpyFiles.dict("<f4", false, 3, 4), NpyFiles.float32(ROWS));
            try (NpyDataset d = NpyDataset.open(x, y)) {
                assertEquals(version, d.featuresHeader().major());
                assertArrayEquals(ROWS, features(d), "version " + version);
            }
        }
        // Python 2 wrote 3L for a long; NumPy still reads such headers.
        Path old = NpyFiles.write(dir.resolve("old.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }", NpyFiles.float32(ROWS));
        try (NpyDataset d = NpyDataset.open(old, y)) {
            assertArrayEquals(ROWS, features(d));
        }
    }

    @Test
    void rowsOfSeveralDimensionsAreFlattenedInCOrder(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 2, 3, 2);
        try (NpyDataset d = NpyDataset.open(x, labels(dir, 0, 1))) {
            assertEquals(6, d.featureCount());
            float[] row = new float[6];
            d.readFeatures(1, row, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(ROWS, 6, 12), row);
        }
        Path single = NpyFiles.write(dir.resolve("s.npy"), "<f4", NpyFiles.float32(1, 2), 2);
        try (NpyDataset d = NpyDataset.open(single, labels(dir, 0, 1))) {
            assertEquals(1, d.featureCount(), "a 1-D array is one feature per row");
        }
    }

    @Test
    void floatTargetsAreValuesAndIntegerColumnsAreClasses(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 3, 4);
        Path values = NpyFiles.write(dir.resolve("v.npy"), "<f8", NpyFiles.float64(1.5, -2, 3, 4, 5, 6), 3, 2);
        try (NpyDataset d = NpyDataset.open(x, values)) {
            assertEquals(Dataset.TargetKind.VALUES, d.targetKind());
            assertEquals(2, d.targetWidth());
            assertEquals(0, d.classes());
            float[] t = new float[2];
            d.readTargets(0, t, 0);
            assertArrayEquals(new float[] {1.5f, -2}, t);
            float[] batch = new float[8];
            float[] targets = new float[4];
            d.fill(new int[] {2, 1}, 0, 2, batch, null, targets);
            assertArrayEquals(new float[] {5, 6, 3, 4}, targets);
            assertThrows(IllegalStateException.class, () -> d.label(0));
        }
        Path column = NpyFiles.write(dir.resolve("c.npy"), "<i4", NpyFiles.int32(4, 0, 2), 3, 1);
        try (NpyDataset d = NpyDataset.open(x, column)) {
            assertEquals(Dataset.TargetKind.CLASS_INDEX, d.targetKind());
            assertEquals(5, d.classes(), "classes 0..max");
            assertEquals(4, d.label(0));
        }
        Path bools = NpyFiles.write(dir.resolve("b.npy"), "|b1", NpyFiles.int8(1, 0, 1), 3);
        try (NpyDataset d = NpyDataset.open(x, bools)) {
            assertEquals(2, d.classes());
        }
    }

    @Test
    void aFortranOrderArrayIsRefusedUnlessOnlyOneDimensionIsLong(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1, 2);
        Path fortran = NpyFiles.write(dir.resolve("f.npy"), 1, NpyFiles.dict("<f4", true, 3, 4),
                NpyFiles.float32(ROWS));
        DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(fortran, y));
        assertEquals(fortran, e.file());
        assertTrue(e.getMessage().contains("Fortran") && e.getMessage().contains("np.ascontiguousarray"),
                e.getMessage());
        // (3, 1) is laid out the same way in both orders
        Path column = NpyFiles.write(dir.resolve("c.npy"), 1, NpyFiles.dict("<f4", true, 3, 1),
                NpyFiles.float32(1, 2, 3));
        try (NpyDataset d = NpyDataset.open(column, y)) {
            assertArrayEquals(new float[] {1, 2, 3}, features(d));
        }
    }

    @Test
    void unsupportedDtypesAreNamed(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1);
        for (String descr : new String[] {"<c8", "<U5", "|O", "<M8[ns]", "|S3", "<f16", "<x4"}) {
            Path x = NpyFiles.write(dir.resolve("x.npy"), descr, new byte[64], 2);
            DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(x, y), descr);
            assertTrue(e.getMessage().contains("unsupported dtype '" + descr + "'"), e.getMessage());
            assertTrue(e.getMessage().startsWith(x.toString()), e.getMessage());
        }
        Path structured = NpyFiles.write(dir.resolve("r.npy"), 1,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(structured, y));
        assertTrue(e.getMessage().contains("structured"), e.getMessage());
    }

    @Test
    void aTruncatedOrOverlongBodyIsRefused(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1, 2);
        byte[] data = NpyFiles.float32(ROWS);
        Path cut = NpyFiles.write(dir.resolve("cut.npy"), "<f4", java.util.Arrays.copyOf(data, data.length - 3), 3, 4);
        DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(cut, y));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("48 bytes of data")
                && e.getMessage().contains("the file has 45"), e.getMessage());
        Path longer = NpyFiles.write(dir.resolve("long.npy"), "<f4", java.util.Arrays.copyOf(data, data.length + 8),
                3, 4);
        e = assertThrows(DataFormatException.class, () -> NpyDataset.open(longer, y));
        assertTrue(e.getMessage().contains("8 bytes follow"), e.getMessage());
        Path headerOnly = dir.resolve("h.npy");
        Files.write(headerOnly, java.util.Arrays.copyOf(NpyFiles.header(1, NpyFiles.dict("<f4", false, 3, 4)), 30));
        e = assertThrows(DataFormatException.class, () -> NpyDataset.open(headerOnly, y));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badHeadersAreRefusedWithTheFileName(@TempDir Path dir) throws IOException {
        Path y = labels(dir, 0, 1);
        Path text = Files.writeString(dir.resolve("t.npy"), "a,b\n1,2\n");
        assertMessage(() -> NpyDataset.open(text, y), text, "not a NumPy .npy file");
        Path zip = Files.write(dir.resolve("z.npy"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertMessage(() -> NpyDataset.open(zip, y), zip, ".npz archive");
        Path v4 = NpyFiles.write(dir.resolve("v4.npy"), 2, NpyFiles.dict("<f4", false, 2), NpyFiles.float32(1, 2));
        byte[] bytes = Files.readAllBytes(v4);
        bytes[6] = 4;
        Files.write(v4, bytes);
        assertMessage(() -> NpyDataset.open(v4, y), v4, "format version 4.0 is not supported");
        Path missingKey = NpyFiles.write(dir.resolve("k.npy"), 1, "{'descr': '<f4', 'shape': (2,), }",
                NpyFiles.float32(1, 2));
        assertMessage(() -> NpyDataset.open(missingKey, y), missingKey, "keys descr, fortran_order and shape");
        Path garbage = NpyFiles.write(dir.resolve("g.npy"), 1, "{'descr': '<f4', 'fortran_order': Maybe, }",
                NpyFiles.float32(1, 2));
        assertMessage(() -> NpyDataset.open(garbage, y), garbage, "not a Python literal");
        Path badShape = NpyFiles.write(dir.resolve("s.npy"), 1, "{'descr': '<f4', 'fortran_order': False,"
                + " 'shape': (2, -1), }", NpyFiles.float32(1, 2));
        assertMessage(() -> NpyDataset.open(badShape, y), badShape, "non-negative integers");
        Path scalar = NpyFiles.write(dir.resolve("0d.npy"), 1, NpyFiles.dict("<f4", false), NpyFiles.float32(1));
        assertMessage(() -> NpyDataset.open(scalar, y), scalar, "single value");
    }

    @Test
    void targetsThatDoNotFitTheFeaturesAreRefused(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 3, 4);
        Path two = labels(dir, 0, 1);
        assertMessage(() -> NpyDataset.open(x, two), two, "has 2 rows (shape (2,)) but the features " + x
                + " have 3 (shape (3, 4))");
        Path nan = NpyFiles.write(dir.resolve("nan.npy"), "<f4", NpyFiles.float32(1, 2, Float.NaN), 3);
        assertMessage(() -> NpyDataset.open(x, nan), nan, "row 2 is NaN; regression targets must be finite");
        Path inf = NpyFiles.write(dir.resolve("inf.npy"), "<f8", NpyFiles.float64(1, 2, 3, 4, 5, 1e300), 3, 2);
        assertMessage(() -> NpyDataset.open(x, inf), inf, "row 2 column 1 is Infinity");
        Path negative = NpyFiles.write(dir.resolve("neg.npy"), "<i8", NpyFiles.int64(0, -1, 2), 3);
        assertMessage(() -> NpyDataset.open(x, negative), negative, "row 1 holds the class index -1");
        Path huge = NpyFiles.write(dir.resolve("huge.npy"), "<i8", NpyFiles.int64(0, 1, 1L << 40), 3);
        assertMessage(() -> NpyDataset.open(x, huge), huge, "row 2 holds the class index 1099511627776");
        Path wide = NpyFiles.write(dir.resolve("w.npy"), "<i8", NpyFiles.int64(0, 1, 2, 3, 4, 5), 3, 2);
        assertMessage(() -> NpyDataset.open(x, wide), wide, "one per row");
    }

    @Test
    void aTestLabelOutsideTheTrainingClassesIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 3, 4);
        Path y = labels(dir, 0, 1, 1);
        Path testY = NpyFiles.write(dir.resolve("ty.npy"), "<i4", NpyFiles.int32(1, 0, 2), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(
                "npy:" + x + "," + y, "npy:" + x + "," + testY, Optional.empty()));
        assertTrue(e.getMessage().contains("row 2 has the class index 2, outside the training set's 2 classes 0..1")
                && e.getMessage().contains(testY.toString()), e.getMessage());
        Path values = NpyFiles.write(dir.resolve("v.npy"), "<f4", NpyFiles.float32(1, 2, 3), 3);
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load("npy:" + x + "," + y,
                "npy:" + x + "," + values, Optional.empty()));
        assertTrue(e.getMessage().contains("real-valued target"), e.getMessage());
        try (TrainingData data = DataSources.load("npy:" + x + "," + y, "", Optional.empty())) {
            assertTrue(data.test().isEmpty());
            assertEquals(2, data.classes());
        }
    }

    /**
     * A 4 GiB file of 2³² uint8 elements (sparse: only the marked bytes take disk space): rows past
     * the 2 GB and 4 GB marks read back exactly, so offsets are longs all the way.
     */
    @Test
    void aFileBeyondFourGigabytesAndTwoToThe31ElementsReads(@TempDir Path dir) throws IOException {
        int rows = 1 << 22;
        int features = 1 << 10;
        Path x = dir.resolve("big.npy");
        byte[] header = NpyFiles.header(1, NpyFiles.dict("|u1", false, rows, features));
        try (RandomAccessFile file = new RandomAccessFile(x.toFile(), "rw")) {
            file.write(header);
            file.setLength(header.length + (long) rows * features);
            long row = (1L << 31) / features + 3; // past 2^31 elements
            file.seek(header.length + row * features + 5);
            file.write(new byte[] {7, 8});
            file.seek(header.length + (long) (rows - 1) * features + features - 1); // the very last byte
            file.write(9);
        }
        Path y = dir.resolve("big-y.npy");
        byte[] yHeader = NpyFiles.header(1, NpyFiles.dict("|u1", false, rows));
        try (RandomAccessFile file = new RandomAccessFile(y.toFile(), "rw")) {
            file.write(yHeader);
            file.setLength(yHeader.length + rows);
            file.seek(yHeader.length + rows - 1);
            file.write(3);
        }
        try (NpyDataset d = NpyDataset.open(x, y)) {
            assertEquals(rows, d.size());
            assertEquals(4, d.classes());
            float[] row = new float[features];
            d.readFeatures((int) ((1L << 31) / features + 3), row, 0);
            assertEquals(7, row[5]);
            assertEquals(8, row[6]);
            assertEquals(0, row[7]);
            d.readFeatures(rows - 1, row, 0);
            assertEquals(9, row[features - 1]);
            assertEquals(3, d.label(rows - 1));
        }
    }

    @Test
    void readsAfterCloseFailCleanly(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(ROWS), 3, 4);
        NpyDataset d = NpyDataset.open(x, labels(dir, 0, 1, 2));
        d.close();
        d.close(); // twice is fine
        assertThrows(IllegalStateException.class, () -> d.readFeatures(0, new float[4], 0));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable open, Path file, String text) {
        DataFormatException e = assertThrows(DataFormatException.class, open);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(text),
                "expected '" + text + "' in: " + e.getMessage());
    }
}
