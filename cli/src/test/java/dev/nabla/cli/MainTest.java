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

    private static CommandLine withFailingCommand() {
        CommandLine commandLine = Main.newCommandLine();
        commandLine.addSubcommand(new Fail());
        return commandLine;
    }

    @Test
    void userErrorIsOneLineAndExitCodeOne() {
        Run run = Run.of(withFailingCommand(), "fail");
        assertEquals(1, run.exitCode());
        assertEquals("error: device 'cuda:7': backend cuda has 1 device(s)", run.err().strip());
    }

    @Test
    void ioErrorNamesTheFile() {
        Run run = Run.of(withFailingCommand(), "fail", "file");
        assertEquals(1, run.exitCode());
        assertEquals("error: no such file: /data/train.gz", run.err().strip());
    }

    @Test
    void unexpectedErrorNamesItsClassAndPointsToDebug() {
        Run run = Run.of(withFailingCommand(), "fail", "bug");
        assertEquals(1, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("error: ArithmeticException: / by zero"), run.err());
        assertTrue(run.err().contains("--debug"), run.err());
    }

    @Test
    void errorsAreOneLineToo() {
        Run run = Run.of(withFailingCommand(), "fail", "oom");
        assertEquals(1, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("error: out of memory (Java heap space); "), run.err());
        assertTrue(run.err().contains("NABLA_JAVA_OPTS=-Xmx"), run.err());
    }

    @Test
    void debugFlagAddsTheStackTrace() {
        Run run = Run.of(withFailingCommand(), "fail", "--debug");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: device 'cuda:7'"), run.err());
        assertTrue(run.err().contains("\tat dev.nabla.cli.MainTest$Fail.call"), run.err());
    }

    @Test
    void debugFlagWorksBeforeTheSubcommandToo() {
        Run run = Run.of(withFailingCommand(), "--debug", "fail");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("\tat "), run.err());
    }

    @Test
    void unknownTopLevelOptionIsAUsageError() {
        Run run = Run.of("--frobnicate");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("error: Unknown option: '--frobnicate'"), run.err());
        assertTrue(run.err().contains("Try 'nabla --help'"), run.err());
    }

    @Test
    void unknownCommandSuggestsTheNearestOne() {
        Run run = Run.of("device");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("devices"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void noCommandPrintsUsageAndExitsTwo() {
        Run run = Run.of();
        assertEquals(2, run.exitCode());
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
