package dev.nabla.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Makes a failing choice sequence smaller without knowing what it encodes (Hypothesis's internal
 * reduction): it deletes blocks of choices, zeroes blocks, and lowers single choices, replays
 * each candidate, and keeps it when the case still fails the same way. "Smaller" is shortlex:
 * fewer choices, then lexicographically lower ones, so every kept step is progress and the loop
 * ends. Deterministic for a deterministic property, and bounded by a number of attempts.
 */
public final class Shrinker {

    private final Function<int[], Choices> attempt;
    private final int maxAttempts;
    private int attempts;
    private int[] best;
    private List<int[]> spans;

    /**
     * @param attempt replays a candidate; returns the replay's {@link Choices} (what it actually drew,
     *                and its spans) if the case still fails the same way, else null
     */
    private Shrinker(Choices failing, Function<int[], Choices> attempt, int maxAttempts) {
        this.best = failing.recorded();
        this.spans = failing.spans();
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
    }

    /** The smallest failing sequence found from {@code failing} within {@code maxAttempts} replays. */
    public static int[] shrink(Choices failing, Function<int[], Choices> attempt, int maxAttempts) {
        Shrinker shrinker = new Shrinker(failing, attempt, maxAttempts);
        shrinker.run();
        return shrinker.best;
    }

    private void run() {
        boolean progress = true;
        while (progress && attempts < maxAttempts) {
            // NOTE: the order matters. Structure (a program's operations, ranks and sizes) comes first
            // in the sequence and is simplified first, while the values at the end are still random
            // and likely to keep the failure; deleting and zeroing blocks, which mostly zero values,
            // come last.
            progress = deleteSpans();
            progress |= lowerAndDelete();
            progress |= lowerEach();
            for (int block : new int[] {8, 4, 2, 1}) {
                progress |= deleteBlocks(block);
            }
            for (int block : new int[] {8, 4, 2, 1}) {
                progress |= zeroBlocks(block);
            }
        }
    }

    /** Tries to delete each marked span (one operation of a program, say), the last first. */
    private boolean deleteSpans() {
        boolean progress = false;
        List<int[]> marked = new ArrayList<>(spans);
        marked.sort(Comparator.comparingInt((int[] span) -> span[0]).reversed());
        for (int[] span : marked) {
            if (attempts >= maxAttempts || span[1] > best.length) {
                continue;
            }
            int[] candidate = new int[best.length - (span[1] - span[0])];
            System.arraycopy(best, 0, candidate, 0, span[0]);
            System.arraycopy(best, span[1], candidate, span[0], best.length - span[1]);
            progress |= tryCandidate(candidate);
        }
        return progress;
    }

    /**
     * Lowers a choice (to 0, to half, by one) and deletes up to four choices after it: where a choice
     * is a count (a rank, a size), the choices it counted must go with it, or the rest would shift.
     */
    private boolean lowerAndDelete() {
        boolean progress = false;
        for (int i = 0; i < best.length && attempts < maxAttempts; i++) {
            int value = best[i];
            candidates:
            for (int lower : java.util.stream.IntStream.of(0, value / 2, value - 1).filter(v -> v >= 0 && v < value).distinct()
                    .toArray()) {
                for (int k = 1; k <= 4 && i + k < best.length && attempts < maxAttempts; k++) {
                    int[] candidate = new int[best.length - k];
                    System.arraycopy(best, 0, candidate, 0, i + 1);
                    candidate[i] = lower;
                    System.arraycopy(best, i + 1 + k, candidate, i + 1, best.length - i - 1 - k);
                    if (tryCandidate(candidate)) {
                        progress = true;
                        break candidates;
                    }
                }
            }
            // a count lowered by one, and one of the choices it counted deleted further on (the
            // middle size of a shape, not the first)
            for (int offset = 2; offset <= 6 && i < best.length && best[i] > 0 && i + offset < best.length
                    && attempts < maxAttempts; offset++) {
                int[] candidate = new int[best.length - 1];
                System.arraycopy(best, 0, candidate, 0, i + offset);
                candidate[i] = best[i] - 1;
                System.arraycopy(best, i + offset + 1, candidate, i + offset, best.length - i - offset - 1);
                if (tryCandidate(candidate)) {
                    progress = true;
                    break;
                }
            }
        }
        return progress;
    }

    /** Tries to delete each run of {@code block} choices, from the end (later choices depend on earlier ones). */
    private boolean deleteBlocks(int block) {
        boolean progress = false;
        for (int i = best.length - block; i >= 0 && attempts < maxAttempts; i--) {
            if (i + block > best.length) {
                continue;
            }
            int[] candidate = new int[best.length - block];
            System.arraycopy(best, 0, candidate, 0, i);
            System.arraycopy(best, i + block, candidate, i, best.length - i - block);
            progress |= tryCandidate(candidate);
        }
        return progress;
    }

    private boolean zeroBlocks(int block) {
        boolean progress = false;
        for (int i = 0; i + block <= best.length && attempts < maxAttempts; i++) {
            boolean allZero = true;
            for (int j = i; j < i + block; j++) {
                allZero &= best[j] == 0;
            }
            if (!allZero) {
                int[] candidate = best.clone();
                Arrays.fill(candidate, i, i + block, 0);
                progress |= tryCandidate(candidate);
            }
        }
        return progress;
    }

    /** Lowers each choice: to 0, else by halving towards the smallest value that still fails. */
    private boolean lowerEach() {
        boolean progress = false;
        for (int i = 0; i < best.length && attempts < maxAttempts; i++) {
            int value = best[i];
            if (value == 0) {
                continue;
            }
            int low = 0;        // lowest value not yet ruled out
            int high = value;   // a value known to fail
            while (low < high && attempts < maxAttempts && i < best.length) {
                int middle = low + (high - low) / 2;
                int[] candidate = best.clone();
                candidate[i] = middle;
                if (tryCandidate(candidate)) {
                    progress = true;
                    if (i >= best.length || best[i] != middle) {
                        break;   // the replay rewrote the sequence; move on
                    }
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
        }
        return progress;
    }

    /** Replays {@code candidate}; keeps what it drew if it still fails and is smaller. */
    private boolean tryCandidate(int[] candidate) {
        if (!smaller(candidate, best)) {
            return false;
        }
        attempts++;
        Choices replay = attempt.apply(candidate);
        if (replay != null && smaller(replay.recorded(), best)) {
            best = replay.recorded();
            spans = replay.spans();
            return true;
        }
        return false;
    }

    /** Shortlex order: fewer choices first, then the lexicographically lower sequence. */
    static boolean smaller(int[] a, int[] b) {
        if (a.length != b.length) {
            return a.length < b.length;
        }
        return Arrays.compare(a, b) < 0;
    }

    /** How many replays the last shrink used (for reports). */
    int attempts() {
        return attempts;
    }
}
