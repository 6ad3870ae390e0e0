package dev.nabla.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for tests. */
final class IdxFiles {
    private IdxFiles() {}

    static byte[] images(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count * rows * cols; i++) {
            b.put((byte) (i * 7 + 3)); // covers 0..255 including values > 127
        }
        return b.array();
    }

    static byte[] labels(int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    /** Writes a complete tiny dataset (3 train, 2 test images of 2x2) into {@code dir}. */
    static void writeDataset(Path dir, boolean gz) throws IOException {
        Files.createDirectories(dir);
        String ext = gz ? ".gz" : "";
        Files.write(dir.resolve(ImageDataset.TRAIN_IMAGES + ext), maybeGzip(images(3, 2, 2), gz));
        Files.write(dir.resolve(ImageDataset.TRAIN_LABELS + ext), maybeGzip(labels(0, 9, 4), gz));
        Files.write(dir.resolve(ImageDataset.TEST_IMAGES + ext), maybeGzip(images(2, 2, 2), gz));
        Files.write(dir.resolve(ImageDataset.TEST_LABELS + ext), maybeGzip(labels(1, 2), gz));
    }

    private static byte[] maybeGzip(byte[] raw, boolean gz) throws IOException {
        return gz ? gzip(raw) : raw;
    }
}
