package dev.nabla.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PyTorch or NumPy in a long-lived Python process ({@code torch_bench.py --serve}), asked for one
 * sample at a time so that its samples interleave with Nabla's. Timing happens inside Python
 * ({@code time.perf_counter} around the calls), so the pipe round trip is not counted.
 */
public final class PythonContender implements Contender {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Path stderr;
    private final String description;
    private final JsonNode info;

    private PythonContender(String name, Process process, Path stderr) throws IOException {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        ObjectNode request = JSON.createObjectNode().put("op", "info");
        this.info = call(request);
        this.description = info.path("library").asText(name) + ", " + info.path("threads").asText("?")
                + " threads";
    }

    /**
     * Starts {@code script} ({@code torch_bench.py} or {@code numpy_bench.py} in {@code scripts})
     * with {@code python}, its libraries limited to {@code threads} threads.
     */
    public static PythonContender start(String name, String python, Path scripts, String script, int threads)
            throws IOException {
        return start(name, python, scripts, script, threads, false);
    }

    /**
     * As {@link #start(String, String, Path, String, int)}; {@code keepBlasEnv} keeps
     * {@link #BLAS_CORE_VARIABLES} in the contender's environment instead of removing them.
     */
    public static PythonContender start(String name, String python, Path scripts, String script, int threads,
                                        boolean keepBlasEnv) throws IOException {
        return start(name, python, scripts, script, threads, keepBlasEnv, Optional.empty());
    }

