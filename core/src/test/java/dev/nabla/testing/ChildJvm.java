package dev.nabla.testing;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM: the same {@code java}, the flags every Nabla JVM gets, and a
 * class path that holds everything this JVM can load (inside a bundle the test classes come
 * through the JUnit console launcher's own class loader, not {@code java.class.path}).
 */
public final class ChildJvm {

    /** Linux signal names by number, for exit statuses of 128 + signal. */
    private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE",
            9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

    /** What the child did: its exit status and everything it printed (stdout and stderr). */
    public record Result(int exitStatus, String output) {

        /** "exit status 0", or "killed by SIGSEGV (exit status 139)" for a JVM that died of a signal. */
        public String describeExit() {
            if (exitStatus > 128 && exitStatus < 160) {
                int signal = exitStatus - 128;
                return "killed by " + SIGNALS.getOrDefault(signal, "signal " + signal) + " (exit status " + exitStatus + ")";
            }
            return "exit status " + exitStatus;
        }
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code args} and waits at most {@code timeout} (then kills it and
     * throws).
     *
     * @param environment variables to set; a {@code null} value removes the variable
     * @param jvmOptions  options after Nabla's own ({@code --add-modules jdk.incubator.vector
     *                    --enable-native-access=ALL-UNNAMED}), e.g. {@code -Dkey=value}
     */
    public static Result run(Class<?> main, List<String> args, Map<String, String> environment, List<String> jvmOptions,
                             Duration timeout) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(main), main.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process process = builder.start();
        // Read on another thread, so that a child that fills the pipe cannot block the wait below.
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                output.append("[reading the child's output failed: ").append(e).append(']');
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            reader.join(5_000);
            throw new AssertionError(main.getSimpleName() + " did not finish within " + timeout + "; output:\n" + output);
        }
        reader.join();
        return new Result(process.exitValue(), output.toString());
    }

    /** This JVM's class path plus the URLs of every class loader between {@code main} and the system loader. */
    private static String classPath(Class<?> main) throws URISyntaxException {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader loader = main.getClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    if (url.getProtocol().equals("file")) {
                        entries.add(Path.of(url.toURI()).toString());
                    }
                }
            }
        }
        var source = main.getProtectionDomain().getCodeSource();
        if (source != null) {
            entries.add(Path.of(source.getLocation().toURI()).toString());
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }
}
