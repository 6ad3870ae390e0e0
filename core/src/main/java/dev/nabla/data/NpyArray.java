package dev.nabla.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * One {@code .npy} file's data mapped into memory ({@link FileChannel#map} into a shared
 * {@link Arena}), read element by element or in runs converted to float. Offsets are
 * {@code long}, so files beyond 2 GB and arrays beyond 2³¹ elements work; the operating system
 * pages the data in as it is read, so the file may be larger than the heap and than RAM.
 *
 * <p>SAFETY: the mapping lives until {@link #close()}; a read after that throws
 * {@link IllegalStateException} (the arena checks), never touches freed memory. Reading from
 * several threads is safe (the segment is read-only and the arena shared). If the file is
 * truncated by someone else while mapped, a read past its new end fails with an
 * {@link InternalError} from the JVM, as with any mapped file.
 */
final class NpyArray implements AutoCloseable {

    private final Path file;
    private final NpyHeader header;
    private final Arena arena;
    private final MemorySegment data;
    private final NpyHeader.Type type;
    private final ValueLayout.OfShort shortLayout;
    private final ValueLayout.OfInt intLayout;
    private final ValueLayout.OfLong longLayout;
    private final ValueLayout.OfFloat floatLayout;
    private final ValueLayout.OfDouble doubleLayout;

    private NpyArray(Path file, NpyHeader header, Arena arena, MemorySegment data) {
        this.file = file;
        this.header = header;
        this.arena = arena;
        this.data = data;
        this.type = header.dtype().type();
        var order = header.dtype().order();
        this.shortLayout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        this.intLayout = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        this.longLayout = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
        this.floatLayout = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
        this.doubleLayout = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
    }

    /**
     * Opens and maps {@code file}: the header must be valid and the data exactly as long as it
     * says (a shorter file is truncated; a longer one holds something else too, e.g. a second
     * array saved into the same file, which Nabla does not guess at).
     */
    static NpyArray open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader header = NpyHeader.read(file, channel);
            long expected = header.dataBytes();
            long found = channel.size() - header.dataOffset();
            if (found < expected) {
                throw new DataFormatException(file, String.format(Locale.ROOT,
                        "truncated: the header says %s %s = %,d bytes of data after the %d-byte header, the file has"
                                + " %,d", header.dtype(), header.shapeText(), expected, header.dataOffset(), found));
            }
            if (found > expected) {
                throw new DataFormatException(file, String.format(Locale.ROOT,
                        "%,d bytes follow the %s %s array (%,d bytes of data); a second array saved into the same"
                                + " file? Nabla reads one array per .npy file", found - expected, header.dtype(),
                        header.shapeText(), expected));
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = expected == 0 ? arena.allocate(1)
                        : channel.map(FileChannel.MapMode.READ_ONLY, header.dataOffset(), expected, arena);
                return new NpyArray(file, header, arena, data);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    Path file() {
        return file;
    }

    NpyHeader header() {
        return header;
    }

    /**
     * Converts elements {@code first .. first + count - 1} to float into {@code dst} from
     * {@code offset}, as {@code arr.astype(np.float32)} would (integers above 2²⁴ round).
     */
    void readFloats(long first, int count, float[] dst, int offset) {
        long at = first * type.size;
        switch (type) {
            case FLOAT32 -> MemorySegment.copy(data, floatLayout, at, dst, offset, count);
            case FLOAT64 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = (float) data.get(doubleLayout, at + 8L * i);
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = Float.float16ToFloat(data.get(shortLayout, at + 2L * i));
                }
            }
            case UINT8, BOOL -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(ValueLayout.JAVA_BYTE, at + i) & 0xff;
                }
            }
            case INT8 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(ValueLayout.JAVA_BYTE, at + i);
                }
            }
            case INT16 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(shortLayout, at + 2L * i);
                }
            }
            case UINT16 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(shortLayout, at + 2L * i) & 0xffff;
                }
            }
            case INT32 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(intLayout, at + 4L * i);
                }
            }
            case UINT32 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(intLayout, at + 4L * i) & 0xffffffffL;
                }
            }
            case INT64 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = data.get(longLayout, at + 8L * i);
                }
            }
            case UINT64 -> {
                for (int i = 0; i < count; i++) {
                    long v = data.get(longLayout, at + 8L * i);
                    // NOTE: unsigned: a value above 2^63 reads as a negative long.
                    dst[offset + i] = v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
                }
            }
        }
    }

    /** Element {@code index} of an integer or bool array, exactly. */
    long readInteger(long index) {
        long at = index * type.size;
        return switch (type) {
            case BOOL, UINT8 -> data.get(ValueLayout.JAVA_BYTE, at) & 0xff;
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, at);
            case INT16 -> data.get(shortLayout, at);
            case UINT16 -> data.get(shortLayout, at) & 0xffff;
            case INT32 -> data.get(intLayout, at);
            case UINT32 -> data.get(intLayout, at) & 0xffffffffL;
            case INT64 -> data.get(longLayout, at);
            // NOTE: above 2^63 this is negative; callers treat it as out of range, which it is.
            case UINT64 -> data.get(longLayout, at);
            case FLOAT16, FLOAT32, FLOAT64 -> throw new IllegalStateException(file + " holds " + header.dtype()
                    + ", not integers");
        };
    }

    /** Unmaps the file; a second call does nothing. */
    @Override
    public void close() {
        synchronized (arena) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
