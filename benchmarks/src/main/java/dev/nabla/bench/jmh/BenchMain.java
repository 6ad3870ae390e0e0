package dev.nabla.bench.jmh;

import dev.nabla.bench.BackendSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
