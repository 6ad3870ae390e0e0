package dev.nabla.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds a Python 3 with PyTorch and/or NumPy for {@code nabla bench --compare}, and unpacks the
 * comparison scripts ({@code benchmarks/compare/*.py}, packed into this jar) to run them.
 *
 * <p>Candidates, first match wins: {@code $NABLA_PYTHON}, {@code python3} on {@code PATH},
 * {@code /usr/bin/python3} (Debian's, which has {@code python3-torch} and {@code python3-numpy}
 * even when a pyenv {@code python3} shadows it), {@code python}. A candidate with both libraries
 * beats one with only one of them.
 */
public final class PythonEnv {

    /** Script names inside the jar, under {@code dev/nabla/bench/compare/}. */
    static final List<String> SCRIPTS = List.of("common.py", "torch_bench.py", "numpy_bench.py");

    private static final String PROBE = String.join("\n",
            "import json, sys",
            "r = {'executable': sys.executable, 'version': sys.version.split()[0]}",
            "try:",
            "    import numpy; r['numpy'] = numpy.__version__",
            "except Exception as e:",
            "    r['numpyError'] = '%s: %s' % (type(e).__name__, e)",
            "try:",
            "    import torch; r['torch'] = torch.__version__",
            "except Exception as e:",
            "    r['torchError'] = '%s: %s' % (type(e).__name__, e)",
            "print(json.dumps(r))");

    /**
     * One interpreter and what it has.
     *
     * @param command      how it was started ({@code /usr/bin/python3})
     * @param version      Python version
     * @param torch        PyTorch version, absent if it does not import
     * @param numpy        NumPy version, absent if it does not import
     * @param torchError   why torch did not import
     * @param numpyError   why numpy did not import
     */
    public record Interpreter(String command, String version, Optional<String> torch, Optional<String> numpy,
                              String torchError, String numpyError) {
        int score() {
            return (torch.isPresent() ? 1 : 0) + (numpy.isPresent() ? 1 : 0);
        }
    }

    /**
     * What discovery found: the interpreter to use (if any has torch or numpy) and a message
     * for each missing piece.
     */
    public record Discovery(Optional<Interpreter> chosen, List<String> missing) {
    }

    private PythonEnv() {
    }

    /** Candidate commands in order of preference. */
    static List<String> candidates() {
        Set<String> result = new LinkedHashSet<>();
        String env = System.getenv("NABLA_PYTHON");
        if (env != null && !env.isBlank()) {
            result.add(env.trim());
        }
        result.add("python3");
        result.add("/usr/bin/python3");
        result.add("python");
        return List.copyOf(result);
    }

    /** Probes every candidate (a few seconds: importing torch is slow) and picks the best. */
    public static Discovery discover() {
        List<Interpreter> found = new ArrayList<>();
        List<String> notRunning = new ArrayList<>();
        for (String command : candidates()) {
            try {
                Interpreter interpreter = probe(command);
                found.add(interpreter);
                if (interpreter.score() == 2) {
                    break;
                }
            } catch (IOException e) {
                notRunning.add(command + " (" + e.getMessage() + ")");
            }
        }
        return choose(found, notRunning);
    }

    /** The best interpreter of {@code found} and what is missing; separated out for tests. */
    static Discovery choose(List<Interpreter> found, List<String> notRunning) {
        List<String> missing = new ArrayList<>();
        Interpreter best = null;
        for (Interpreter i : found) {
            if (best == null || i.score() > best.score()) {
                best = i;
            }
        }
        if (best == null || best.score() == 0) {
            if (found.isEmpty()) {
                missing.add("no python3 found (tried " + String.join(", ", notRunning.isEmpty() ? candidates()
                        : notRunning) + "); install python3 with python3-torch and python3-numpy (Debian), "
                        + "or set NABLA_PYTHON");
            } else {
                missing.add("PyTorch and NumPy: none of " + String.join(", ", found.stream()
                        .map(Interpreter::command).toList()) + " imports them; on Debian: apt-get install "
                        + "python3-torch python3-numpy (or set NABLA_PYTHON to a python that has them)");
            }
            return new Discovery(Optional.empty(), missing);
        }
        if (best.torch().isEmpty()) {
            missing.add("PyTorch: " + best.command() + " cannot import torch (" + best.torchError()
                    + "); on Debian: apt-get install python3-torch");
        }
        if (best.numpy().isEmpty()) {
            missing.add("NumPy: " + best.command() + " cannot import numpy (" + best.numpyError()
                    + "); on Debian: apt-get install python3-numpy");
        }
        return new Discovery(Optional.of(best), missing);
    }

    static Interpreter probe(String command) throws IOException {
        Process p = new ProcessBuilder(command, "-c", PROBE).redirectErrorStream(false).start();
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (p.exitValue() != 0 || out.isEmpty()) {
            throw new IOException("exit code " + p.exitValue());
        }
        String last = out.substring(out.lastIndexOf('\n') + 1);
        JsonNode json = new ObjectMapper().readTree(last);
        return new Interpreter(command, json.path("version").asText(),
                optional(json, "torch"), optional(json, "numpy"),
                json.path("torchError").asText(""), json.path("numpyError").asText(""));
    }

    private static Optional<String> optional(JsonNode json, String field) {
        return json.hasNonNull(field) ? Optional.of(json.get(field).asText()) : Optional.empty();
    }

    /** Unpacks the scripts into a fresh temporary folder (deleted on exit) and returns it. */
    public static Path unpackScripts() throws IOException {
        Path dir = Files.createTempDirectory("nabla-compare-");
        dir.toFile().deleteOnExit();
        for (String name : SCRIPTS) {
            try (InputStream in = PythonEnv.class.getResourceAsStream("compare/" + name)) {
                if (in == null) {
                    throw new IOException("comparison script " + name + " is missing from the benchmarks jar");
                }
                Path file = dir.resolve(name);
                Files.copy(in, file);
                file.toFile().deleteOnExit();
            }
        }
        return dir;
    }
}
