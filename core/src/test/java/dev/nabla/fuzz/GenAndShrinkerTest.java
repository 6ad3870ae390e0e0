package dev.nabla.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.fuzz.Program.Leaf;
import dev.nabla.fuzz.Program.LeafLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The fuzzer's engine: generators are reproducible and varied, the shrinker reaches known minima. */
class GenAndShrinkerTest {

    @Test
    void theSameSeedGivesTheSameProgramAndItsChoicesReplayIt() {
        for (long seed = 0; seed < 100; seed++) {
            Choices first = Choices.random(seed);
            String program = Gen.program(first).toString();
            assertEquals(program, Gen.program(Choices.random(seed)).toString(), "seed " + seed);
            assertEquals(program, Gen.program(Choices.replay(first.recorded())).toString(),
                    "replaying the choices of seed " + seed);
        }
    }

    /** The cases the brief asks for all occur within the default number of tries. */
    @Test
    void programsCoverEveryRankEmptyAndSizeOneAxesEveryLayoutAndErrors() {
        Set<Integer> ranks = new HashSet<>();
        Set<String> texts = new HashSet<>();
        EnumSet<LeafLayout> layouts = EnumSet.noneOf(LeafLayout.class);
        boolean empty = false;
        boolean sizeOne = false;
        int errors = 0;
        int tries = BackendFuzzProperties.DEFAULT_TRIES;
        for (long seed = 0; seed < tries; seed++) {
            Program program = Gen.program(Choices.random(seed));
            texts.add(program.toString());
            for (Leaf leaf : program.leaves()) {
                ranks.add(leaf.shape().length);
                layouts.add(leaf.layout());
                for (int size : leaf.shape()) {
                    empty |= size == 0;
                    sizeOne |= size == 1;
                }
            }
            if (program.run(dev.nabla.Device.reference(), false).error() != null) {
                errors++;
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4), ranks);
        assertEquals(EnumSet.allOf(LeafLayout.class), layouts);
        assertTrue(empty && sizeOne, "0- and 1-sized axes");
        assertTrue(texts.size() > tries * 9 / 10, texts.size() + " distinct programs in " + tries);
        assertTrue(errors > tries / 50 && errors < tries / 3, errors + " programs of " + tries + " refused");
        String all = String.join("\n", texts);
        for (String op : List.of(".matmul(", ".softmax(", ".logSoftmax(", ".crossEntropy(", ".gather(", ".indexSelect(",
                "Tensor.cat(", "Tensor.stack(", ".permute(", ".unsqueeze(", ".squeeze(", ".slice(", ".transpose(",
                ".reshape(", ".expand(", ".relu()", ".gelu()", ".sum(", ".mean(", ".max(", ".argmax(", "Tensor.where(", "Tensor.linear(")) {
            assertTrue(all.contains(op), op + " never generated");
        }
    }

    /** A list of ints below 1000; each element is preceded by a "continue" choice (0 stops). */
    private static List<Integer> list(Choices c) {
        List<Integer> list = new ArrayList<>();
        while (c.draw(2) != 0) {
            list.add(c.draw(1000));
        }
        return list;
    }

    private static List<Integer> shrinkList(long seed, Predicate<List<Integer>> fails) {
        Choices start = null;
        for (long s = seed; start == null; s++) {
            Choices c = Choices.random(s);
            if (fails.test(list(c))) {
                start = c;
            }
        }
        int[] shrunk = Shrinker.shrink(start, candidate -> {
            Choices replay = Choices.replay(candidate);
            return fails.test(list(replay)) ? replay : null;
        }, 10_000);
        return list(Choices.replay(shrunk));
    }

    @Test
    void theShrinkerFindsTheSmallestListWithALargeElement() {
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(List.of(500), shrinkList(seed * 1000, l -> l.stream().anyMatch(x -> x >= 500)),
                    "from seed " + seed);
        }
    }

    @Test
    void theShrinkerFindsTheSmallestLongList() {
        assertEquals(List.of(0, 0, 0), shrinkList(3, l -> l.size() >= 3));
    }

    @Test
    void shrinkingIsDeterministicAndKeepsTheFailure() {
        Predicate<List<Integer>> fails = l -> l.stream().mapToInt(Integer::intValue).sum() >= 1500;
        List<Integer> once = shrinkList(7, fails);
        assertEquals(once, shrinkList(7, fails));
        assertTrue(fails.test(once), once.toString());
        // a local minimum: no element can be lowered by one or left out
        for (int i = 0; i < once.size(); i++) {
            List<Integer> lowered = new ArrayList<>(once);
            lowered.set(i, once.get(i) - 1);
            assertTrue(!fails.test(lowered), "element " + i + " of " + once + " could be lower");
            List<Integer> without = new ArrayList<>(once);
            without.remove(i);
            assertTrue(!fails.test(without), "element " + i + " of " + once + " could go");
        }
    }

    @Test
    void shortlexOrder() {
        assertTrue(Shrinker.smaller(new int[] {9}, new int[] {0, 0}));
        assertTrue(Shrinker.smaller(new int[] {0, 5}, new int[] {1, 0}));
        assertTrue(!Shrinker.smaller(new int[] {1, 0}, new int[] {1, 0}));
    }

    /** A synthetic predicate on programs: an exp and a sum, in any order, of anything. */
    @Test
    void aProgramShrinksToTheOperationsThatMatter() {
        Predicate<Program> fails = p -> p.toString().contains(".exp()") && p.toString().contains(".sum(");
        Choices start = null;
        for (long s = 0; start == null; s++) {
            Choices c = Choices.random(s);
            if (fails.test(Gen.program(c))) {
                start = c;
            }
        }
        int[] shrunk = Shrinker.shrink(start, candidate -> {
            Choices replay = Choices.replay(candidate);
            return fails.test(Gen.program(replay)) ? replay : null;
        }, 5_000);
        Program program = Gen.program(Choices.replay(shrunk));
        assertEquals(2, program.operationCount(), program.toString());
        assertEquals(1, program.leaves().size(), program.toString());
        Leaf leaf = program.leaves().getFirst();
        assertTrue(leaf.shape().length <= 2 && Arrays.stream(leaf.shape()).allMatch(size -> size == 1),
                program.toString());
        assertArrayEquals(new float[] {0f}, leaf.values(), program.toString());
        assertEquals(LeafLayout.CONTIGUOUS, leaf.layout(), program.toString());
    }
}
