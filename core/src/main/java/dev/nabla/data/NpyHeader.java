package dev.nabla.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The header of a NumPy {@code .npy} file, as {@code numpy.lib.format} defines it: the magic
 * {@code \x93NUMPY}, a major and minor version byte, the header's length (2 bytes little-endian in
 * version 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal with exactly the keys
 * {@code descr} (the dtype, e.g. {@code '<f4'}), {@code fortran_order} and {@code shape}, padded
 * with spaces and a newline; the data follows. Version 3.0 allows UTF-8 in the header, the others
 * Latin-1.
 *
 * @param major        format version, 1 to 3
 * @param minor        minor version (0 in every version NumPy writes)
 * @param dtype        the element type
 * @param fortranOrder whether the data is in column-major (Fortran) order
 * @param shape        the array's dimensions
 * @param dataOffset   where the data starts in the file
 */
public record NpyHeader(int major, int minor, Dtype dtype, boolean fortranOrder, long[] shape, long dataOffset) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** A header longer than this is not one NumPy wrote (its own limit for reading is 10,000). */
    private static final int MAX_HEADER = 1 << 20;

    /** Element types Nabla reads, by NumPy kind character and size. */
    public enum Type {
        BOOL('b', 1), INT8('i', 1), UINT8('u', 1), INT16('i', 2), UINT16('u', 2), INT32('i', 4), UINT32('u', 4),
        INT64('i', 8), UINT64('u', 8), FLOAT16('f', 2), FLOAT32('f', 4), FLOAT64('f', 8);

        final char kind;
        final int size;

        Type(char kind, int size) {
            this.kind = kind;
            this.size = size;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        /** Floating point (float16/32/64), as opposed to integers and bool. */
        public boolean isFloat() {
            return kind == 'f';
        }

        /** NumPy's name: {@code float32}, {@code uint8}, {@code bool}. */
        public String numpyName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A dtype: its type, byte order, and the {@code descr} string it was read from. */
    public record Dtype(Type type, ByteOrder order, String descr) {
        @Override
        public String toString() {
            return type.numpyName() + (type.size > 1 && order != ByteOrder.nativeOrder() ? " (" + descr + ")" : "");
        }
    }

    public NpyHeader {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Elements in the array (the product of the shape). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data the header promises. */
    public long dataBytes() {
        return Math.multiplyExact(elementCount(), (long) dtype.type.size);
    }

    /** The shape as Python prints it: {@code (60000, 784)}, {@code (60000,)}. */
    public String shapeText() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NpyHeader h && major == h.major && minor == h.minor && dtype.equals(h.dtype)
                && fortranOrder == h.fortranOrder && Arrays.equals(shape, h.shape) && dataOffset == h.dataOffset;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + dtype.hashCode();
    }

    @Override
    public String toString() {
        return "npy " + major + "." + minor + " " + dtype + " " + shapeText() + (fortranOrder ? " Fortran order" : "");
    }

    /**
     * Reads and checks the header at the start of {@code channel} ({@code file} names it in
     * errors). The dtype must be one of {@link Type}; the data's presence is checked by the caller.
     */
    public static NpyHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        ByteBuffer prelude = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(prelude, 0);
        prelude.flip();
        byte[] start = new byte[Math.min(prelude.remaining(), MAGIC.length)];
        prelude.get(0, start);
        if (!Arrays.equals(start, MAGIC)) {
            if (start.length >= 4 && start[0] == 'P' && start[1] == 'K' && start[2] == 3 && start[3] == 4) {
                throw new DataFormatException(file, "this is a .npz archive (np.savez), not a .npy file; save each"
                        + " array with np.save, e.g. np.save('x.npy', np.load(path)['x'])");
            }
            throw new DataFormatException(file, "not a NumPy .npy file: it does not start with \\x93NUMPY"
                    + (fileSize < MAGIC.length ? " (it has only " + fileSize + " bytes)" : ""));
        }
        if (prelude.remaining() < 10) {
            throw new DataFormatException(file, "truncated: the file ends inside the .npy header (" + fileSize
                    + " bytes)");
        }
        int major = prelude.get(6) & 0xff;
        int minor = prelude.get(7) & 0xff;
        if (major < 1 || major > 3) {
            throw new DataFormatException(file, "format version " + major + "." + minor + " is not supported (1.0,"
                    + " 2.0 and 3.0 are); was it written by a newer NumPy?");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        if (prelude.remaining() < 8 + lengthBytes) {
            throw new DataFormatException(file, "truncated: the file ends inside the .npy header (" + fileSize
                    + " bytes)");
        }
        long headerLength = major == 1 ? prelude.getShort(8) & 0xffff : prelude.getInt(8) & 0xffffffffL;
        long dataOffset = 8 + lengthBytes + headerLength;
        if (headerLength > MAX_HEADER) {
            throw new DataFormatException(file, "the header claims " + headerLength + " bytes, more than a .npy header"
                    + " holds; the file is damaged");
        }
        if (dataOffset > fileSize) {
            throw new DataFormatException(file, "truncated: the header should end at byte " + dataOffset
                    + " but the file has " + fileSize + " bytes");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        while (headerBytes.hasRemaining()) {
            if (channel.read(headerBytes, 8 + lengthBytes + headerBytes.position()) < 0) {
                throw new DataFormatException(file, "truncated inside the header");
            }
        }
        // NOTE: 1.0 and 2.0 headers are Latin-1 (ASCII in practice); 3.0 exists only to allow UTF-8
        // field names in structured dtypes.
        String header = new String(headerBytes.array(), major == 3 ? StandardCharsets.UTF_8
                : StandardCharsets.ISO_8859_1);
        Object parsed;
        try {
            parsed = PythonLiteral.parse(header);
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, "the .npy header is not a Python literal: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> dict) || !dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new DataFormatException(file, "the .npy header must be a dict with the keys descr, fortran_order and"
                    + " shape; it is " + header.strip());
        }
        Dtype dtype = dtype(file, dict.get("descr"));
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new DataFormatException(file, "fortran_order must be True or False, not " + dict.get("fortran_order"));
        }
        long[] shape = shape(file, dict.get("shape"));
        NpyHeader result = new NpyHeader(major, minor, dtype, fortran, shape, dataOffset);
        try {
            result.dataBytes();
        } catch (ArithmeticException e) {
            throw new DataFormatException(file, "shape " + result.shapeText() + " of " + dtype
                    + " holds more bytes than a file can");
        }
        return result;
    }

    private static long[] shape(Path file, Object value) throws DataFormatException {
        if (!(value instanceof List<?> dims)) {
            throw new DataFormatException(file, "shape must be a tuple of integers, not " + value);
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new DataFormatException(file, "shape must be a tuple of non-negative integers, not " + dims);
            }
            shape[i] = d;
        }
        return shape;
    }

    /** Parses a {@code descr} such as {@code '<f4'}, {@code '|u1'} or {@code '>i8'}. */
    static Dtype dtype(Path file, Object descr) throws DataFormatException {
        if (!(descr instanceof String text)) {
            throw new DataFormatException(file, "unsupported dtype " + descr + ": a structured (record) dtype; save a"
                    + " plain numeric array (e.g. arr.astype(np.float32))");
        }
        String supported = "; Nabla reads bool, int8..int64, uint8..uint64, float16, float32 and float64 arrays"
                + " (convert with arr.astype(np.float32))";
        if (text.length() < 3) {
            throw new DataFormatException(file, "unsupported dtype '" + text + "'" + supported);
        }
        char orderChar = text.charAt(0);
        char kind = text.charAt(1);
        int size;
        try {
            size = Integer.parseInt(text.substring(2));
        } catch (NumberFormatException e) {
            size = -1;
        }
        Type type = null;
        for (Type t : Type.values()) {
            if (t.kind == kind && t.size == size) {
                type = t;
            }
        }
        if (type == null) {
            String what = switch (kind) {
                case 'c' -> " (complex)";
                case 'U', 'S', 'a' -> " (strings)";
                case 'O' -> " (Python objects)";
                case 'M', 'm' -> " (dates or time spans)";
                case 'V' -> " (raw bytes)";
                case 'f' -> size == 16 || size == 12 ? " (long double)" : "";
                default -> "";
            };
            throw new DataFormatException(file, "unsupported dtype '" + text + "'" + what + supported);
        }
        ByteOrder order = switch (orderChar) {
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=', '|' -> ByteOrder.nativeOrder();
            default -> throw new DataFormatException(file, "dtype '" + text + "' has an unknown byte order '"
                    + orderChar + "' (expected <, >, = or |)");
        };
        return new Dtype(type, order, text);
    }
}
