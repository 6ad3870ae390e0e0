package dev.nabla.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nabla.Tensor;
import dev.nabla.io.AtomicFiles;
import dev.nabla.io.CorruptCheckpointException;
import dev.nabla.io.NamedArray;
import dev.nabla.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A run's checkpoint: {@code model.safetensors} (the model's state dict, readable by any
 * safetensors implementation), {@code optimizer.safetensors} (optimizer state tensors such as
 * Adam's moments) and {@code state.json} (epoch, optimizer step count, scheduler position, RNG
 * state, the run's config and normalisation).
 *
 * <p>Each file is written atomically (temp file, fsync, rename), tensors first and
 * {@code state.json} last: a crash mid-save leaves the previous {@code state.json}, and the epoch
 * recorded in every file must agree on load, so a mixed set is refused rather than resumed.
 * Every file carries a CRC32C checksum: safetensors files in their metadata, {@code state.json}
 * over its {@code state} object.
 */
public final class Checkpoint {

    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "state.json";
    private static final String FORMAT = "nabla-checkpoint-1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {
    }

    /** What a checkpoint holds, as plain data. */
    public record Contents(int epoch, Map<String, NamedArray> model, Map<String, NamedArray> optimizer,
                           Map<String, Object> state) {
    }

    /** Writes the three files into {@code runDir} for the end of {@code epoch} (1-based). */
    public static void save(Path runDir, int epoch, Map<String, Tensor> modelState, Map<String, Tensor> optimizerState,
                            Map<String, Object> state) throws IOException {
        Map<String, String> metadata = Map.of("format", FORMAT, "epoch", Integer.toString(epoch));
        Safetensors.write(runDir.resolve(OPTIMIZER_FILE), toArrays(optimizerState), metadata);
        Safetensors.write(runDir.resolve(MODEL_FILE), toArrays(modelState), metadata);
        Map<String, Object> body = new LinkedHashMap<>(state);
        body.put("format", FORMAT);
        body.put("epoch", epoch);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("state", body);
        file.put("crc32c", crc(canonical(body)));
        AtomicFiles.writeString(runDir.resolve(STATE_FILE), JSON.writeValueAsString(file) + "\n");
    }

    /** Reads and verifies a checkpoint written by {@link #save}. */
    public static Contents load(Path runDir) throws IOException {
        Path stateFile = runDir.resolve(STATE_FILE);
        if (!Files.exists(stateFile)) {
            throw new NoSuchFileException(stateFile.toString(), null,
                    "no checkpoint in " + runDir + " (state.json missing); is it a run folder written by 'nabla train'?");
        }
        Map<String, Object> file;
        try {
            file = JSON.readValue(Files.readString(stateFile, StandardCharsets.UTF_8), new TypeReference<>() {
            });
        } catch (IOException e) {
            throw new CorruptCheckpointException(stateFile, "not valid JSON (truncated or edited?): "
                    + e.getMessage());
        }
        Object stateObject = file.get("state");
        if (!(stateObject instanceof Map<?, ?>) || !(file.get("crc32c") instanceof String stored)) {
            throw new CorruptCheckpointException(stateFile, "missing 'state' or 'crc32c'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) stateObject;
        String computed = crc(canonical(state));
        if (!computed.equals(stored)) {
            throw new CorruptCheckpointException(stateFile, "checksum mismatch: stored " + stored + ", computed "
                    + computed + " (the file was altered)");
        }
        if (!FORMAT.equals(state.get("format")) || !(state.get("epoch") instanceof Number epochNumber)) {
            throw new CorruptCheckpointException(stateFile, "unknown format " + state.get("format") + ", expected "
                    + FORMAT);
        }
        int epoch = epochNumber.intValue();
        Safetensors.Loaded model = Safetensors.read(runDir.resolve(MODEL_FILE));
        Safetensors.Loaded optimizer = Safetensors.read(runDir.resolve(OPTIMIZER_FILE));
        checkEpoch(runDir.resolve(MODEL_FILE), model, epoch);
        checkEpoch(runDir.resolve(OPTIMIZER_FILE), optimizer, epoch);
        return new Contents(epoch, model.tensors(), optimizer.tensors(), state);
    }

    private static void checkEpoch(Path file, Safetensors.Loaded loaded, int epoch) throws CorruptCheckpointException {
        String recorded = loaded.metadata().get("epoch");
        if (!Integer.toString(epoch).equals(recorded)) {
            throw new CorruptCheckpointException(file, "holds epoch " + recorded + " but state.json holds epoch "
                    + epoch + " (a save was interrupted; the files do not belong together)");
        }
    }

    private static Map<String, NamedArray> toArrays(Map<String, Tensor> tensors) {
        Map<String, NamedArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            Tensor t = entry.getValue();
            arrays.put(entry.getKey(), switch (t.dtype()) {
                case F32 -> NamedArray.f32(t.toFloatArray(), t.shape());
                case I32 -> NamedArray.i32(t.toIntArray(), t.shape());
            });
        }
        return arrays;
    }

    /** NOTE: keys sorted and numbers in Jackson's round-trip form, so re-reading gives the same text. */
    private static String canonical(Map<String, Object> state) throws IOException {
        Map<String, Object> reparsed = JSON.readValue(JSON.writeValueAsString(state), new TypeReference<>() {
        });
        return CANONICAL.writeValueAsString(reparsed);
    }

    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private static String crc(String text) {
        CRC32C crc = new CRC32C();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }
}
