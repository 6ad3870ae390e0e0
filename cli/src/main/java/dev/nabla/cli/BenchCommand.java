package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.bench.BackendSelection;
import dev.nabla.bench.BarChart;
import dev.nabla.bench.BlasCheck;
import dev.nabla.bench.Contender;
import dev.nabla.bench.CpuIsa;
import dev.nabla.bench.Machine;
import dev.nabla.bench.NablaContender;
import dev.nabla.bench.PeakProbe;
import dev.nabla.bench.PythonContender;
import dev.nabla.bench.PythonEnv;
import dev.nabla.bench.Report;
import dev.nabla.bench.Result;
import dev.nabla.bench.Runner;
import dev.nabla.bench.StepProfile;
import dev.nabla.bench.Workload;
import dev.nabla.bench.Workloads;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nabla bench}: times the same workloads on every selected backend (and, with
 * {@code --compare}, in PyTorch and NumPy/OpenBLAS, interleaved), and prints a table; optionally
 * writes JSON and a PNG bar chart. The workloads, statistics and renderings live in
 * {@code dev.nabla.bench} (module {@code benchmarks}); see docs/benchmarks.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark backends side by side (GFLOP/s, GB/s, fraction of peak, samples/s).",
            "Each workload warms up until its timings settle, then takes --repeats samples per backend",
            "interleaved with the others; the table shows medians. See docs/benchmarks.md."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--workload", defaultValue = "all", paramLabel = "LIST",
            description = "matmul, elementwise, reduce, cross-entropy, optimizer, mlp-step, or all"
                    + " (comma-separated; default: ${DEFAULT-VALUE}); or allreduce alone: the bus bandwidth of"
                    + " all-reduce between --nproc local ranks over MPI, 4 KB to 256 MB; or ddp-step alone: the"
                    + " data-parallel mlp-step (one global --batch split over the ranks) at 1, 2, 4... up to --nproc"
                    + " local ranks, with speedup and efficiency.")
    String workload;

    @Option(names = "--nproc", defaultValue = "2", paramLabel = "N",
            description = "With --workload allreduce or ddp-step: the number of local ranks mpirun starts (default:"
                    + " ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = "--dist-backend", defaultValue = "auto", paramLabel = "ENGINE",
            description = "With --workload ddp-step: auto, mpi or nccl, as train's (default: ${DEFAULT-VALUE}).")
    String distBackend;

    @Option(names = "--backend", defaultValue = "all", paramLabel = "LIST",
            description = "all (every available backend except the slow scalar 'reference'), or a list"
                    + " of backends or devices: cpu,reference,opencl:0,cuda:1 (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--size", paramLabel = "N[,N...]",
            description = "matmul: square sizes (default: 256,512,1024,2048,4096 plus the MLP layer shapes).")
    String size;

    @Option(names = "--mnk", paramLabel = "M,N,K", description = "matmul: one shape, C[M,N] = op(A)[M,K] op(B)[K,N].")
    String mnk;

    @Option(names = "--trans", defaultValue = "NN", paramLabel = "XY",
            description = "matmul with --size/--mnk: NN, NT, TN or TT (default: ${DEFAULT-VALUE}).")
    String trans;

    @Option(names = "--hidden", paramLabel = "W1,W2,...",
            description = "mlp-step: hidden widths of a 784-...-10 MLP (default: 1024,1024 at batch 256,"
                    + " and 512,256 at batch 128).")
    String hidden;

    @Option(names = "--batch", paramLabel = "N", description = "mlp-step: batch size (default 256).")
    Integer batch;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "NAME",
            description = "mlp-step and optimizer: adam, adamw or sgd (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--elements", paramLabel = "ROWS,COLS",
            description = "elementwise and reduce: tensor shape (default: 1024,4096).")
    String elements;

    @Option(names = "--logits", paramLabel = "ROWS,CLASSES",
            description = "cross-entropy: logits shape (default: 4096,1000).")
    String logits;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "TYPE",
            description = "f32, bf16 or f16, or a list (f32,bf16): matmul and elementwise on tensors of that dtype, mlp-step under Autocast"
                    + " with F32 master weights (f16 with a GradScaler); with --compare, PyTorch's runs in the same"
                    + " dtype. 16-bit runs take matmul, elementwise and mlp-step only (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--repeats", defaultValue = "10", paramLabel = "N",
            description = "Samples per workload and backend (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--sample-ms", defaultValue = "50", paramLabel = "MS",
            description = "Target length of one sample; short calls are batched (default: ${DEFAULT-VALUE}).")
    double sampleMs;

    @Option(names = "--compare",
            description = "Also run the workloads in PyTorch and NumPy (python3 with torch/numpy; "
                    + "$NABLA_PYTHON picks one), interleaved, and print Nabla's speed ratios.")
    boolean compare;

    @Option(names = "--keep-blas-env",
            description = "With --compare: keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the contenders' environment"
                    + " (by default they are removed, so OpenBLAS runs this CPU's own kernels).")
    boolean keepBlasEnv;

    @Option(names = "--cpu-isa", paramLabel = "ISA",
            description = "Run the CPU rows at a forced instruction set: avx512, avx2, avx or sse (a JVM started again"
                    + " with -XX:UseAVX=3/2/1/0; x86-64 only). With --compare, OpenBLAS is pinned to the matching"
                    + " kernels (OPENBLAS_CORETYPE=Haswell, Sandybridge, Nehalem; none for avx512).")
    String cpuIsa;

    @Option(names = "--compare-threads", paramLabel = "N",
            description = "Threads for PyTorch and NumPy/OpenBLAS (default: the number of cores, as Nabla's pool).")
    Integer compareThreads;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON.")
    Path json;

    @Option(names = "--png", paramLabel = "FILE", description = "Draw a bar chart (PNG).")
    Path png;

    @Option(names = "--reprobe", description = "Measure the CPU's FMA peak again instead of using the cached value.")
    boolean reprobe;

    @Option(names = "--profile", description = "Instead of timing side by side, profile the mlp-step workloads on each"
            + " selected device: time per backend operation in one training step (like torch.profiler's table),"
            + " measured for 4 x --repeats x --sample-ms (2 s) after as long a warm-up (at least 0.5 s, at most 3 s).")
    boolean profile;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (workload.equals("allreduce")) {
            return AllReduceBench.run(nproc, err);
        }
        if (workload.equals("ddp-step")) {
            if (backend.contains(",")) {
                throw new IllegalArgumentException("--workload ddp-step: one --backend at a time (cpu, cuda...), got "
                        + backend);
            }
            return AllReduceBench.runStepScaling(nproc, backend.equals("all") ? "cpu" : backend,
                    hidden == null ? "1024,1024" : hidden, batch == null ? 256 : batch,
                    Math.max(1, repeats * sampleMs / 1000 * 4), distBackend, out, err);
        }
        if (cpuIsa != null) {
            Optional<Integer> forked = forkForIsa(err);
            if (forked.isPresent()) {
                return forked.get();
            }
        }
        List<Workload> workloads;
        BackendSelection selection;
        Runner.Settings settings;
        try {
            workloads = workloads();
            selection = BackendSelection.select(backend);
            if (!(sampleMs > 0)) {
                throw new IllegalArgumentException("--sample-ms must be positive, got " + sampleMs);
            }
            if (compareThreads != null && compareThreads < 1) {
                throw new IllegalArgumentException("--compare-threads must be at least 1, got " + compareThreads);
            }
            settings = new Runner.Settings(repeats, sampleMs / 1000, 6, 6);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        String date = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (Map.Entry<String, String> s : selection.skipped().entrySet()) {
            err.println("skipping " + s.getKey() + ": " + s.getValue());
        }
        if (selection.devices().isEmpty() && !compare) {
            throw new IllegalStateException("no backend to benchmark: " + (selection.skipped().isEmpty()
                    ? "none selected" : String.join("; ", selection.skipped().entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue()).toList())));
        }

        if (profile) {
            return profile(workloads, selection, out, err);
        }

        List<Contender> contenders = new ArrayList<>();
        boolean cpuSide = false;
        for (String id : selection.devices()) {
            Device device = Device.of(id);
            contenders.add(new NablaContender(device));
            cpuSide |= device.info().kind() == DeviceInfo.Kind.CPU;
        }
        Map<String, Object> compareInfo = new LinkedHashMap<>();
        if (compare) {
            cpuSide = true;
            contenders.addAll(startPython(compareInfo, err));
        } else {
            compareInfo.put("enabled", false);
        }
        Optional<PeakProbe.Peak> peak = cpuSide ? Optional.of(PeakProbe.get(reprobe, err::println)) : Optional.empty();
        double cpuPeak = peak.map(PeakProbe.Peak::flops).orElse(0.0);

        Runner runner = new Runner(settings, c -> peakOf(c, cpuPeak), line -> {
            err.println(line);
            err.flush();
        });
        List<Result> results = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < workloads.size(); i++) {
                Workload w = workloads.get(i);
                err.printf("[%d/%d] %s %s%n", i + 1, workloads.size(), w.kind(), w.label());
                err.flush();
                results.addAll(runner.run(w, contenders));
            }
        } finally {
            for (Contender c : contenders) {
                c.close();
            }
        }
        err.printf("done in %.0f s%n", (System.nanoTime() - started) * 1e-9);
        err.flush();

        Map<String, String> unavailable = new LinkedHashMap<>(selection.skipped());
        Report report = new Report(date, commandLine(), Machine.describe(), peak, results, unavailable, compareInfo);
        out.println();
        out.print(report.table());
        out.println();
        out.print(report.notes());
        if (json != null) {
            report.writeJson(json);
            out.println("wrote " + json);
        }
        if (png != null) {
            BarChart.write(report, png);
            out.println("wrote " + png);
        }
        out.flush();
        return 0;
    }

    /**
     * A device's own peak when its backend reports one (GPUs, from device properties); the
     * measured CPU peak for CPU devices and the Python libraries (which run on the CPU); else unknown.
     */
    private static double peakOf(Contender c, double cpuPeak) {
        if (c instanceof NablaContender n) {
            var reported = n.device().backend().peakFlops();
            if (reported.isPresent()) {
                return reported.getAsDouble();
            }
            return n.device().info().kind() == DeviceInfo.Kind.CPU ? cpuPeak : 0;
        }
        return cpuPeak;
    }

    /**
     * {@code --cpu-isa}: in the JVM the user started, runs the same command again in a JVM with the
     * ISA's flags and returns its exit status; in that forked JVM (which says which ISA it was
     * started for) returns empty, and the benchmark runs here.
     */
    private Optional<Integer> forkForIsa(PrintWriter err) throws IOException {
        CpuIsa isa;
        List<String> command;
        try {
            isa = CpuIsa.parse(cpuIsa);
            Optional<CpuIsa> running = CpuIsa.forced();
            if (running.isPresent()) {
                if (running.get() != isa) {
                    throw new IllegalArgumentException("--cpu-isa " + isa.label() + " in a JVM forked for "
                            + running.get().label());
                }
                return Optional.empty();
            }
            command = isa.forkCommand(Main.class.getName(), spec.commandLine().getParseResult().originalArgs());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        err.println("--cpu-isa " + isa.label() + ": running the benchmark in a JVM with " + String.join(" ",
                isa.jvmFlags()));
        err.flush();
        Process child = new ProcessBuilder(command).inheritIO().start();
        try {
            return Optional.of(child.waitFor());
        } catch (InterruptedException e) {
            child.destroy();
            Thread.currentThread().interrupt();
            return Optional.of(130);
        }
    }

    private List<Contender> startPython(Map<String, Object> info, PrintWriter err) throws IOException {
        info.put("enabled", true);
        err.println("looking for python3 with torch and numpy...");
        err.flush();
        PythonEnv.Discovery found = PythonEnv.discover();
        info.put("missing", found.missing());
        for (String m : found.missing()) {
            err.println("compare: missing " + m);
        }
        List<Contender> result = new ArrayList<>();
        if (found.chosen().isEmpty()) {
            return result;
        }
        PythonEnv.Interpreter python = found.chosen().get();
        info.put("python", python.command() + " (Python " + python.version() + ")");
        int threads = compareThreads != null ? compareThreads : Runtime.getRuntime().availableProcessors();
        info.put("threads", threads);
        info.put("ompWaitPolicy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "PASSIVE"));
        info.put("openblasThreadTimeout", System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT",
                PythonContender.OPENBLAS_THREAD_TIMEOUT));
        PythonContender.blasEnvironmentNote(System.getenv(), keepBlasEnv, CpuIsa.forced())
                .ifPresent(note -> info.put("blasEnv", note));
        Path scripts = PythonEnv.unpackScripts();
        if (python.torch().isPresent()) {
            result.add(startOne("torch", python, scripts, "torch_bench.py", threads, keepBlasEnv, info, err));
        }
        if (python.numpy().isPresent()) {
            result.add(startOne("numpy", python, scripts, "numpy_bench.py", threads, keepBlasEnv, info, err));
        }
        result.removeIf(java.util.Objects::isNull);
        return result;
    }

    private static Contender startOne(String name, PythonEnv.Interpreter python, Path scripts, String script,
                                      int threads, boolean keepBlasEnv, Map<String, Object> info, PrintWriter err) {
        try {
            PythonContender c = PythonContender.start(name, python.command(), scripts, script, threads, keepBlasEnv,
                    CpuIsa.forced());
            if (!keepBlasEnv && PythonContender.blasEnvironmentNote(System.getenv(), false).isPresent()) {
                // The pins were removed: trust this BLAS on the CPU's own kernels only once one GEMM is right.
                String shape = BlasCheck.M + "×" + BlasCheck.N + "×" + BlasCheck.K;
                Optional<String> wrong = checkGemm(c);
                if (wrong.isPresent()) {
                    c.close();
                    err.println("compare: " + name + " without the OpenBLAS pins got a " + shape + " GEMM wrong ("
                            + wrong.get() + "); running it with the pins kept");
                    c = PythonContender.start(name, python.command(), scripts, script, threads, true, CpuIsa.forced());
                    info.put(name + "BlasCheck", "without the pins a " + shape + " GEMM was wrong (" + wrong.get()
                            + "), so " + name + " ran with them");
                } else {
                    info.put(name + "BlasCheck", "a " + shape + " GEMM without the pins matched Nabla's exactly");
                }
            }
            info.put(name, c.description());
            info.put(name + "Info", c.info());
            return c;
        } catch (IOException | RuntimeException e) {
            err.println("compare: cannot start " + name + ": " + e.getMessage());
            List<String> missing = new ArrayList<>(castList(info.get("missing")));
            missing.add(name + ": " + e.getMessage());
            info.put("missing", missing);
            return null;
        }
    }

    /**
     * Empty when the contender's {@link BlasCheck} GEMM equals Nabla's on the CPU (both must be
     * exact), else what went wrong, including a contender that failed or died computing it.
     */
    static Optional<String> checkGemm(PythonContender contender) {
        float[] nabla = nablaCheckGemm();
        float[] got;
        try {
            got = contender.gemmCheck(BlasCheck.M, BlasCheck.N, BlasCheck.K);
        } catch (RuntimeException e) {
            return Optional.of("it failed: " + e.getMessage());
        }
        return BlasCheck.mismatch(got, nabla, BlasCheck.N);
    }

    /** Nabla's result of the check GEMM on the CPU; the exact product if Nabla's differs (which it reports). */
    private static float[] nablaCheckGemm() {
        float[] exact = BlasCheck.expected(BlasCheck.M, BlasCheck.N, BlasCheck.K);
        Device cpu = Device.cpu();
        try (Tensor a = Tensor.of(cpu, BlasCheck.a(BlasCheck.M, BlasCheck.K), BlasCheck.M, BlasCheck.K);
             Tensor b = Tensor.of(cpu, BlasCheck.b(BlasCheck.K, BlasCheck.N), BlasCheck.K, BlasCheck.N);
             Tensor c = a.matmul(b)) {
            float[] nabla = c.toFloatArray();
            Optional<String> wrong = BlasCheck.mismatch(nabla, exact, BlasCheck.N);
            if (wrong.isPresent()) {
                System.getLogger("dev.nabla.cli").log(System.Logger.Level.WARNING,
                        "bench: Nabla's own check GEMM on " + cpu + " is not exact: " + wrong.get());
                return exact;
            }
            return nabla;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return o instanceof List<?> l ? (List<String>) l : List.of();
    }

    /** {@code --profile}: one table per mlp-step workload and device. */
    private int profile(List<Workload> workloads, BackendSelection selection, PrintWriter out, PrintWriter err) {
        List<Workload.MlpStep> steps = workloads.stream().filter(w -> w instanceof Workload.MlpStep)
                .map(w -> (Workload.MlpStep) w).toList();
        if (steps.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "--profile profiles training steps: use --workload mlp-step (or all), not " + workload);
        }
        if (compare) {
            throw new ParameterException(spec.commandLine(), "--profile and --compare cannot be combined: PyTorch's"
                    + " steps are not visible to Nabla's profiler (use torch.profiler for them)");
        }
        for (String id : selection.devices()) {
            Device device = Device.of(id);
            for (Workload.MlpStep step : steps) {
                err.printf("profiling %s on %s%n", step.label(), id);
                err.flush();
                out.println();
                double measure = 4.0 * repeats * sampleMs / 1000;
                out.print(StepProfile.run(step, device, Math.min(3.0, Math.max(0.5, measure)), measure));
                out.flush();
            }
        }
        return 0;
    }

    /**
     * The workloads asked for, once per {@code --dtype} in the order given ({@code f32,bf16} runs
     * the F32 rows, then the same workloads in BF16), so one run shows the dtypes one under another.
     */
    List<Workload> workloads() {
        List<Workload> result = new java.util.ArrayList<>();
        java.util.Set<dev.nabla.DType> seen = new java.util.LinkedHashSet<>();
        for (String one : dtype.split(",", -1)) {
            if (!seen.add(Workloads.parseDtype(one))) {
                throw new IllegalArgumentException("--dtype: '" + one.trim() + "' is given twice in '" + dtype + "'");
            }
        }
        for (dev.nabla.DType type : seen) {
            result.addAll(Workloads.build(options(type)));
        }
        return result;
    }

    Workloads.Options options(dev.nabla.DType type) {
        return new Workloads.Options(
                Workloads.parseKinds(workload),
                size == null ? null : Workloads.parsePositiveInts("--size", size),
                mnk == null ? null : Workloads.parseTuple("--mnk", mnk, 3, "M,N,K"),
                trans,
                hidden == null ? null : Workloads.parsePositiveInts("--hidden", hidden),
                positiveOrNull("--batch", batch),
                optimizer,
                elements == null ? null : Workloads.parseTuple("--elements", elements, 2, "ROWS,COLS"),
                logits == null ? null : Workloads.parseTuple("--logits", logits, 2, "ROWS,CLASSES"),
                type);
    }

    private static Integer positiveOrNull(String option, Integer value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
        return value;
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        return "nabla bench " + String.join(" ", args);
    }
}
