package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NpyDataset} against files NumPy itself writes ({@code np.save}, and
 * {@code numpy.lib.format.write_array} for each format version), each compared with the same
 * values NumPy converts with {@code astype('<f4')} and writes raw. Skipped, with the reason, where
 * {@code /usr/bin/python3} with NumPy is not installed.
 */
class NpyNumpyTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final int ROWS = 37;
    private static final int FEATURES = 15;

    private static final String SCRIPT = """
            import os, sys
            import numpy as np
            from numpy.lib import format as fmt
            d = sys.argv[1]
            rng = np.random.default_rng(0)
            base = rng.standard_normal((37, 3, 5)) * 100
            cases = {
                'f4': base.astype(np.float32), 'f2': base.astype(np.float16), 'f8': base,
                'u1': np.clip(base, 0, 255).astype(np.uint8), 'i1': np.clip(base, -128, 127).astype(np.int8),
                'i2': base.astype(np.int16), 'i4': base.astype(np.int32), 'i8': base.astype(np.int64),
                'u2': np.abs(base).astype(np.uint16), 'b1': base > 0, 'bef4': base.astype('>f4'),
                'bei8': base.astype('>i8'),
            }
            for name, arr in cases.items():
                np.save(os.path.join(d, name + '.npy'), arr)
                arr.astype('<f4').tofile(os.path.join(d, name + '.f32'))
            for major in (1, 2, 3):
                with open(os.path.join(d, 'v%d.npy' % major), 'wb') as f:
                    fmt.write_array(f, base.astype(np.float32), version=(major, 0))
            labels = rng.integers(0, 10, 37)
            np.save(os.path.join(d, 'labels.npy'), labels)
            np.save(os.path.join(d, 'labels32.npy'), labels.astype(np.int32))
            labels.astype('<i4').tofile(os.path.join(d, 'labels.i32'))
            values = rng.standard_normal(37)
            np.save(os.path.join(d, 'values.npy'), values)
            values.astype('<f4').tofile(os.path.join(d, 'values.f32'))
            np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(base.reshape(37, 15)))
            print(np.__version__)
            """;

    @TempDir
    static Path dir;
    private static String numpyVersion;

    @BeforeAll
    static void numpyWritesTheFiles() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        Process p = new ProcessBuilder(PYTHON, "-c", SCRIPT, dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python timed out");
        Assumptions.assumeFalse(output.contains("No module named 'numpy'"), PYTHON + " has no NumPy: " + output);
        assertEquals(0, p.exitValue(), output);
        numpyVersion = output;
    }

    private static float[] raw(String file, int count) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static float[] all(Dataset d) {
        float[] out = new float[d.size() * d.featureCount()];
        d.readRows(0, d.size(), out, 0);
        return out;
    }

    @Test
    void everyDtypeNumpySavesReadsAsItsAstypeFloat32() throws IOException {
        for (String name : List.of("f4", "f2", "f8", "u1", "i1", "i2", "i4", "i8", "u2", "b1", "bef4", "bei8")) {
            try (NpyDataset d = NpyDataset.open(dir.resolve(name + ".npy"), dir.resolve("labels.npy"))) {
                assertEquals(ROWS, d.size(), name);
                assertEquals(FEATURES, d.featureCount(), name + ": (37, 3, 5) is 15 features a row");
                assertArrayEquals(raw(name + ".f32", ROWS * FEATURES), all(d), name + " (NumPy " + numpyVersion + ")");
            }
        }
    }

    @Test
    void eachFormatVersionNumpyWritesReads() throws IOException {
        float[] expected = raw("f4.f32", ROWS * FEATURES);
        for (int major = 1; major <= 3; major++) {
            try (NpyDataset d = NpyDataset.open(dir.resolve("v" + major + ".npy"), dir.resolve("labels32.npy"))) {
                assertEquals(major, d.featuresHeader().major());
                assertArrayEquals(expected, all(d), "version " + major);
            }
        }
    }

    @Test
    void numpyDefaultInt64LabelsAndFloat64ValuesRead() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("labels.i32"))).order(ByteOrder.LITTLE_ENDIAN);
        try (NpyDataset d = NpyDataset.open(dir.resolve("f4.npy"), dir.resolve("labels.npy"))) {
            assertEquals(Dataset.TargetKind.CLASS_INDEX, d.targetKind());
            for (int i = 0; i < ROWS; i++) {
                assertEquals(b.getInt(4 * i), d.label(i), "row " + i);
            }
        }
        float[] expected = raw("values.f32", ROWS);
        try (NpyDataset d = NpyDataset.open(dir.resolve("f4.npy"), dir.resolve("values.npy"))) {
            assertEquals(Dataset.TargetKind.VALUES, d.targetKind());
            float[] t = new float[1];
            for (int i = 0; i < ROWS; i++) {
                d.readTargets(i, t, 0);
                assertEquals(expected[i], t[0], "row " + i);
            }
        }
    }

    @Test
    void aFortranOrderArrayNumpySavesIsRefused() {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> NpyDataset.open(dir.resolve("fortran.npy"), dir.resolve("labels.npy")));
        assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
    }
}
