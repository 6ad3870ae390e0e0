/**
 * The {@code nabla} command line: {@link dev.nabla.cli.Main} (picocli top command, error and
 * exit-code conventions) and one class per subcommand ({@link dev.nabla.cli.DevicesCommand}, ...).
 *
 * <p>Conventions every subcommand follows: output goes to {@code spec.commandLine().getOut()} /
 * {@code getErr()} (so tests can capture it); a usage mistake is a picocli
 * {@link picocli.CommandLine.ParameterException} (exit 2); any other failure is an exception
 * that names what went wrong, which {@code Main} turns into one {@code error: ...} line on stderr
 * and exit 1 ({@code --debug} or {@code NABLA_DEBUG=1} adds the stack trace). The launcher script
 * {@code ./nabla} at the repository root builds and runs this module.
 */
package dev.nabla.cli;
