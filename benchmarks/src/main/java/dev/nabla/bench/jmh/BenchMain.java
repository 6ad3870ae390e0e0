package dev.nabla.bench.jmh;

import dev.nabla.backend.NativeSignals;
import dev.nabla.bench.BackendSelection;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Entry point of {@code benchmarks/target/benchmarks.jar}: JMH's own command line, except that
 * unless {@code -p backend=...} is given, the {@code backend} parameter becomes every available
 * backend (as {@code nabla bench --backend all}: the scalar reference backend only when named), and
 * each backend left out is printed with the reason. Everything else goes to
 * {@link org.openjdk.jmh.Main} unchanged ({@code -h} lists JMH's options).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        restartWithSignalChaining(args);
        List<String> jmhArgs = new ArrayList<>(List.of(args));
        boolean listing = jmhArgs.stream().anyMatch(a -> a.equals("-h") || a.equals("-l") || a.equals("-lp")
                || a.equals("-lprof") || a.equals("-lrf"));
        if (!listing && !hasBackendParam(args)) {
            BackendSelection selection = BackendSelection.select("all");
            for (Map.Entry<String, String> e : selection.skipped().entrySet()) {
                System.out.println("# nabla: skipping backend " + e.getKey() + ": " + e.getValue());
            }
            if (selection.devices().isEmpty()) {
                System.out.println("# nabla: no backend available to benchmark");
                System.exit(1);
            }
            System.out.println("# nabla: backends " + String.join(", ", selection.devices()));
            jmhArgs.add("-p");
            jmhArgs.add("backend=" + String.join(",", selection.devices()));
        }
        org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
    }

    /**
     * JMH's forks inherit this JVM's environment, so they get HotSpot's signal-chaining library
     * only if this JVM has it: started without it ({@code java -jar benchmarks.jar}), this JVM
     * starts itself again with {@code LD_PRELOAD} set and exits with that run's status. Without it
     * PoCL's LLVM can take the JVM's signal handlers and kill a fork (see {@link NativeSignals}).
     */
    private static void restartWithSignalChaining(String[] args) throws Exception {
        Optional<Path> library = NativeSignals.chainingLibrary();
        if (library.isEmpty() || NativeSignals.chainingLoaded() || System.getenv(RESTARTED) != null) {
            return;
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        String preload = builder.environment().get("LD_PRELOAD");
        builder.environment().put("LD_PRELOAD", library.get() + (preload == null || preload.isBlank() ? "" : " " + preload));
        builder.environment().put(RESTARTED, "1");
        System.out.println("# nabla: restarting with LD_PRELOAD=" + library.get() + " (signal chaining for JMH's forks)");
        System.exit(builder.start().waitFor());
    }

    /** Set in the restarted JVM, so that it never restarts again. */
    private static final String RESTARTED = "NABLA_BENCH_SIGNAL_CHAINING_RESTART";

    static boolean hasBackendParam(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-p") && i + 1 < args.length && args[i + 1].startsWith("backend=")) {
                return true;
            }
            if (args[i].startsWith("-pbackend=")) {
                return true;
            }
        }
        return false;
    }
}
