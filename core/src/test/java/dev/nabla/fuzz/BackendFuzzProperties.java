package dev.nabla.fuzz;

import dev.nabla.Device;
import dev.nabla.fuzz.Fuzzer.Verdict;
import dev.nabla.fuzz.Program.Outcome;
import org.junit.jupiter.api.Test;

/**
 * The fuzz property every backend module runs with a subclass of a few lines: random
 * {@link Program}s (see {@link Gen}) give on {@link #device()}, with their leaves stored in random
 * layouts (transposed, sliced), the values, leaf gradients and exception kinds the reference backend
 * gives with contiguous leaves ({@link Agreement}). A failure is shrunk and reported with the line
 * that replays it; {@link FuzzSettings} has the system properties for more tries or the long mode.
 */
public abstract class BackendFuzzProperties {

    /**
     * Programs per run in the default suite. Sized on the 2-core build machine (where one program
     * takes a few milliseconds on cpu and tens on PoCL), so that a backend's run takes seconds.
     */
    public static final int DEFAULT_TRIES = 400;

    /** The device under test; a subclass skips (through {@code ProbedDevice}) where there is none. */
    protected abstract Device device();

    /** The oracle: the reference backend. */
    protected Device reference() {
        return Device.reference();
    }

    /** Programs per run when {@code -Dnabla.fuzz.tries} is not given. */
    protected int defaultTries() {
        return DEFAULT_TRIES;
    }

    @Test
    void programsAgreeWithTheReference() {
        Device device = device();
        Device reference = reference();
        Fuzzer.run("programs on " + device + " against " + reference,
                FuzzSettings.fromSystemProperties(defaultTries()), choices -> agree(device, reference, choices));
    }

    /** The property for one case: the program drawn from {@code choices} agrees on both devices. */
    public static Verdict agree(Device device, Device reference, Choices choices) {
        Program program = Gen.program(choices);
        Outcome expected = program.run(reference, false);
        Outcome actual = program.run(device, true);
        return Agreement.of(program, expected, actual);
    }
}
