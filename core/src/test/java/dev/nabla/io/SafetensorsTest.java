package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static Map<String, NamedArray> sample() {
        Map<String, NamedArray> m = new LinkedHashMap<>(); // deliberately not sorted
        m.put("layers.1.weight", NamedArray.f32(new float[] {1.5f, -2f, 0f, Float.MIN_VALUE, -0f, 3e38f}, 2, 3));
        m.put("layers.0.bias", NamedArray.f32(new float[] {0.25f, -0.5f}, 2));
        m.put("step", NamedArray.i32(new int[] {42}));
        m.put("labels", NamedArray.i32(new int[] {-1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE}, 2, 2));
        m.put("empty", NamedArray.f32(new float[0], 0, 5));
        return m;
    }

    private Path writeSample() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, sample(), Map.of("epoch", "3", "format", "nabla"));
        return file;
    }

    @Test
    void roundTripPreservesTensorsAndMetadata() throws IOException {
        Path file = writeSample();
        Safetensors.Loaded loaded = Safetensors.read(file);
        assertTrue(loaded.checksumVerified());
        assertEquals(sample(), loaded.tensors()); // content equality, every value bit-exact
        assertEquals(Map.of("epoch", "3", "format", "nabla"), loaded.metadata());
        assertEquals(List.of("empty", "labels", "layers.0.bias", "layers.1.weight", "step"),
                new ArrayList<>(loaded.tensors().keySet()));
        float[] w = loaded.get("layers.1.weight").floats();
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(w[4]), "negative zero survives");
        assertArrayEquals(new int[] {2, 3}, loaded.get("layers.1.weight").shape());
        assertArrayEquals(new int[0], loaded.get("step").shape());
        assertThrows(IllegalArgumentException.class, () -> loaded.get("nope"));
    }

    @Test
    void layoutMatchesTheFormatByteForByte() throws IOException {
        Path file = writeSample();
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{"), header);
        assertEquals(header.strip().length(), header.stripTrailing().length());
        assertTrue(header.length() - header.stripTrailing().length() < 8, "padding is spaces, fewer than 8");
        assertFalse(header.contains("\n"), "compact JSON");

        JsonNode root = new ObjectMapper().readTree(header);
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("__metadata__", "empty", "labels", "layers.0.bias", "layers.1.weight", "step"), keys);
        assertTrue(root.get("__metadata__").get("nabla.checksum").textValue().matches("crc32c:[0-9a-f]{8}"));
        assertEquals("3", root.get("__metadata__").get("epoch").textValue());

        record Expect(String name, String dtype, int[] shape, long begin, long end) {}
        List<Expect> expected = List.of(
                new Expect("empty", "F32", new int[] {0, 5}, 0, 0),
                new Expect("labels", "I32", new int[] {2, 2}, 0, 16),
                new Expect("layers.0.bias", "F32", new int[] {2}, 16, 24),
                new Expect("layers.1.weight", "F32", new int[] {2, 3}, 24, 48),
                new Expect("step", "I32", new int[0], 48, 52));
        for (Expect e : expected) {
            JsonNode t = root.get(e.name);
            assertEquals(e.dtype, t.get("dtype").textValue(), e.name);
            int[] shape = new int[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).intValue();
            }
            assertArrayEquals(e.shape, shape, e.name);
            assertEquals(e.begin, t.get("data_offsets").get(0).longValue(), e.name);
            assertEquals(e.end, t.get("data_offsets").get(1).longValue(), e.name);
        }
        assertEquals(8 + n + 52, bytes.length, "data section follows the header, nothing after");

        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 52).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-1, data.getInt(0));
        assertEquals(Integer.MIN_VALUE, data.getInt(12));
        assertEquals(0.25f, data.getFloat(16));
        assertEquals(1.5f, data.getFloat(24));
        assertEquals(3e38f, data.getFloat(44));
        assertEquals(42, data.getInt(48));
    }

    @Test
    void writingIsDeterministic() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        Safetensors.write(a, sample(), Map.of("x", "1", "y", "2"));
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("y", "2");
        reversed.put("x", "1");
        Safetensors.write(b, sample(), reversed);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void truncatedFileIsRefusedNamingTheFile() throws IOException {
        Path file = writeSample();
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated: header declares 52 data bytes, file has 47"),
                e.getMessage());
        assertEquals(cut, e.file());

        Files.write(cut, Arrays.copyOf(bytes, 40)); // inside the header
        e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(cut));
        assertTrue(e.getMessage().contains(cut + ": truncated: header length field says"), e.getMessage());

        Files.write(cut, Arrays.copyOf(bytes, 3));
        e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(cut));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }

    @Test
    void trailingBytesAreRefused() throws IOException {
        Path file = writeSample();
        Files.write(file, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains("trailing data"), e.getMessage());
    }

    @Test
    void everyFlippedDataByteIsCaughtByTheChecksum() throws IOException {
        Path file = writeSample();
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int i = (int) (8 + n); i < bytes.length; i++) {
            byte[] altered = bytes.clone();
            altered[i] ^= 0x10;
            Path bad = dir.resolve("bad.safetensors");
            Files.write(bad, altered);
            var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(bad), "byte " + i);
            assertTrue(e.getMessage().startsWith(bad + ": checksum mismatch: stored crc32c:"), e.getMessage());
        }
    }

    @Test
    void alteredHeaderIsCaughtEvenWhenStructurallyValid() throws IOException {
        Path file = writeSample();
        String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        // Same length, still a valid layout: reinterpret the bias as integers.
        String altered = bytes.replace("\"layers.0.bias\":{\"dtype\":\"F32\"", "\"layers.0.bias\":{\"dtype\":\"I32\"");
        assertFalse(altered.equals(bytes));
        Files.write(file, altered.getBytes(StandardCharsets.ISO_8859_1));
        var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void structuralProblemsAreNamed() throws IOException {
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4],
                "data_offsets [0,4] span 4 bytes, but F32 [2] needs 8");
        assertRefused("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[16],
                "unsupported dtype F64 (Nabla reads F32, I32, BF16 and F16)");
        assertRefused("{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4],
                "data_offsets [0,4] span 4 bytes, but BF16 [3] needs 6");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", new byte[6], "overlap");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "gap");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", new byte[4], "not valid JSON");
        assertRefused("{\"__metadata__\":{\"k\":1}}", new byte[0], "is not a string");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4], "invalid dimension");
        assertRefused("[1, 2, 3]", new byte[0], "does not start with '{'");
    }

    @Test
    void tensorsTooLargeForOneArrayAreRefusedNamingTensorShapeAndLimit() throws IOException {
        // 65536 x 65536 F32 is 16 GiB (2^32 elements); 2^31 elements in three dimensions is 8 GiB;
        // the element count of the last overflows a long. Nothing is allocated: refused from the header.
        String limit = String.format(java.util.Locale.ROOT, "%,d", Safetensors.MAX_ELEMENTS);
        assertRefused("{\"big\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}",
                new byte[0], "tensor 'big' F32 [65536, 65536] has 4,294,967,296 elements, more than the " + limit);
        assertRefused("{\"w\":{\"dtype\":\"I32\",\"shape\":[2048,1024,1024],\"data_offsets\":[0,8589934592]}}",
                new byte[0], "tensor 'w' I32 [2048, 1024, 1024] has 2,147,483,648 elements, more than the " + limit);
        assertRefused("{\"x\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],"
                + "\"data_offsets\":[0,4]}}", new byte[4], "tensor 'x' F32 [2147483647, 2147483647, 2147483647] has more than 2^63");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.checkSize("layers.0.weight", DType.F32, new int[] {1 << 16, 1 << 16}));
        assertTrue(e.getMessage().contains("'layers.0.weight' F32 [65536, 65536]") && e.getMessage().contains(limit),
                e.getMessage());
        Safetensors.checkSize("fits", DType.F32, new int[] {Safetensors.MAX_ELEMENTS});
    }

    @Test
    void tensorsSpanningManyReadChunksRoundTrip() throws IOException {
        // Reading goes chunk by chunk (64 KiB) into the array; sizes around chunk boundaries.
        Map<String, NamedArray> tensors = new LinkedHashMap<>();
        for (int n : new int[] {16383, 16384, 16385, 100_003}) {
            float[] f = new float[n];
            int[] i = new int[n];
            for (int k = 0; k < n; k++) {
                f[k] = k * 0.5f - 7;
                i[k] = k * 31 - n;
            }
            tensors.put("f" + n, NamedArray.f32(f, n));
            tensors.put("i" + n, NamedArray.i32(i, n));
        }
        Path file = dir.resolve("chunks.safetensors");
        Safetensors.write(file, tensors, Map.of());
        var loaded = Safetensors.read(file);
        assertTrue(loaded.checksumVerified());
        assertEquals(tensors, loaded.tensors());
    }

    private void assertRefused(String header, byte[] data, String expected) throws IOException {
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, raw(header, data));
        var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(file, Safetensors.Verify.IF_PRESENT));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    @Test
    void foreignFilesWithoutChecksumAreReadOnlyWhenAllowed() throws IOException {
        Path file = dir.resolve("torch.safetensors");
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).array();
        // What torch/numpy writers produce: no metadata, unpadded is also accepted.
        Files.write(file, raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        var e = assertThrows(CorruptCheckpointException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains("no 'nabla.checksum'"), e.getMessage());
        var loaded = Safetensors.read(file, Safetensors.Verify.IF_PRESENT);
        assertFalse(loaded.checksumVerified());
        assertArrayEquals(new float[] {1f, 2f}, loaded.get("w").floats());
        assertEquals(DType.F32, loaded.get("w").dtype());
    }

    @Test
    void reservedNamesAreRejectedOnWrite() {
        Path file = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, sample(), Map.of(Safetensors.CHECKSUM_KEY, "mine")));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", NamedArray.i32(new int[] {1})), Map.of()));
        assertFalse(Files.exists(file));
    }

    @Test
    void namedArrayChecksShape() {
        assertThrows(IllegalArgumentException.class, () -> NamedArray.f32(new float[5], 2, 3));
        assertThrows(IllegalStateException.class, () -> NamedArray.f32(new float[1]).ints());
    }
}
