package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BF16 and F16 in safetensors files, bit-exact: Nabla's own round trip, a file PyTorch's tensors
 * wrote, and Nabla's file read by PyTorch. The Python side writes and reads the format by hand
 * (header JSON, raw little-endian bytes), as {@code safetensors.torch} does, because the
 * {@code safetensors} package is not installed here; those two tests skip, with the reason, where
 * {@code /usr/bin/python3} with torch is missing.
 */
class SafetensorsHalfPrecisionTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    private static short[] randomBits(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = (short) random.nextInt(65536);   // every pattern is fair game: NaNs, Infs, subnormals
        }
        return bits;
    }

    @Test
    void sixteenBitArraysRoundTripBitForBit() throws IOException {
        short[] bf16 = randomBits(6 * 7, 1);
        short[] f16 = randomBits(5, 2);
        Map<String, NamedArray> arrays = new LinkedHashMap<>();
        arrays.put("a.weight", NamedArray.bits16(DType.BF16, bf16, 6, 7));
        arrays.put("b.bias", NamedArray.bits16(DType.F16, f16, 5));
        arrays.put("c.f32", NamedArray.f32(new float[] {1, 2}, 2));
        Path file = dir.resolve("half.safetensors");
        Safetensors.write(file, arrays, Map.of());
        Safetensors.Loaded loaded = Safetensors.read(file);
        assertEquals(arrays, loaded.tensors());
        assertEquals(DType.BF16, loaded.tensors().get("a.weight").dtype());
        // Two bytes an element on disk: header + 84 + 10 + 8 bytes of data.
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Files.size(file), 8 + head.getLong(0) + 84 + 10 + 8);
        // and back onto a device
        NamedArray weight = loaded.tensors().get("a.weight");
        Tensor t = Tensor.ofBits(Device.reference(), weight.dtype(), weight.bits(), weight.shape());
        assertArrayEquals(bf16, t.toBits());
    }

    /** Runs {@code script} with {@code args}; skips where python3 or torch is missing. */
    private static String python(String script, String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        String[] command = new String[args.length + 3];
        command[0] = PYTHON;
        command[1] = "-c";
        command[2] = script;
        System.arraycopy(args, 0, command, 3, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        Assumptions.assumeFalse(output.contains("No module named 'torch'"), PYTHON + " has no torch: " + output);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    // What safetensors.torch.save_file writes: sorted names, compact JSON, space padding to 8 bytes.
    private static final String TORCH_WRITES = """
            import json, struct, sys, torch
            torch.manual_seed(0)
            x = torch.randn(3, 5) * 1000
            tensors = {'layer.bf16': x.to(torch.bfloat16), 'layer.f16': x.to(torch.float16)}
            header, data = {}, b''
            for name in sorted(tensors):
                t = tensors[name]
                raw = t.contiguous().view(torch.int16).numpy().tobytes()
                header[name] = {'dtype': {torch.bfloat16: 'BF16', torch.float16: 'F16'}[t.dtype],
                                'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(raw)]}
                data += raw
                # the widened values, for Nabla's widening
                t.float().numpy().astype('<f4').tofile(sys.argv[1] + '.' + name + '.f32')
            text = json.dumps(header, separators=(',', ':')).encode()
            text += b' ' * (-len(text) % 8)
            with open(sys.argv[1], 'wb') as f:
                f.write(struct.pack('<Q', len(text)) + text + data)
            print(torch.__version__)
            """;

    @Test
    void readsTheTensorsPyTorchWrote() throws IOException, InterruptedException {
        Path file = dir.resolve("torch.safetensors");
        python(TORCH_WRITES, file.toString());
        Safetensors.Loaded loaded = Safetensors.read(file, Safetensors.Verify.IF_PRESENT);
        for (String name : new String[] {"layer.bf16", "layer.f16"}) {
            NamedArray array = loaded.tensors().get(name);
            assertInstanceOf(NamedArray.Bits16.class, array, name);
            assertArrayEquals(new int[] {3, 5}, array.shape());
            Tensor t = Tensor.ofBits(Device.reference(), array.dtype(), array.bits(), array.shape());
            ByteBuffer widened = ByteBuffer.wrap(Files.readAllBytes(Path.of(file + "." + name + ".f32")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = new float[15];
            widened.asFloatBuffer().get(expected);
            assertArrayEquals(expected, t.toFloatArray(), name + ": Nabla widens as torch's .float()");
        }
        assertEquals(DType.BF16, loaded.tensors().get("layer.bf16").dtype());
        assertEquals(DType.F16, loaded.tensors().get("layer.f16").dtype());
    }

    // Reads Nabla's file by the format and checks its 16-bit tensors are torch's own conversion of the F32 source.
    private static final String TORCH_READS = """
            import json, struct, sys, torch
            blob = open(sys.argv[1], 'rb').read()
            n = struct.unpack('<Q', blob[:8])[0]
            header = json.loads(blob[8:8 + n])
            def load(name, dtype):
                entry = header[name]
                begin, end = entry['data_offsets']
                raw = bytearray(blob[8 + n + begin:8 + n + end])
                return torch.frombuffer(raw, dtype=dtype).reshape(entry['shape'])
            source = load('source', torch.float32)
            for name, dtype, code in (('as.bf16', torch.bfloat16, 'BF16'), ('as.f16', torch.float16, 'F16')):
                assert header[name]['dtype'] == code, header[name]
                ours = load(name, torch.int16)
                theirs = source.to(dtype).view(torch.int16)
                assert torch.equal(ours, theirs), (name, ours, theirs)
            print('ok')
            """;

    @Test
    void pyTorchReadsNablasFileBitForBit() throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[4 * 9];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-8, 6)));
        }
        values[0] = 65520f;   // rounds to F16 Inf
        values[1] = 1e-8f;    // an F16 subnormal underflowing to 0
        Device device = Device.reference();
        Tensor source = Tensor.of(device, values, 4, 9);
        Map<String, NamedArray> arrays = new LinkedHashMap<>();
        arrays.put("source", NamedArray.f32(values, 4, 9));
        arrays.put("as.bf16", NamedArray.bits16(DType.BF16, source.to(DType.BF16).toBits(), 4, 9));
        arrays.put("as.f16", NamedArray.bits16(DType.F16, source.to(DType.F16).toBits(), 4, 9));
        Path file = dir.resolve("nabla.safetensors");
        Safetensors.write(file, arrays, Map.of());
        assertEquals("ok", python(TORCH_READS, file.toString()));
    }
}
