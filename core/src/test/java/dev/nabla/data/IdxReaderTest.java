package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabelsRawOrGzipped(boolean gz) throws IOException {
        byte[] img = IdxFiles.images(4, 3, 2);
        byte[] lab = IdxFiles.labels(0, 5, 9, 200);
        // Names deliberately lie about compression: detection is by magic bytes.
        Path images = dir.resolve("images.bin");
        Path labels = dir.resolve("labels.gz");
        Files.write(images, gz ? IdxFiles.gzip(img) : img);
        Files.write(labels, gz ? IdxFiles.gzip(lab) : lab);

        ImageSet set = IdxReader.readImages(images);
        assertEquals(4, set.count());
        assertEquals(3, set.rows());
        assertEquals(2, set.cols());
        assertArrayEquals(Arrays.copyOfRange(img, 16, img.length), set.pixels());
        float[] f = set.toFloats();
        for (int i = 0; i < f.length; i++) {
            assertEquals((img[16 + i] & 0xff) / 255f, f[i]);
            assertTrue(f[i] >= 0f && f[i] <= 1f);
        }
        assertEquals(img[16 + (2 * 3 + 1) * 2 + 1] & 0xff, set.pixel(2, 1, 1));
        assertEquals(2 * 6, set.toFloats(2).length);

        assertArrayEquals(new int[] {0, 5, 9, 200}, IdxReader.readLabels(labels), "unsigned bytes");
    }

    @Test
    void badMagicNamesFileAndBothNumbers() throws IOException {
        Path f = dir.resolve("train-images-idx3-ubyte");
        Files.write(f, new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0});
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        assertEquals(f + ": not an IDX image file (magic 0x504B0304, expected 0x00000803)", e.getMessage());
        assertEquals(f, e.file());
    }

    @Test
    void swappedImagesAndLabelsAreExplained() throws IOException {
        Path f = dir.resolve("labels");
        Files.write(f, IdxFiles.labels(1, 2));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.getMessage().contains("magic 0x00000801, expected 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("swapped"), e.getMessage());
        Path g = dir.resolve("images");
        Files.write(g, IdxFiles.images(1, 1, 1));
        e = assertThrows(DataFormatException.class, () -> IdxReader.readLabels(g));
        assertTrue(e.getMessage().contains("not an IDX label file (magic 0x00000803, expected 0x00000801)"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedPayloadReportsExpectedAndFoundSizes(boolean gz) throws IOException {
        byte[] full = IdxFiles.images(5, 28, 28); // 16 + 3920 bytes
        byte[] cut = Arrays.copyOf(full, 1234);
        Path f = dir.resolve("t10k-images-idx3-ubyte" + (gz ? ".gz" : ""));
        Files.write(f, gz ? IdxFiles.gzip(cut) : cut); // a valid gzip of a short file
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        String unit = gz ? "bytes (decompressed)" : "bytes";
        assertEquals(f + ": truncated: header says 5 images of 28x28 = 3,936 " + unit + ", found 1,234", e.getMessage());
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        Path f = dir.resolve("short");
        Files.write(f, Arrays.copyOf(IdxFiles.images(1, 2, 2), 10));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.getMessage().startsWith(f + ": truncated: the header ends before the row count"), e.getMessage());
        Files.write(f, new byte[0]);
        e = assertThrows(DataFormatException.class, () -> IdxReader.readLabels(f));
        assertTrue(e.getMessage().contains("too short for the 4-byte magic number"), e.getMessage());
    }

    @Test
    void trailingDataIsRefused() throws IOException {
        byte[] full = IdxFiles.labels(1, 2, 3);
        Path f = dir.resolve("labels");
        Files.write(f, Arrays.copyOf(full, full.length + 2));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readLabels(f));
        assertEquals(f + ": unexpected trailing data: header says 3 labels = 11 bytes, found 13", e.getMessage());
    }

    @Test
    void cutOffGzipDownloadIsReported() throws IOException {
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        var e = readHalfADownload(f, 50);
        assertTrue(e.getMessage().startsWith(f + ": truncated gzip stream after "), e.getMessage());
        assertTrue(e.getMessage().contains("download the file again"), e.getMessage());
    }

    @Test
    void damagedGzipIsReported() throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(50, 28, 28));
        gz[gz.length - 6] ^= 0x55; // inside the CRC32 trailer: inflation succeeds, the check fails
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        Files.write(f, gz);
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.getMessage().startsWith(f + ": corrupt gzip data"), e.getMessage());

        byte[] gz2 = IdxFiles.gzip(IdxFiles.images(50, 28, 28));
        gz2[3] = (byte) 0xff; // reserved header flag bits
        Files.write(f, gz2);
        e = assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.getMessage().startsWith(f + ": corrupt gzip"), e.getMessage());
    }

    @Test
    void cutOffGzipDownloadSaysWhatTheHeaderPromised() throws IOException {
        var e = readHalfADownload(dir.resolve("t10k-images-idx3-ubyte.gz"), 2000);
        assertTrue(e.getMessage().contains("header says 2000 images of 28x28 = 1,568,016 bytes"), e.getMessage());
        long found = Long.parseLong(e.getMessage().replaceAll(".*after ([0-9,]+) decompressed.*", "$1").replace(",", ""));
        assertTrue(found > 16, "the decompressed bytes are counted: " + e.getMessage());
    }

    /** Writes the first half of a gzipped file of {@code images} 28x28 images, as a cut-off download, and reads it. */
    private static DataFormatException readHalfADownload(Path f, int images) throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(images, 28, 28));
        Files.write(f, Arrays.copyOf(gz, gz.length / 2));
        return assertThrows(DataFormatException.class, () -> IdxReader.readImages(f));
    }

    @Test
    void aHeaderDeclaringHugeSizesIsTruncationNotOutOfMemory() throws IOException {
        // 2,000,000,000 labels declared, 2 present: the reader must not allocate 2 GB first
        byte[] raw = {0, 0, 8, 1, 0x77, 0x35, (byte) 0x94, 0, 1, 2};
        Path f = dir.resolve("train-labels-idx1-ubyte");
        Files.write(f, raw);
        var e = assertThrows(DataFormatException.class, () -> IdxReader.readLabels(f));
        assertTrue(e.getMessage().contains("truncated: header says 2000000000 labels"), e.getMessage());
    }
}
