package dev.nabla.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The README's Java example compiles (it is {@link Quickstart}), learns, and is shown verbatim. */
class QuickstartTest {

    /** Two Gaussian blobs per class in 20 dimensions: separable, so a few epochs must learn them. */
    private static Split blobs(int train, int test) {
        SplittableRandom random = new SplittableRandom(7);
        int features = 20;
        int classes = 3;
        float[][] centres = new float[classes][features];
        for (float[] centre : centres) {
            for (int f = 0; f < features; f++) {
                centre[f] = (float) (random.nextGaussian() * 2);
            }
        }
        float[] trainX = new float[train * features];
        int[] trainY = new int[train];
        float[] testX = new float[test * features];
        int[] testY = new int[test];
        for (int i = 0; i < train + test; i++) {
            int label = random.nextInt(classes);
            float[] x = i < train ? trainX : testX;
            int row = (i < train ? i : i - train) * features;
            for (int f = 0; f < features; f++) {
                x[row + f] = centres[label][f] + (float) random.nextGaussian();
            }
            if (i < train) {
                trainY[i] = label;
            } else {
                testY[i - train] = label;
            }
        }
        return new Split("blobs", "test", features, classes, trainX, trainY, testX, testY);
    }

    @org.junit.jupiter.api.AfterEach
    void restoreTheDefaultSeed() {
        dev.nabla.Generator.manualSeed(dev.nabla.Generator.DEFAULT_SEED);   // the example sets 42
    }

    @Test
    void theExampleLearns() {
        double accuracy = Quickstart.train(blobs(1024, 256), Device.reference(), 3);
        assertTrue(accuracy > 0.9, "test accuracy " + accuracy);
    }

    /**
     * The same example on a backend that implements only the SPI's primitives: softmax,
     * cross-entropy and Adam run the composite defaults, and the model still learns.
     */
    @Test
    void theExampleLearnsOnABackendOfPrimitivesOnly() {
        double accuracy = Quickstart.train(blobs(1024, 256), dev.nabla.TestDevices.primitivesOnly(), 3);
        assertTrue(accuracy > 0.9, "test accuracy on the primitives-only backend " + accuracy);
    }

    @Test
    void theReadmeShowsTheExampleVerbatim() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("cli")))) {
            root = root.getParent();
        }
        // A bundle made with --with-tests runs the test classes without the source tree.
        org.junit.jupiter.api.Assumptions.assumeTrue(root != null,
                "README.md and cli/ not found above " + Path.of("").toAbsolutePath() + " (not a source checkout)");
        String source = Files.readString(root.resolve("cli/src/test/java/dev/nabla/examples/Quickstart.java"));
        List<String> region = source.lines().dropWhile(l -> !l.contains("// README:start")).skip(1)
                .takeWhile(l -> !l.contains("// README:end")).map(l -> l.startsWith("    ") ? l.substring(4) : l.strip())
                .toList();
        String readme = Files.readString(root.resolve("README.md"));
        // the whole fenced block, so extra lines before or after the example fail too
        String block = "```java\n" + String.join("\n", region) + "\n```";
        assertTrue(readme.contains(block), "README.md must contain, verbatim, the lines between the README markers"
                + " of Quickstart.java (unindented by 4):\n" + block);
        assertEquals(1, readme.split(java.util.regex.Pattern.quote(block), -1).length - 1);
    }
}
