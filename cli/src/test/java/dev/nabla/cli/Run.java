package dev.nabla.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** The result of running the {@code nabla} command line in-process with captured output. */
record Run(int exitCode, String out, String err) {

    static Run of(String... args) {
        return of(Main.newCommandLine(), args);
    }

    static Run of(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = Main.execute(commandLine, args);
        return new Run(exitCode, out.toString(), err.toString());
    }
}
