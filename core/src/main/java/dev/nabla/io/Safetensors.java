package dev.nabla.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.DType;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, so a Nabla checkpoint opens in PyTorch, NumPy or any other implementation:
 *
 * <pre>
 *   8 bytes   N, unsigned little-endian: length of the header
 *   N bytes   UTF-8 JSON: {"__metadata__": {string: string},
 *                          "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
 *             padded with spaces to a multiple of 8 bytes
 *   rest      the data section: each tensor's elements, row-major, little-endian;
 *             offsets are relative to the start of the data section
 * </pre>
 *
 * <p>Like the reference writer, tensors are laid out sorted by name, contiguously from offset 0,
 * and the header is compact JSON. Nabla adds one metadata entry, {@value #CHECKSUM_KEY}, holding
 * {@code "crc32c:xxxxxxxx"} (the format only allows string values there). The CRC32C covers,
 * in this order: every tensor's name, dtype, shape and offsets (sorted by name; strings as a
 * 4-byte big-endian length then UTF-8, numbers as 8-byte big-endian longs), every other metadata
 * entry (sorted by key, same encoding), then the data section. Covering the header as well as
 * the data means a flipped byte that turns {@code "F32"} into {@code "I32"} is caught, not just
 * one that damages a weight.
 *
 * <p>On read, everything is validated before any value is trusted: the header length against the
 * file size, the JSON, each dtype, shape and offset range, that the tensors tile the data section
 * exactly (no gaps, no overlap, as the reference implementation requires), and the checksum. Any
 * problem is a {@link CorruptCheckpointException} naming the file and what is wrong.
 */
public final class Safetensors {

    /** Metadata key under which Nabla stores the checksum. Reserved: callers may not set it. */
    public static final String CHECKSUM_KEY = "nabla.checksum";

    /** The reference implementation refuses headers over 100 MB; so do we. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final String METADATA = "__metadata__";
    private static final String CHECKSUM_PREFIX = "crc32c:";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final int CHUNK = 1 << 16;

    /**
     * The most elements one tensor may have: it is read into, and written from, one Java array
     * (the JDK's safe array length). For F32 that is 8 GiB; more is refused with the tensor's name.
     */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Throws {@link IllegalArgumentException} naming the tensor, dtype, shape and the limit when
     * {@code shape} holds more than {@link #MAX_ELEMENTS} elements, before anything is allocated.
     */
    public static void checkSize(String name, DType dtype, int[] shape) {
        String problem = sizeProblem(name, dtype, shape);
        if (problem != null) {
            throw new IllegalArgumentException("safetensors: " + problem);
        }
    }

    private static String sizeProblem(String name, DType dtype, int[] shape) {
        long numel = 1;
        for (int d : shape) {
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException overflow) {
                numel = Long.MAX_VALUE;
            }
        }
        if (numel <= MAX_ELEMENTS) {
            return null;
        }
        String count = numel == Long.MAX_VALUE ? "more than 2^63" : n(numel);
        return String.format(Locale.ROOT, "tensor '%s' %s %s has %s elements, more than the %s a tensor may have "
                + "(one Java array)", name, dtype, Arrays.toString(shape), count, n(MAX_ELEMENTS));
    }

    /** How strictly {@link #read(Path, Verify)} treats a missing checksum. */
    public enum Verify {
        /** A file without {@value #CHECKSUM_KEY} is refused: use for Nabla's own checkpoints. */
        REQUIRED,
        /**
         * The checksum is verified when present; files from other writers (PyTorch, NumPy), which
         * have none, still get every structural check.
         */
        IF_PRESENT
    }

    /**
     * What {@link #read} returns: tensors in file order (sorted by name for files Nabla wrote) and
     * the metadata without {@value #CHECKSUM_KEY}, so a round trip gives back exactly what was
     * written. {@code checksumVerified} tells whether a checksum was present and matched.
     */
    public record Loaded(Map<String, NamedArray> tensors, Map<String, String> metadata, boolean checksumVerified) {
        public Loaded {
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor called {@code name}; throws naming the missing key and the ones present. */
        public NamedArray get(String name) {
            NamedArray a = tensors.get(name);
            if (a == null) {
                throw new IllegalArgumentException("no tensor '" + name + "' in checkpoint; it has " + tensors.keySet());
            }
            return a;
        }
    }

    private Safetensors() {}

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically (see {@link AtomicFiles}):
     * after a crash the file holds either the previous checkpoint or this one, complete.
     *
     * @throws IllegalArgumentException for an empty or reserved tensor name, or a metadata key
     *     equal to {@value #CHECKSUM_KEY}
     */
    public static void write(Path file, Map<String, ? extends NamedArray> tensors, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = layout(tensors);
        TreeMap<String, String> meta = new TreeMap<>(BY_CODE_POINT);
        for (var e : metadata.entrySet()) {
            if (e.getKey().equals(CHECKSUM_KEY)) {
                throw new IllegalArgumentException("metadata key '" + CHECKSUM_KEY + "' is reserved for Nabla's checksum");
            }
            meta.put(e.getKey(), java.util.Objects.requireNonNull(e.getValue(), () -> "metadata value for " + e.getKey()));
        }

        CRC32C crc = new CRC32C();
        updateDescriptor(crc, entries, meta);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            forEachChunk(e.array(), chunk, b -> crc.update(b));
        }

        ObjectNode header = JSON.createObjectNode();
        ObjectNode metaNode = header.putObject(METADATA);
        meta.forEach(metaNode::put);
        metaNode.put(CHECKSUM_KEY, formatChecksum(crc.getValue()));
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.array().dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (int d : e.array().shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
            AtomicFiles.writeFully(out, len);
            out.write(headerBytes);
            for (Entry e : entries) {
                forEachChunk(e.array(), chunk, b -> AtomicFiles.writeFully(out, b));
            }
        });
    }

    /** Reads a checkpoint Nabla wrote, requiring and verifying its checksum. */
    public static Loaded read(Path file) throws IOException {
        return read(file, Verify.REQUIRED);
    }

    /** Reads a safetensors file, validating its structure and, per {@code verify}, its checksum. */
    public static Loaded read(Path file, Verify verify) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch, verify);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint not found");
        }
    }

    private static Loaded read(Path file, FileChannel ch, Verify verify) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw corrupt(file, "truncated: %s bytes, too short to hold the 8-byte header length", n(size));
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw corrupt(file, "header length field is %s bytes, more than the format's limit of %s: "
                    + "not a safetensors file, or a damaged one", Long.toUnsignedString(headerLen), n(MAX_HEADER_BYTES));
        }
        if (headerLen > size - 8) {
            throw corrupt(file, "truncated: header length field says %s bytes, but only %s bytes follow it",
                    n(headerLen), n(size - 8));
        }
        if (headerLen < 2) {
            throw corrupt(file, "header length field is %s bytes, too short for a JSON object", n(headerLen));
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(file, ch, headerBuf, 8);
        byte[] headerBytes = headerBuf.array();
        if (headerBytes[0] != '{') {
            throw corrupt(file, "header does not start with '{' (byte 0x%02x): not a safetensors file", headerBytes[0] & 0xff);
        }
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes);
        } catch (JsonProcessingException e) {
            throw new CorruptCheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw corrupt(file, "header is not a JSON object");
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals(METADATA)) {
                if (!node.isObject()) {
                    throw corrupt(file, "%s is not a JSON object", METADATA);
                }
                for (var m : node.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw corrupt(file, "%s entry '%s' is not a string (the format allows only strings)", METADATA, m.getKey());
                    }
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
            } else {
                entries.add(parseEntry(file, name, node));
            }
        }

        long dataLen = size - 8 - headerLen;
        long declared = checkTiling(file, entries);
        if (dataLen < declared) {
            throw corrupt(file, "truncated: header declares %s data bytes, file has %s", n(declared), n(dataLen));
        }
        if (dataLen > declared) {
            throw corrupt(file, "trailing data: header declares %s data bytes, file has %s", n(declared), n(dataLen));
        }

        String stored = metadata.remove(CHECKSUM_KEY);
        if (stored == null && verify == Verify.REQUIRED) {
            throw corrupt(file, "no '%s' in the header metadata: not a Nabla checkpoint, or the checksum was removed",
                    CHECKSUM_KEY);
        }
        if (stored != null && !stored.startsWith(CHECKSUM_PREFIX)) {
            throw corrupt(file, "unsupported checksum '%s' (expected %s followed by 8 hex digits)", stored, CHECKSUM_PREFIX);
        }

        CRC32C crc = new CRC32C();
        List<Entry> byName = new ArrayList<>(entries);
        byName.sort(Comparator.comparing(Entry::name, BY_CODE_POINT));
        TreeMap<String, String> sortedMeta = new TreeMap<>(BY_CODE_POINT);
        sortedMeta.putAll(metadata);
        updateDescriptor(crc, byName, sortedMeta);

        Map<String, NamedArray> tensors = new LinkedHashMap<>();
        long dataStart = 8 + headerLen;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) { // entries are sorted by offset by checkTiling
            // Chunk by chunk straight into the array: a tensor over 2 GiB fits no ByteBuffer, and
            // a whole-tensor buffer would double the memory a load needs.
            int width = e.dtype().byteSize();
            int count = (int) ((e.end() - e.begin()) / width); // ≤ MAX_ELEMENTS: checked by parseEntry
            float[] floats = e.dtype() == DType.F32 ? new float[count] : null;
            int[] ints = e.dtype() == DType.I32 ? new int[count] : null;
            short[] bits = e.dtype().isHalf() ? new short[count] : null;
            long position = dataStart + e.begin();
            for (int i = 0; i < count; ) {
                int n = Math.min(CHUNK / width, count - i);
                chunk.clear().limit(n * width);
                readFully(file, ch, chunk, position);
                chunk.flip();
                crc.update(chunk.duplicate());
                if (floats != null) {
                    chunk.asFloatBuffer().get(floats, i, n);
                } else if (ints != null) {
                    chunk.asIntBuffer().get(ints, i, n);
                } else {
                    chunk.asShortBuffer().get(bits, i, n);
                }
                position += (long) n * width;
                i += n;
            }
            tensors.put(e.name(), floats != null ? new NamedArray.F32(e.shape(), floats)
                    : ints != null ? new NamedArray.I32(e.shape(), ints)
                    : new NamedArray.Bits16(e.dtype(), e.shape(), bits));
        }
        // Restore the header's order, which for Nabla's files is the sorted order.
        Map<String, NamedArray> ordered = new LinkedHashMap<>();
        for (var field : root.properties()) {
            if (!field.getKey().equals(METADATA)) {
                ordered.put(field.getKey(), tensors.get(field.getKey()));
            }
        }
        boolean verified = false;
        if (stored != null) {
            String computed = formatChecksum(crc.getValue());
            if (!computed.equals(stored)) {
                throw corrupt(file, "checksum mismatch: stored %s, computed %s (the file was altered or damaged)",
                        stored, computed);
            }
            verified = true;
        }
        return new Loaded(ordered, metadata, verified);
    }

    // ---- layout -------------------------------------------------------------------------------

    /** One tensor's header entry; {@code array} is null when read (the data comes after the header). */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end, NamedArray array) {
    }

    private static List<Entry> layout(Map<String, ? extends NamedArray> tensors) {
        List<String> names = new ArrayList<>(tensors.keySet());
        names.sort(BY_CODE_POINT);
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        for (String name : names) {
            if (name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("tensor name '" + name + "' is not allowed in safetensors");
            }
            NamedArray a = java.util.Objects.requireNonNull(tensors.get(name), () -> "tensor " + name);
            long bytes = a.numel() * a.dtype().byteSize();
            entries.add(new Entry(name, a.dtype(), a.shape(), offset, offset + bytes, a));
            offset += bytes;
        }
        return entries;
    }

    private static Entry parseEntry(Path file, String name, JsonNode node) throws CorruptCheckpointException {
        if (!node.isObject()) {
            throw corrupt(file, "tensor '%s': header entry is not a JSON object", name);
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw corrupt(file, "tensor '%s': missing or non-string \"dtype\"", name);
        }
        DType dtype = switch (dtypeNode.textValue()) {
            case "F32" -> DType.F32;
            case "I32" -> DType.I32;
            case "BF16" -> DType.BF16;
            case "F16" -> DType.F16;
            default -> throw corrupt(file, "tensor '%s': unsupported dtype %s (Nabla reads F32, I32, BF16 and F16)",
                    name, dtypeNode.textValue());
        };
        if (shapeNode == null || !shapeNode.isArray()) {
            throw corrupt(file, "tensor '%s': missing or non-array \"shape\"", name);
        }
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw corrupt(file, "tensor '%s': shape %s has an invalid dimension %s", name, shapeNode, d);
            }
            shape[i] = d.intValue();
        }
        String tooBig = sizeProblem(name, dtype, shape);
        if (tooBig != null) {
            throw corrupt(file, "%s", tooBig);
        }
        for (int d : shape) {
            numel *= d; // fits: checked above
        }
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw corrupt(file, "tensor '%s': \"data_offsets\" must be an array [begin, end]", name);
        }
        long[] off = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = offsetsNode.get(i);
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw corrupt(file, "tensor '%s': invalid data_offsets %s", name, offsetsNode);
            }
            off[i] = o.longValue();
        }
        if (off[1] < off[0]) {
            throw corrupt(file, "tensor '%s': data_offsets %s end before they begin", name, offsetsNode);
        }
        long needed = numel * dtype.byteSize();
        if (off[1] - off[0] != needed) {
            throw corrupt(file, "tensor '%s': data_offsets %s span %s bytes, but %s %s needs %s", name, offsetsNode,
                    n(off[1] - off[0]), dtype, Arrays.toString(shape), n(needed));
        }
        return new Entry(name, dtype, shape, off[0], off[1], null);
    }

    /** Sorts {@code entries} by offset and checks they tile [0, total) exactly; returns total. */
    private static long checkTiling(Path file, List<Entry> entries) throws CorruptCheckpointException {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin() < expected) {
                throw corrupt(file, "tensors '%s' and '%s' overlap (data_offsets [%d, %d] and [%d, %d])",
                        previous.name(), e.name(), previous.begin(), previous.end(), e.begin(), e.end());
            }
            if (e.begin() > expected) {
                throw corrupt(file, "gap in the data section: no tensor covers bytes [%d, %d) (before '%s')", expected,
                        e.begin(), e.name());
            }
            expected = e.end();
            previous = e;
        }
        return expected;
    }

    // ---- checksum -----------------------------------------------------------------------------

    private static void updateDescriptor(CRC32C crc, List<Entry> entriesByName, Map<String, String> sortedMetadata) {
        ByteBuffer b = ByteBuffer.allocate(8);
        for (Entry e : entriesByName) {
            putString(crc, b, e.name());
            putString(crc, b, e.dtype().name());
            putLong(crc, b, e.shape().length);
            for (int d : e.shape()) {
                putLong(crc, b, d);
            }
            putLong(crc, b, e.begin());
            putLong(crc, b, e.end());
        }
        for (var m : sortedMetadata.entrySet()) {
            putString(crc, b, m.getKey());
            putString(crc, b, m.getValue());
        }
    }

    private static void putString(CRC32C crc, ByteBuffer scratch, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        scratch.clear().putInt(bytes.length).flip();
        crc.update(scratch);
        crc.update(bytes);
    }

    private static void putLong(CRC32C crc, ByteBuffer scratch, long v) {
        scratch.clear().putLong(v).flip();
        crc.update(scratch);
    }

    private static String formatChecksum(long crc) {
        return CHECKSUM_PREFIX + HexFormat.of().toHexDigits((int) crc);
    }

    // ---- helpers ------------------------------------------------------------------------------

    @FunctionalInterface
    private interface ChunkSink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    /** Feeds the array's little-endian bytes to {@code sink}, one reused chunk at a time. */
    private static void forEachChunk(NamedArray array, ByteBuffer chunk, ChunkSink sink) throws IOException {
        int width = array.dtype().byteSize();
        int perChunk = chunk.capacity() / width;
        int length = (int) array.numel(); // the length of its data array
        for (int i = 0, n; i < length; i += n) { // i + n ≤ length: no int overflow
            n = Math.min(perChunk, length - i);
            chunk.clear();
            switch (array) {
                case NamedArray.F32(var s, var data) -> chunk.asFloatBuffer().put(data, i, n);
                case NamedArray.I32(var s, var data) -> chunk.asIntBuffer().put(data, i, n);
                case NamedArray.Bits16(var d, var s, var data) -> chunk.asShortBuffer().put(data, i, n);
            }
            chunk.limit(n * width);
            sink.accept(chunk);
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                // Only possible if the file shrank while we read it.
                throw new CorruptCheckpointException(file, "truncated while reading (file changed underneath?)",
                        new EOFException());
            }
            pos += r;
        }
    }

    /**
     * Unicode code point order, which equals the UTF-8 byte order the Rust reference writer sorts
     * by ({@link String#compareTo} compares UTF-16 units and differs for supplementary characters).
     */
    static final Comparator<String> BY_CODE_POINT = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static CorruptCheckpointException corrupt(Path file, String format, Object... args) {
        return new CorruptCheckpointException(file, String.format(Locale.ROOT, format, args));
    }
}
