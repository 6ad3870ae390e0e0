package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

class MainTest {

    /** A subcommand that fails the way real commands do. */
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Parameters(defaultValue = "argument")
        String kind;

        @Override
        public Integer call() throws Exception {
            switch (kind) {
                case "argument" -> throw new IllegalArgumentException("device 'cuda:7': backend cuda has 1 device(s)");
                case "oom" -> throw new OutOfMemoryError("Java heap space");
                case "file" -> throw new UncheckedIOException(new NoSuchFileException("/data/train.gz"));
                default -> throw new ArithmeticException("/ by zero");
            }
        }
    }

    /** Runs {@code nabla} with the {@code fail} subcommand added; a command that fails exits with 1. */
    private static Run failing(String... args) {
        CommandLine commandLine = Main.newCommandLine();
        commandLine.addSubcommand(new Fail());
        Run run = Run.of(commandLine, args);
        assertEquals(1, run.exitCode(), run.err());
        return run;
    }

    /** Runs {@code nabla}; a usage error exits with 2. */
    private static Run usageError(String... args) {
        Run run = Run.of(args);
        assertEquals(2, run.exitCode(), run.err());
        return run;
    }

    /** The error is one line that starts with {@code start} and mentions {@code hint}. */
    private static void assertOneErrorLine(Run run, String start, String hint) {
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith(start), run.err());
        assertTrue(run.err().contains(hint), run.err());
    }

    @Test
    void userErrorIsOneLineAndExitCodeOne() {
        assertEquals("error: device 'cuda:7': backend cuda has 1 device(s)", failing("fail").err().strip());
    }

    @Test
    void ioErrorNamesTheFile() {
        assertEquals("error: no such file: /data/train.gz", failing("fail", "file").err().strip());
    }

    @Test
    void unexpectedErrorNamesItsClassAndPointsToDebug() {
        assertOneErrorLine(failing("fail", "bug"), "error: ArithmeticException: / by zero", "--debug");
    }

    @Test
    void errorsAreOneLineToo() {
        assertOneErrorLine(failing("fail", "oom"), "error: out of memory (Java heap space); ", "NABLA_JAVA_OPTS=-Xmx");
    }

    @Test
    void debugFlagAddsTheStackTrace() {
        Run run = failing("fail", "--debug");
        assertTrue(run.err().startsWith("error: device 'cuda:7'"), run.err());
        assertTrue(run.err().contains("\tat dev.nabla.cli.MainTest$Fail.call"), run.err());
    }

    @Test
    void debugFlagWorksBeforeTheSubcommandToo() {
        Run run = failing("--debug", "fail");
        assertTrue(run.err().contains("\tat "), run.err());
    }

    @Test
    void unknownTopLevelOptionIsAUsageError() {
        Run run = usageError("--frobnicate");
        assertTrue(run.err().contains("error: Unknown option: '--frobnicate'"), run.err());
        assertTrue(run.err().contains("Try 'nabla --help'"), run.err());
    }

    @Test
    void unknownCommandSuggestsTheNearestOne() {
        Run run = usageError("device");
        assertTrue(run.err().contains("devices"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void noCommandPrintsUsageAndExitsTwo() {
        Run run = usageError();
        assertTrue(run.err().contains("Usage: nabla"), run.err());
        assertTrue(run.err().contains("devices"), run.err());
    }

    @Test
    void helpAndVersion() {
        Run help = Run.of("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("devices"), help.out());
        Run version = Run.of("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("nabla 0."), version.out());
        assertTrue(version.out().contains("Java " + Runtime.version()), version.out());
    }
}
