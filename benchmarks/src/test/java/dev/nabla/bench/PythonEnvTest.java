package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PythonEnvTest {

    private static PythonEnv.Interpreter python(String command, String torch, String numpy) {
        return new PythonEnv.Interpreter(command, "3.11", Optional.ofNullable(torch), Optional.ofNullable(numpy),
                torch == null ? "ModuleNotFoundError: No module named 'torch'" : "",
                numpy == null ? "ModuleNotFoundError: No module named 'numpy'" : "");
    }

    @Test
    void prefersAnInterpreterWithBothLibraries() {
        PythonEnv.Discovery d = PythonEnv.choose(List.of(python("python3", null, "1.26"),
                python("/usr/bin/python3", "1.13.1", "1.24.2")), List.of());
        assertEquals("/usr/bin/python3", d.chosen().orElseThrow().command());
        assertEquals(List.of(), d.missing());
    }

    @Test
    void saysWhichLibraryIsMissingAndHowToGetIt() {
        PythonEnv.Discovery d = PythonEnv.choose(List.of(python("python3", null, "1.26")), List.of());
        assertEquals("python3", d.chosen().orElseThrow().command());
        assertEquals(1, d.missing().size());
        assertTrue(d.missing().get(0).startsWith("PyTorch: python3 cannot import torch"), d.missing().get(0));
        assertTrue(d.missing().get(0).contains("apt-get install python3-torch"));
    }

    @Test
    void noPythonAtAll() {
        PythonEnv.Discovery d = PythonEnv.choose(List.of(), List.of("python3 (No such file)"));
        assertTrue(d.chosen().isEmpty());
        assertTrue(d.missing().get(0).startsWith("no python3 found (tried python3 (No such file))"),
                d.missing().get(0));
        PythonEnv.Discovery bare = PythonEnv.choose(List.of(python("python3", null, null)), List.of());
        assertTrue(bare.chosen().isEmpty());
        assertTrue(bare.missing().get(0).contains("python3-torch python3-numpy"));
    }

    @Test
    void scriptsArePackedIntoTheJar() throws Exception {
        Path dir = PythonEnv.unpackScripts();
        for (String name : PythonEnv.SCRIPTS) {
            assertTrue(Files.size(dir.resolve(name)) > 100, name);
        }
    }
}
