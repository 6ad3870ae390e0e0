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
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A run's checkpoint: {@code model.safetensors} (the model's state dict, readable by any
 * safetensors implementation), {@code optimizer.safetensors} (optimizer state tensors such as
 * Adam's moments) and {@code state.json} (epoch, optimizer step count, scheduler position, RNG
 * state, the run's config and normalisation).
 *
 * <p>Each file is written atomically (temp file, fsync, rename), but three renames are not one, so
 * a save first moves the previous checkpoint aside ({@code *.prev}), writes the tensors, then
 * {@code state.json}, and only then deletes the previous generation. A crash at any point leaves
 * a consistent set among the current and previous files, and {@link #load} picks the newest
 * consistent one: every file records its epoch, and files of different epochs never mix. Every
 * file carries a CRC32C checksum: safetensors files in their metadata, {@code state.json} over
 * its {@code state} object.
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
        // 0. A tensor too large for the format fails here, before any file is touched.
        for (Map<String, Tensor> tensors : List.of(modelState, optimizerState)) {
            tensors.forEach((name, t) -> Safetensors.checkSize(name, t.dtype(), t.shape()));
        }
        // 1. Keep the current generation as *.prev, unless a crashed save already left a .prev
        //    that the current files may not be consistent with.
        boolean keepPrevious = Files.exists(runDir.resolve(STATE_FILE)) && !anyPreviousExists(runDir);
        for (String name : FILES) {
            Path file = runDir.resolve(name);
            if (keepPrevious && Files.exists(file)) {
                Files.move(file, previous(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        // 2. The new generation, state.json last: it is the commit point.
        Safetensors.write(runDir.resolve(OPTIMIZER_FILE), toArrays(optimizerState), metadata);
        Safetensors.write(runDir.resolve(MODEL_FILE), toArrays(modelState), metadata);
        Map<String, Object> body = new LinkedHashMap<>(state);
        body.put("format", FORMAT);
        body.put("epoch", epoch);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("state", body);
        file.put("crc32c", crc(canonical(body)));
        AtomicFiles.writeString(runDir.resolve(STATE_FILE), JSON.writeValueAsString(file) + "\n");
        // 3. Committed: the previous generation is no longer needed.
        for (String name : FILES) {
            Files.deleteIfExists(previous(runDir.resolve(name)));
        }
    }

    /**
     * Reads and verifies the newest consistent checkpoint in {@code runDir}: {@code state.json}
     * with the tensor files of the same epoch, else (after a save was interrupted) the previous
     * generation.
     */
    public static Contents load(Path runDir) throws IOException {
        return load(runDir, true);
    }

    /**
     * As {@link #load(Path)}; without {@code withOptimizer} the optimizer file is neither read nor
     * required (evaluation needs the weights and {@code state.json} only), and
     * {@link Contents#optimizer()} is empty.
     */
    public static Contents load(Path runDir, boolean withOptimizer) throws IOException {
        return load(runDir, true, withOptimizer);
    }

    /**
     * Only {@code state.json} (configuration, normalization, history): for evaluating weights that
     * come from elsewhere. {@link Contents#model()} and {@link Contents#optimizer()} are empty.
     */
    public static Contents loadState(Path runDir) throws IOException {
        return load(runDir, false, false);
    }

    /**
     * The epoch of the newest complete, verified checkpoint in {@code runDir} (all three files of
     * one epoch, checksums intact), read from disk; empty if there is none. What {@code --resume}
     * would continue from.
     */
    public static java.util.OptionalInt lastCompleteEpoch(Path runDir) {
        try {
            return java.util.OptionalInt.of(load(runDir, true, true).epoch());
        } catch (IOException | RuntimeException none) {
            return java.util.OptionalInt.empty();
        }
    }

    private static Contents load(Path runDir, boolean withModel, boolean withOptimizer) throws IOException {
        Path stateFile = runDir.resolve(STATE_FILE);
        if (!Files.isDirectory(runDir)) {
            throw new NoSuchFileException(runDir.toString(), null, (Files.exists(runDir) ? "a file, not a folder"
                    : "no such folder") + "; is it a run folder written by 'nabla train'?");
        }
        if (!Files.exists(stateFile) && !Files.exists(previous(stateFile))) {
            throw new NoSuchFileException(stateFile.toString(), null, "no checkpoint in " + runDir + " (state.json"
                    + " missing" + (isEmpty(runDir) ? ", the folder is empty" : "") + "); is it a run folder written"
                    + " by 'nabla train'?");
        }
        IOException firstProblem = null;
        for (Path candidate : List.of(stateFile, previous(stateFile))) {
            if (!Files.exists(candidate)) {
                continue;
            }
            try {
                Map<String, Object> state = readState(candidate);
                int epoch = ((Number) state.get("epoch")).intValue();
                Map<String, NamedArray> model = withModel
                        ? readMatching(runDir.resolve(MODEL_FILE), epoch).tensors() : Map.of();
                Map<String, NamedArray> optimizer = withOptimizer
                        ? readMatching(runDir.resolve(OPTIMIZER_FILE), epoch).tensors() : Map.of();
                return new Contents(epoch, model, optimizer, state);
            } catch (IOException e) {
                if (firstProblem == null) {
                    firstProblem = e;
                }
            }
        }
        throw firstProblem;
    }

    private static final List<String> FILES = List.of(MODEL_FILE, OPTIMIZER_FILE, STATE_FILE);

    private static boolean isEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException unreadable) {
            return false;
        }
    }

    private static Path previous(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling(name.substring(0, dot) + ".prev" + name.substring(dot));
    }

    private static boolean anyPreviousExists(Path runDir) {
        return FILES.stream().anyMatch(name -> Files.exists(previous(runDir.resolve(name))));
    }

    /** A Jackson error as its message and line, without the parser's source dump. */
    private record JsonLocationless(com.fasterxml.jackson.core.JacksonException e) {
        @Override
        public String toString() {
            var location = e.getLocation();
            // an unclosed object's message names where it started as "[Source: ...; line: 2, column: 13]"
            String message = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; (line: \\d+, column: \\d+)]", "$1");
            return message + (location != null && location.getLineNr() > 0
                    ? " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")" : "");
        }
    }

    private static Map<String, Object> readState(Path stateFile) throws IOException {
        Map<String, Object> file;
        try {
            file = JSON.readValue(Files.readString(stateFile, StandardCharsets.UTF_8), new TypeReference<>() {
            });
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // getOriginalMessage: without Jackson's "at [Source: ...; line, column]" suffix
            JsonLocationless where = new JsonLocationless(e);
            throw new CorruptCheckpointException(stateFile, "not valid JSON (truncated or edited?): " + where);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CorruptCheckpointException(stateFile, "not valid UTF-8 text (overwritten or edited?)");
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
        if (!FORMAT.equals(state.get("format")) || !(state.get("epoch") instanceof Number)) {
            throw new CorruptCheckpointException(stateFile, "unknown format " + state.get("format") + ", expected "
                    + FORMAT);
        }
        return state;
    }

    /** The file, or its previous generation, whichever holds {@code epoch}. */
    private static Safetensors.Loaded readMatching(Path file, int epoch) throws IOException {
        IOException problem = null;
        for (Path candidate : List.of(file, previous(file))) {
            if (!Files.exists(candidate)) {
                continue;
            }
            try {
                Safetensors.Loaded loaded = Safetensors.read(candidate);
                checkEpoch(candidate, loaded, epoch);
                return loaded;
            } catch (IOException e) {
                if (problem == null) {
                    problem = e;
                }
            }
        }
        if (problem == null) {
            throw new NoSuchFileException(file.toString(), null, "missing from the checkpoint");
        }
        throw problem;
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
                case BF16, F16 -> NamedArray.bits16(t.dtype(), t.toBits(), t.shape());
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
