package dev.nabla.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code nabla} command: entry point of the command line, run by the {@code ./nabla}
 * launcher.
 *
 * <p>Exit codes: 0 success, 1 the command failed (one {@code error: ...} line on stderr; the
 * stack trace too with {@code --debug} or {@code NABLA_DEBUG=1}), 2 a usage error (bad flag or
 * argument; picocli's message, suggestions and a pointer to {@code --help}).
 *
 * <p>To add a subcommand: write a {@code @Command} class implementing
 * {@code Callable<Integer>} in this package and list it in {@code subcommands} below.
 */
@Command(name = "nabla",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Nabla: GPU-accelerated training on the JVM (CUDA, OpenCL, Vector-API CPU).",
        subcommands = {
                DevicesCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class,
        },
        footer = {
                "",
                "The ./nabla launcher also has: test (the test suites: mvn -B verify in a checkout;",
                "in a bundle made with --with-tests, JUnit's console launcher: test --select-class C)",
                "and bundle DIR [--with-tests] (a copy with its own Java runtime, for machines without one).",
                "Environment: NABLA_DEBUG=1 shows stack traces; NABLA_JAVA_OPTS adds JVM options",
                "(e.g. -Xmx8g)."
        })
public final class Main implements Callable<Integer> {

    /** Exit code for a command that failed at run time. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code for a usage error (unknown flag, bad value, missing command). */
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show stack traces of errors (same as NABLA_DEBUG=1).")
    boolean debug;

    private Main() {
    }

    /** No subcommand given: print the usage to stderr and exit with the usage-error code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line on {@code args} and returns the exit code. */
    public static int execute(String... args) {
        configureLogging();
        return execute(newCommandLine(), args);
    }

    /** Runs {@code commandLine} (from {@link #newCommandLine()}) on {@code args}; never throws. */
    static int execute(CommandLine commandLine, String... args) {
        try {
            return commandLine.execute(args);
        } catch (Error e) {
            // picocli wraps exceptions, not errors (OutOfMemoryError, a missing native library).
            PrintWriter err = commandLine.getErr();
            err.println("error: " + describe(e));
            ParseResult parsed = commandLine.getParseResult();
            if (parsed != null ? debugRequested(parsed) : debugFromEnvironment()) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILURE;
        }
    }

    /** The {@code nabla} command with Nabla's error conventions installed; tests use it directly. */
    public static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(EXECUTION_ERRORS);
        commandLine.setParameterExceptionHandler(USAGE_ERRORS);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }

    /**
     * One-line log records ({@code WARNING: ...}) instead of java.util.logging's
     * two-line default with a timestamp, unless the user configured logging.
     */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") == null
                && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
    }

    private static final IParameterExceptionHandler USAGE_ERRORS = (ex, args) -> {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText("error: " + ex.getMessage()));
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return EXIT_USAGE;
    };

    private static final IExecutionExceptionHandler EXECUTION_ERRORS = (ex, cmd, parseResult) -> {
        PrintWriter err = cmd.getErr();
        boolean debug = debugRequested(parseResult);
        err.println(cmd.getColorScheme().errorText("error: " + describe(ex)
                + (debug || isUserFacing(ex) ? "" : " (rerun with --debug for the stack trace)")));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    };

    /** True if {@code --debug} appeared on the command or any subcommand, or NABLA_DEBUG is set. */
    static boolean debugRequested(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return debugFromEnvironment();
    }

    private static boolean debugFromEnvironment() {
        String value = System.getenv("NABLA_DEBUG");
        return value != null && !value.isBlank()
                && !value.equals("0") && !value.equalsIgnoreCase("false");
    }

    /**
     * Exceptions whose message is written for users (bad device name, missing data set, shape
     * mismatch): the message alone is the error line. Anything else is shown with its class name.
     */
    static boolean isUserFacing(Throwable e) {
        Throwable t = unwrap(e);
        return t instanceof IllegalArgumentException
                || t instanceof IllegalStateException
                || t instanceof UnsupportedOperationException
                || t instanceof IOException;
    }

    /** The text after {@code error: } for {@code e}. */
    static String describe(Throwable e) {
        Throwable t = unwrap(e);
        String message = t.getMessage();
        if (t instanceof NoSuchFileException nsf) {
            // A reason, where the thrower gave one, says what the missing file means (e.g. that
            // a folder is not a run folder); the JDK's own have none.
            return "no such file: " + nsf.getFile() + (nsf.getReason() != null ? " (" + nsf.getReason() + ")" : "");
        }
        if (t instanceof AccessDeniedException ade) {
            return "permission denied: " + ade.getFile();
        }
        if (t instanceof java.nio.file.FileSystemException fse && fse.getFile() != null) {
            // The JDK's messages for these are the bare path; say what is wrong with it.
            String what = switch (fse) {
                case java.nio.file.FileAlreadyExistsException x -> "already exists";
                case java.nio.file.NotDirectoryException x -> "not a folder";
                case java.nio.file.DirectoryNotEmptyException x -> "folder not empty";
                default -> fse.getReason() != null ? fse.getReason() : fse.getClass().getSimpleName();
            };
            return fse.getFile() + (fse.getOtherFile() != null ? " -> " + fse.getOtherFile() : "") + ": " + what;
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + message + "); give the JVM more with NABLA_JAVA_OPTS=-Xmx8g";
        }
        if (message == null || message.isBlank()) {
            return t.getClass().getName();
        }
        return isUserFacing(t) ? message : t.getClass().getSimpleName() + ": " + message;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CommandLine.ExecutionException || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code nabla --version}: Nabla's version and the JVM it runs on. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                    "nabla " + nablaVersion(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                            + ", " + Runtime.getRuntime().availableProcessors() + " cores",
            };
        }

        static String nablaVersion() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    return "unknown";
                }
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
