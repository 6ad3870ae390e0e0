package dev.nabla.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The source of every random decision a generator makes: ints drawn one after another, each
 * recorded, so that a case is the sequence of its choices (Hypothesis's "choice sequence").
 *
 * <p>A {@code Choices} either draws fresh values from a seeded {@link SplittableRandom}, or replays
 * a given sequence (what the {@link Shrinker} edits): a replayed value at or above the bound asked
 * for is reduced modulo the bound, and once the sequence is used up every draw is 0, the simplest
 * answer. Generators must therefore read 0 as "the simplest": stop, the smallest size, the value 0.
 * A case that draws more than {@link #LIMIT} values is abandoned with {@link Overrun}.
 */
public final class Choices {

    /** At most this many draws per case: it keeps a shrink step or a runaway generator bounded. */
    public static final int LIMIT = 10_000;

    /** Thrown when a case draws more than {@link #LIMIT} choices. */
    public static final class Overrun extends RuntimeException {
        Overrun() {
            super("more than " + LIMIT + " choices drawn", null, false, false);
        }
    }

    private final SplittableRandom random;
    private final int[] replay;
    private int[] drawn = new int[64];
    private int count;
    private final java.util.List<int[]> spans = new java.util.ArrayList<>();

    private Choices(SplittableRandom random, int[] replay) {
        this.random = random;
        this.replay = replay;
    }

    /** Fresh choices from {@code seed}: the same seed gives the same sequence. */
    public static Choices random(long seed) {
        return new Choices(new SplittableRandom(seed), null);
    }

    /** Replays {@code sequence}, then draws 0. */
    public static Choices replay(int[] sequence) {
        return new Choices(null, sequence.clone());
    }

    /** An int in {@code [0, bound)}; {@code bound} must be positive. */
    public int draw(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Choices.draw: bound must be positive, got " + bound);
        }
        if (count >= LIMIT) {
            throw new Overrun();
        }
        int value;
        if (replay == null) {
            value = random.nextInt(bound);
        } else if (count < replay.length) {
            value = Math.floorMod(replay[count], bound);
        } else {
            value = 0;
        }
        if (count == drawn.length) {
            drawn = Arrays.copyOf(drawn, drawn.length * 2);
        }
        drawn[count++] = value;
        return value;
    }

    /** An int in {@code [low, high]}: {@code low} is the simplest. */
    public int between(int low, int high) {
        return low + draw(high - low + 1);
    }

    /** True with probability about {@code percent}/100 for fresh choices; false is the simplest. */
    public boolean chance(int percent) {
        return draw(100) >= 100 - percent;
    }

    /** One of {@code options}; the first is the simplest. */
    @SafeVarargs
    public final <T> T pick(T... options) {
        return options[draw(options.length)];
    }

    /**
     * Marks the start of a span: the choices of one logical part of a case (one operation of a
     * program), which the {@link Shrinker} tries to delete as a whole. Pass the result to {@link #end}.
     */
    public int begin() {
        return count;
    }

    /** Ends the span that {@link #begin()} started at {@code start}. */
    public void end(int start) {
        if (count > start) {
            spans.add(new int[] {start, count});
        }
    }

    /** The spans marked so far, each {@code [start, end)}. */
    public java.util.List<int[]> spans() {
        return java.util.List.copyOf(spans);
    }

    /** The choices drawn so far, in order: replaying them rebuilds the same case. */
    public int[] recorded() {
        return Arrays.copyOf(drawn, count);
    }

    /** How many choices were drawn. */
    public int size() {
        return count;
    }
}