    /**
     * As above, for CPU rows forced to {@code isa} ({@code --cpu-isa}): OpenBLAS is pinned to that
     * ISA's kernel core ({@link CpuIsa#openBlasCore()}; unpinned for AVX-512) whatever the
     * environment says, so both sides of the table run the same instructions.
     */
    public static PythonContender start(String name, String python, Path scripts, String script, int threads,
                                        boolean keepBlasEnv, Optional<CpuIsa> isa) throws IOException {
        Path err = Files.createTempFile("nabla-" + name + "-", ".log");
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(python, scripts.resolve(script).toString(), "--serve", "--threads",
                Integer.toString(threads))
                .redirectError(err.toFile());
        prepareEnvironment(pb.environment(), threads, keepBlasEnv, isa);
        Process process = pb.start();
        try {
            return new PythonContender(name, process, err);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /**
     * Variables that pin OpenBLAS to another kernel core or cache size than the CPU's own. Some
     * machines set them (e.g. {@code OPENBLAS_CORETYPE=Haswell} on an AVX-512 CPU); measured here,
     * that made NumPy's 2048³ SGEMM 195 GFLOP/s instead of 331-353, and the table flattered Nabla
     * 1.4-1.6× where the honest figure was 0.87×. So {@code --compare} removes them unless told
     * to keep them, and the table's footer says which it did.
     */
    public static final List<String> BLAS_CORE_VARIABLES = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    /** The contender's environment: thread counts, passive waiting, and the BLAS pins removed or kept. */
    static void prepareEnvironment(Map<String, String> env, int threads, boolean keepBlasEnv) {
        prepareEnvironment(env, threads, keepBlasEnv, Optional.empty());
    }

    /** As above; a forced {@code isa} then sets (or, for AVX-512, removes) {@code OPENBLAS_CORETYPE}. */
    static void prepareEnvironment(Map<String, String> env, int threads, boolean keepBlasEnv, Optional<CpuIsa> isa) {
        for (String var : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            env.put(var, Integer.toString(threads));
        }
        // OpenMP threads spin while they wait for work by default; when anything else holds one
        // of a few cores (a build, the JVM's GC), PyTorch's element-wise loops then run 10-30x
        // slower. Passive waiting is what a shared machine needs; an explicit setting wins.
        env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        // OpenBLAS's own (pthreads) workers spin 2^28 cycles (≈ 0.1 s) after every call before
        // they sleep, i.e. they keep a core busy well into the NEXT contender's sample: measured
        // here, Nabla's 512³ sample right after NumPy's ran at 152-262 GFLOP/s instead of 295-298.
        // 2^17 cycles (≈ 40 µs) is the spin Nabla's own pool allows itself (50 µs); PyTorch's and
        // NumPy's own figures did not move with it.
        env.putIfAbsent("OPENBLAS_THREAD_TIMEOUT", OPENBLAS_THREAD_TIMEOUT);
        if (!keepBlasEnv) {
            BLAS_CORE_VARIABLES.forEach(env::remove);
        }
        isa.ifPresent(forced -> forced.openBlasCore().ifPresentOrElse(core -> env.put("OPENBLAS_CORETYPE", core),
                () -> env.remove("OPENBLAS_CORETYPE")));
    }

    /**
     * What the footer says about {@link #BLAS_CORE_VARIABLES} set in {@code env}: empty when none
     * is set, else which were removed from (or kept in) the contenders' environment.
     */
    public static java.util.Optional<String> blasEnvironmentNote(Map<String, String> env, boolean keepBlasEnv,
                                                                 Optional<CpuIsa> isa) {
        if (isa.isEmpty()) {
            return blasEnvironmentNote(env, keepBlasEnv);
        }
        // The pin replaces any OPENBLAS_CORETYPE of the environment; only the other variables need a word.
        Map<String, String> others = new java.util.HashMap<>(env);
        others.remove("OPENBLAS_CORETYPE");
        Optional<String> note = blasEnvironmentNote(others, keepBlasEnv).map(n -> n.replace(
                " so OpenBLAS runs this CPU's own kernels", ""));
        String pin = isa.get().openBlasCore().map(core -> "OPENBLAS_CORETYPE=" + core + " (the " + isa.get().label()
                + " kernels) for the contenders, as --cpu-isa " + isa.get().label() + " asks")
                .orElse("no OPENBLAS_CORETYPE for the contenders (OpenBLAS runs this CPU's own kernels), as --cpu-isa "
                        + isa.get().label() + " asks");
        return Optional.of(pin + note.map(n -> "; " + n).orElse(""));
    }

    public static java.util.Optional<String> blasEnvironmentNote(Map<String, String> env, boolean keepBlasEnv) {
        List<String> set = BLAS_CORE_VARIABLES.stream().filter(env::containsKey).map(v -> v + "=" + env.get(v))
                .toList();
        if (set.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(keepBlasEnv
                ? "kept " + String.join(", ", set) + " for the contenders (--keep-blas-env): their BLAS may not run"
                        + " this CPU's fastest kernels"
                : "removed " + String.join(", ", set) + " from the contenders' environment so OpenBLAS runs this"
                        + " CPU's own kernels (--keep-blas-env keeps them)");
    }

    /** log2 of the cycles OpenBLAS worker threads spin before sleeping, unless the environment says otherwise. */
    public static final String OPENBLAS_THREAD_TIMEOUT = "17";

    /** What the script reported about itself (library versions, threads, BLAS libraries loaded). */
    public JsonNode info() {
        return info;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean isNabla() {
        return false;
    }

    @Override
    public void setUp(Workload workload) {
        ObjectNode request = JSON.createObjectNode().put("op", "setup");
        request.set("params", JSON.valueToTree(workload.params()));
        rpc(request);
    }

    @Override
    public double time(int calls) {
        ObjectNode request = JSON.createObjectNode().put("op", "time").put("calls", calls);
        return rpc(request).path("seconds").asDouble();
    }

    /**
     * The contender's result of {@link BlasCheck}'s GEMM of shape m×n×k, row-major.
     *
     * @throws IllegalStateException if the contender failed or ended while computing it
     */
    public float[] gemmCheck(int m, int n, int k) {
        ObjectNode request = JSON.createObjectNode().put("op", "check").put("m", m).put("n", n).put("k", k);
        JsonNode c = rpc(request).path("c");
        float[] result = new float[c.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) c.get(i).asDouble();
        }
        return result;
    }

    @Override
    public void tearDown() {
        // The next setup replaces the workload; Python's GC frees the old one.
    }

    private JsonNode rpc(ObjectNode request) {
        try {
            return call(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode call(ObjectNode request) throws IOException {
        in.write(JSON.writeValueAsString(request));
        in.newLine();
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException(name + " process ended: " + tail());
        }
        JsonNode reply = JSON.readTree(line);
        if (!reply.path("ok").asBoolean(false)) {
            throw new IllegalStateException(name + ": " + reply.path("error").asText("failed"));
        }
        return reply;
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(stderr);
            return lines.isEmpty() ? "(no error output)"
                    : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no error output)";
        }
    }

    @Override
    public void close() {
        try {
            in.write("{\"op\": \"quit\"}");
            in.newLine();
            in.flush();
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
