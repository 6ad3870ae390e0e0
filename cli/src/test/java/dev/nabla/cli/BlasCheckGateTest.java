package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.bench.BlasCheck;
import dev.nabla.bench.PythonContender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --compare} trusts a contender without the OpenBLAS pins only after one exact GEMM:
 * here stand-in contenders (tiny Python scripts speaking the serve protocol) return a right, a
 * wrong and no answer.
 */
class BlasCheckGateTest {

    @TempDir
    Path scripts;

    private static final String SERVER = """
            import json, sys
            MODE = "%s"
            for line in sys.stdin:
                r = json.loads(line)
                if r["op"] == "info":
                    out = dict(ok=True, library="stand-in", threads=1)
                elif r["op"] == "check":
                    m, n, k = r["m"], r["n"], r["k"]
                    if MODE == "die":
                        sys.exit(3)
                    c = [sum((((i * 7 + p * 3) %% 17 - 8) / 8.0) * (((p * 5 + j * 11) %% 13 - 6) / 4.0)
                             for p in range(k)) for i in range(m) for j in range(n)]
                    if MODE == "wrong":
                        c[5] += 0.25
                    out = dict(ok=True, c=c)
                else:
                    break
                print(json.dumps(out), flush=True)
            """;

    private Optional<String> check(String mode) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        Files.writeString(scripts.resolve(mode + ".py"), SERVER.formatted(mode));
        try (PythonContender contender = PythonContender.start("stand-in", "/usr/bin/python3", scripts, mode + ".py", 1)) {
            return BenchCommand.checkGemm(contender);
        }
    }

    @Test
    void aRightGemmPasses() throws Exception {
        assertEquals(Optional.empty(), check("right"));
    }

    @Test
    void aWrongGemmIsNamed() throws Exception {
        String wrong = check("wrong").orElseThrow();
        assertTrue(wrong.startsWith("1 of " + BlasCheck.M * BlasCheck.N + " entries wrong (first C[0][5]"), wrong);
    }

    @Test
    void aContenderThatDiesFailsTheCheck() throws Exception {
        String wrong = check("die").orElseThrow();
        assertTrue(wrong.startsWith("it failed: "), wrong);
    }
}
