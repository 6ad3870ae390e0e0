package dev.nabla.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: a 4-byte big-endian magic number
 * ({@code 0x00 0x00 type rank}; type {@code 0x08} is unsigned byte), one 4-byte big-endian size per
 * dimension, then the values. Labels are rank 1 ({@code 0x00000801}), images rank 3
 * ({@code 0x00000803}).
 *
 * <p>Files may be gzip-compressed, as distributed, or raw; compression is detected from the gzip
 * magic bytes {@code 1f 8b}, not from the name, because people gunzip files and keep the name or
 * the other way round.
 *
 * <p>Everything is checked against the header: a truncated download, extra bytes after the data,
 * a damaged gzip stream or a label file passed as images each produce a
 * {@link DataFormatException} naming the file, with expected and found sizes where they apply.
 */
public final class IdxReader {

    /** Magic number of an unsigned-byte rank-1 IDX file (labels). */
    public static final int LABELS_MAGIC = 0x00000801;
    /** Magic number of an unsigned-byte rank-3 IDX file (images). */
    public static final int IMAGES_MAGIC = 0x00000803;

    private IdxReader() {}

    /** Reads an image file ({@code *-images-idx3-ubyte[.gz]}). */
    public static ImageSet readImages(Path file) throws IOException {
        try (Source in = Source.open(file)) {
            in.header(IMAGES_MAGIC, "image");
            int count = in.dimension("image count");
            int rows = in.dimension("row count");
            int cols = in.dimension("column count");
            long bytes = (long) count * rows * cols;
            if (bytes > Integer.MAX_VALUE - 16) {
                throw new DataFormatException(file, String.format(Locale.ROOT,
                        "header says %d images of %dx%d = %,d bytes, more than one array can hold", count, rows, cols, bytes));
            }
            String what = String.format(Locale.ROOT, "%d images of %dx%d", count, rows, cols);
            byte[] pixels = in.payload((int) bytes, 16, what);
            return new ImageSet(count, rows, cols, pixels);
        }
    }

    /** Reads a label file ({@code *-labels-idx1-ubyte[.gz]}): one unsigned byte per sample. */
    public static int[] readLabels(Path file) throws IOException {
        try (Source in = Source.open(file)) {
            in.header(LABELS_MAGIC, "label");
            int count = in.dimension("label count");
            byte[] raw = in.payload(count, 8, String.format(Locale.ROOT, "%d labels", count));
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        }
    }

    /** A buffered, possibly gunzipped view of one file that words its errors with the file name. */
    private static final class Source implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final boolean gzip;
        private long position;
        /** What the header promised, once known, for error messages. */
        private String expected = "";

        private Source(Path file, InputStream in, boolean gzip) {
            this.file = file;
            this.in = in;
            this.gzip = gzip;
        }

        static Source open(Path file) throws IOException {
            BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            try {
                raw.mark(2);
                int b0 = raw.read();
                int b1 = raw.read();
                raw.reset();
                boolean gzip = b0 == 0x1f && b1 == 0x8b;
                InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
                return new Source(file, in, gzip);
            } catch (ZipException | EOFException e) {
                raw.close();
                throw new DataFormatException(file, "corrupt gzip header: " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        private String bytesWord() {
            return gzip ? "bytes (decompressed)" : "bytes";
        }

        int header(int expectedMagic, String kind) throws IOException {
            // The magic number is the first word: where the file ends before it, position is all it has.
            int magic = nextWord(() -> String.format(Locale.ROOT,
                    "not an IDX %s file: only %d %s, too short for the 4-byte magic number", kind, position,
                    bytesWord()));
            if (magic != expectedMagic) {
                String hint = "";
                if (magic == LABELS_MAGIC) {
                    hint = "; this is an IDX label file, were images and labels swapped?";
                } else if (magic == IMAGES_MAGIC) {
                    hint = "; this is an IDX image file, were images and labels swapped?";
                } else if ((magic >>> 16) == 0 && (magic >>> 8 & 0xff) != 0x08) {
                    hint = String.format(Locale.ROOT, "; element type 0x%02x is not unsigned byte", magic >>> 8 & 0xff);
                }
                throw new DataFormatException(file, String.format(Locale.ROOT,
                        "not an IDX %s file (magic 0x%08X, expected 0x%08X)%s", kind, magic, expectedMagic, hint));
            }
            return magic;
        }

        int dimension(String what) throws IOException {
            int v = nextWord(() -> String.format(Locale.ROOT,
                    "truncated: the header ends before the %s (%d %s in all)", what, position, bytesWord()));
            if (v < 0) {
                throw new DataFormatException(file, String.format(Locale.ROOT, "header has an impossible %s %d",
                        what, Integer.toUnsignedLong(v)));
            }
            return v;
        }

        /**
         * The next 4-byte big-endian word of the header; where the file ends first, a
         * {@link DataFormatException} with the {@code tooShort} message (built after the read, so
         * it sees the final {@link #position}).
         */
        private int nextWord(Supplier<String> tooShort) throws IOException {
            byte[] b = new byte[4];
            if (readFully(b, 0, 4) < 4) {
                throw new DataFormatException(file, tooShort.get());
            }
            return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        }

        /** Reads exactly {@code size} data bytes and checks nothing follows them. */
        byte[] payload(int size, int headerSize, String what) throws IOException {
            expected = String.format(Locale.ROOT, "header says %s = %,d %s", what, (long) size + headerSize,
                    bytesWord());
            // NOTE: the buffer grows as data arrives instead of trusting the header's size up
            // front: a corrupt header declaring 2 GB must give this message, not OutOfMemoryError.
            byte[] data = new byte[Math.min(size, 1 << 20)];
            int n = 0;
            while (n < size) {
                if (n == data.length) {
                    data = java.util.Arrays.copyOf(data, (int) Math.min(size, 2L * data.length));
                }
                int r = readFully(data, n, data.length - n);
                n += r;
                if (n < data.length) {
                    break;
                }
            }
            if (n < size) {
                throw new DataFormatException(file, String.format(Locale.ROOT, "truncated: %s, found %,d", expected,
                        position));
            }
            long extra = 0;
            try {
                extra = in.skip(Long.MAX_VALUE);
                while (in.read() >= 0) { // skip may stop early; read() tells the truth
                    extra += 1 + in.skip(Long.MAX_VALUE);
                }
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
            if (extra > 0) {
                throw new DataFormatException(file, String.format(Locale.ROOT,
                        "unexpected trailing data: header says %s = %,d %s, found %,d", what, (long) size + headerSize,
                        bytesWord(), position + extra));
            }
            return data;
        }

        /** Reads up to {@code len} bytes; fewer only at end of input. */
        private int readFully(byte[] b, int off, int len) throws IOException {
            int total = 0;
            try {
                while (total < len) {
                    // Small reads keep position exact if the stream breaks in the middle.
                    int r = in.read(b, off + total, Math.min(len - total, 1 << 16));
                    if (r < 0) {
                        break;
                    }
                    total += r;
                    position += r;
                }
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
            return total;
        }

        private DataFormatException corrupt(IOException e) {
            // GZIPInputStream reports a cut-off download as EOFException and damaged bytes (or a
            // wrong CRC in the trailer) as ZipException; both mean "download it again".
            String kind = e instanceof EOFException ? "truncated gzip stream" : "corrupt gzip data";
            return new DataFormatException(file, String.format(Locale.ROOT,
                    "%s after %,d decompressed bytes%s (%s); download the file again", kind, position,
                    expected.isEmpty() ? "" : "; " + expected, e.getMessage()), e);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
