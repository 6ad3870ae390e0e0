package dev.nabla.fuzz;

/**
 * How long a fuzz test runs, from system properties (Maven passes {@code -D} options to the test JVM):
 * <ul>
 * <li>{@code -Dnabla.fuzz.tries=N}: programs per property (default: the test's bounded number,
 *     sized so each backend's run in {@code ./nabla test} takes seconds);</li>
 * <li>{@code -Dnabla.fuzz.seed=S}: the seed of the first try; try {@code i} uses {@code S + i}, so
 *     {@code -Dnabla.fuzz.seed=S+i -Dnabla.fuzz.tries=1} replays it alone (default {@value #DEFAULT_SEED});</li>
 * <li>{@code -Dnabla.fuzz.seconds=T}: the long mode, tries until {@code T} seconds have passed
 *     (and no more than {@code nabla.fuzz.tries} where that is given too).</li>
 * </ul>
 */
public record FuzzSettings(long seed, long tries, long seconds) {

    public static final long DEFAULT_SEED = 17;
    public static final String TRIES = "nabla.fuzz.tries";
    public static final String SEED = "nabla.fuzz.seed";
    public static final String SECONDS = "nabla.fuzz.seconds";

    /** The settings the system properties give, with {@code defaultTries} where none is set. */
    public static FuzzSettings fromSystemProperties(int defaultTries) {
        long seconds = number(SECONDS, 0);
        long tries = number(TRIES, seconds > 0 ? Long.MAX_VALUE : defaultTries);
        return new FuzzSettings(number(SEED, DEFAULT_SEED), tries, seconds);
    }

    /** The seed of try {@code index}. */
    public long seedOf(long index) {
        return seed + index;
    }

    /** The system properties that replay try {@code index} alone. */
    public String replayLine(long index) {
        return "-D" + SEED + "=" + seedOf(index) + " -D" + TRIES + "=1";
    }

    private static long number(String property, long otherwise) {
        String text = System.getProperty(property);
        if (text == null || text.isBlank()) {
            return otherwise;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + property + " must be a whole number, got '" + text + "'", e);
        }
    }
}
