package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * All-reduce (sum, average), broadcast and barrier over Open MPI between 2 and 3 local ranks
 * (oversubscribed on a 2-core machine), F32 and I32, 0, 1, odd and 10 M elements, against a host
 * sum: {@link CollectivesCheck} is each rank. Skipped, with what to install, where Open MPI is not.
 */
class CollectivesTest {

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void collectivesAgreeWithAHostSum(int ranks) throws Exception {
        MpiRun.Result result = MpiRun.run(ranks, CollectivesCheck.class, List.of(), Duration.ofMinutes(4));
        assertEquals(0, result.exitStatus(), result.output());
        for (int rank = 0; rank < ranks; rank++) {
            assertTrue(result.output().contains("OK rank " + rank + " of " + ranks), result.output());
        }
    }
}
