package dev.nabla.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;

/**
 * Runs a property on cases drawn from seeds: try {@code i} draws its {@link Choices} from seed
 * {@code settings.seed() + i}. The first failure is shrunk ({@link Shrinker}) and thrown as an
 * {@link AssertionError} whose message has the property, the seed and try, the shrunk case's report
 * (the property writes it: the program as code, shapes, expected and actual values) and the
 * system properties that replay it.
 */
public final class Fuzzer {

    /** Replays one shrink may spend. */
    static final int SHRINK_ATTEMPTS = 2_000;
    /**
     * After the first failure, the next tries are searched for more failures of the same kind, up
     * to this many in all, and the smallest shrunk case is reported: a shrinker that only lowers
     * and deletes choices can stop in a local minimum, and another start often ends lower.
     */
    static final int SHRINK_STARTS = 4;
    /** How many tries after the first failure are searched for the other starts. */
    static final int SEARCH_AFTER_FAILURE = 200;

    /** What a property says about one case. */
    public sealed interface Verdict permits Pass, Discard, Fail {
    }

    /** The case holds. */
    public record Pass() implements Verdict {
    }

    /** The case is outside the property's domain (a non-finite reference value, say); not counted. */
    public record Discard(String why) implements Verdict {
    }

    /**
     * The case fails. {@code kind} names the way it fails ("forward value", "gradient", ...): a
     * shrunk case must fail the same way, or the shrinker would wander to another bug.
     */
    public record Fail(String kind, String report) implements Verdict {
    }

    /** A property of the cases drawn from {@link Choices}. */
    @FunctionalInterface
    public interface Property {
        Verdict check(Choices choices);
    }

    /** What a run did, for the test's log line and docs/reliability.md. */
    public record Summary(String name, long firstSeed, long tries, long discarded, double seconds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "fuzz %s: %d tries (%d discarded), seeds %d..%d, %.1f s", name, tries,
                    discarded, firstSeed, firstSeed + tries - 1, seconds);
        }
    }

    /**
     * The failure a run throws: an {@link AssertionError} whose message is the report, carrying the
     * shrunk choices (replay them with {@link Choices#replay}) for tests of the fuzzer itself.
     */
    public static final class FuzzFailure extends AssertionError {
        private final String kind;
        private final long seed;
        private final int[] shrunk;

        FuzzFailure(String message, String kind, long seed, int[] shrunk) {
            super(message);
            this.kind = kind;
            this.seed = seed;
            this.shrunk = shrunk.clone();
        }

        /** How the case failed: the {@link Fail#kind()}. */
        public String kind() {
            return kind;
        }

        /** The seed of the failing try. */
        public long seed() {
            return seed;
        }

        /** The shrunk case's choices. */
        public int[] shrunkChoices() {
            return shrunk.clone();
        }
    }

    private Fuzzer() {
    }

    /**
     * Runs {@code property} as {@code settings} say; throws an {@link AssertionError} describing the
     * shrunk first failure, else returns what it did (and prints it).
     */
    public static Summary run(String name, FuzzSettings settings, Property property) {
        long start = System.nanoTime();
        long deadline = settings.seconds() > 0 ? start + settings.seconds() * 1_000_000_000L : Long.MAX_VALUE;
        long tries = 0;
        long discarded = 0;
        for (long i = 0; i < settings.tries() && System.nanoTime() < deadline; i++) {
            Choices choices = Choices.random(settings.seedOf(i));
            Verdict verdict = check(property, choices);
            tries++;
            if (verdict instanceof Discard) {
                discarded++;
            } else if (verdict instanceof Fail fail) {
                throw failure(name, settings, i, property, choices, fail);
            }
        }
        Summary summary = new Summary(name, settings.seed(), tries, discarded, (System.nanoTime() - start) / 1e9);
        System.out.println(summary);
        return summary;
    }

    private static int[] shrink(Property property, Choices failing, String kind) {
        return Shrinker.shrink(failing, candidate -> {
            Choices replay = Choices.replay(candidate);
            Verdict verdict = check(property, replay);
            return verdict instanceof Fail fail && fail.kind().equals(kind) ? replay : null;
        }, SHRINK_ATTEMPTS);
    }

    /** The property's verdict; an exception it throws is a failure of its own kind, an overrun a discard. */
    static Verdict check(Property property, Choices choices) {
        try {
            return property.check(choices);
        } catch (Choices.Overrun e) {
            return new Discard(e.getMessage());
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            return new Fail("the property threw " + e.getClass().getName(), trace.toString());
        }
    }

    private static FuzzFailure failure(String name, FuzzSettings settings, long index, Property property,
                                          Choices choices, Fail first) {
        int[] shrunk = shrink(property, choices, first.kind());
        int starts = 1;
        for (long i = index + 1; i <= index + SEARCH_AFTER_FAILURE && starts < SHRINK_STARTS; i++) {
            Choices other = Choices.random(settings.seedOf(i));
            if (check(property, other) instanceof Fail fail && fail.kind().equals(first.kind())) {
                starts++;
                int[] candidate = shrink(property, other, first.kind());
                if (Shrinker.smaller(candidate, shrunk)) {
                    shrunk = candidate;
                }
            }
        }
        Verdict again = check(property, Choices.replay(shrunk));
        String report = again instanceof Fail fail && fail.kind().equals(first.kind()) ? fail.report()
                : first.report() + "\n(the shrunk case did not fail again; this is the original)";
        return new FuzzFailure("fuzz " + name + " failed: " + first.kind() + "\n"
                + "seed " + settings.seedOf(index) + " (try " + index + " from seed " + settings.seed() + "); shrunk from "
                + choices.size() + " to " + shrunk.length + " choices (the smallest of " + starts
                + " failing cases)\n"
                + report + "\n"
                + "replay it alone with: " + settings.replayLine(index) + "\n", first.kind(), settings.seedOf(index),
                shrunk);
    }
}
