package dev.nabla.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code .npy} files byte by byte, as {@code numpy.lib.format} lays them out (independently
 * of the reader under test): magic, version, header length, the dict padded with spaces to a
 * multiple of 64 bytes and ended by a newline, then the data.
 */
public final class NpyFiles {

    private NpyFiles() {
    }

    /** The dict NumPy writes, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}. */
    public static String dict(String descr, boolean fortran, long... shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",)" : ")");
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + s
                + ", }";
    }

    /** Magic, version, length and {@code dict} padded so the data starts at a multiple of 64. */
    public static byte[] header(int major, String dict) {
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int unpadded = 8 + lengthBytes + text.length + 1;
        int padding = (64 - unpadded % 64) % 64;
        int headerLength = text.length + padding + 1;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) headerLength);
        } else {
            b.putInt(headerLength);
        }
        b.put(text);
        for (int i = 0; i < padding; i++) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    public static Path write(Path file, int major, String dict, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header(major, dict));
        out.write(data);
        Files.write(file, out.toByteArray());
        return file;
    }

    public static Path write(Path file, String descr, byte[] data, long... shape) throws IOException {
        return write(file, 1, dict(descr, false, shape), data);
    }

    public static ByteBuffer buffer(int bytes, ByteOrder order) {
        return ByteBuffer.allocate(bytes).order(order);
    }

    public static byte[] float32(ByteOrder order, float... values) {
        ByteBuffer b = buffer(4 * values.length, order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    public static byte[] float32(float... values) {
        return float32(ByteOrder.LITTLE_ENDIAN, values);
    }

    public static byte[] float64(double... values) {
        ByteBuffer b = buffer(8 * values.length, ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    /** IEEE half precision, by {@link Float#floatToFloat16} (exact for the values the tests use). */
    public static byte[] float16(float... values) {
        ByteBuffer b = buffer(2 * values.length, ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }

    public static byte[] int64(ByteOrder order, long... values) {
        ByteBuffer b = buffer(8 * values.length, order);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    public static byte[] int64(long... values) {
        return int64(ByteOrder.LITTLE_ENDIAN, values);
    }

    public static byte[] int32(long... values) {
        ByteBuffer b = buffer(4 * values.length, ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putInt((int) v);
        }
        return b.array();
    }

    public static byte[] int16(long... values) {
        ByteBuffer b = buffer(2 * values.length, ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    public static byte[] int8(long... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
