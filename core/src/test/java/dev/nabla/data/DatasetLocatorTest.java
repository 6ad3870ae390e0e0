package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLocatorTest {

    @TempDir
    Path tmp;

    private DatasetLocator locator(Map<String, String> env) {
        return new DatasetLocator(env, tmp.resolve("home"), tmp.resolve("usr/share/datasets"));
    }

    @Test
    void searchOrderIsEnvThenCacheThenSystem() {
        var c = locator(Map.of("NABLA_DATA", "/data")).candidates(ImageDataset.FASHION_MNIST, Optional.empty());
        // DIR/<dataset> before DIR: MNIST and Fashion-MNIST files have the same names
        assertEquals(List.of(Path.of("/data/fashion-mnist"), Path.of("/data"),
                tmp.resolve("home/.cache/nabla/fashion-mnist"), tmp.resolve("usr/share/datasets/fashion-mnist")),
                c.stream().map(DatasetLocator.Candidate::dir).toList());
        var m = locator(Map.of()).candidates(ImageDataset.MNIST, Optional.empty());
        assertEquals(List.of(tmp.resolve("home/.cache/nabla/mnist"), tmp.resolve("usr/share/datasets/mnist")),
                m.stream().map(DatasetLocator.Candidate::dir).toList());
    }

    @Test
    void explicitDirectoryIsTheOnlyPlaceSearched() throws IOException {
        IdxFiles.writeDataset(tmp.resolve("home/.cache/nabla/fashion-mnist"), true);
        var loc = locator(Map.of());
        Path wrong = tmp.resolve("typo");
        var e = assertThrows(DatasetNotFoundException.class,
                () -> loc.locate(ImageDataset.FASHION_MNIST, Optional.of(wrong)));
        assertTrue(e.getMessage().contains(wrong + " (--data): does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("fix the --data path"), e.getMessage());
        assertEquals(2, e.searched().size());
    }

    @Test
    void findsDataInEachPlace() throws IOException {
        Path env = tmp.resolve("env");
        IdxFiles.writeDataset(env.resolve("fashion-mnist"), true);
        var found = locator(Map.of("NABLA_DATA", env.toString())).locate(ImageDataset.FASHION_MNIST, Optional.empty());
        assertEquals(env.resolve("fashion-mnist"), found.dir());
        assertEquals(env.resolve("fashion-mnist/train-images-idx3-ubyte.gz"), found.trainImages());

        Path explicit = tmp.resolve("mine");
        IdxFiles.writeDataset(explicit, false);
        IdxFiles.writeDataset(explicit, true); // both forms: raw wins
        found = locator(Map.of()).locate(ImageDataset.MNIST, Optional.of(explicit));
        assertEquals(explicit.resolve("t10k-labels-idx1-ubyte"), found.testLabels());

        IdxFiles.writeDataset(tmp.resolve("usr/share/datasets/fashion-mnist"), true);
        found = locator(Map.of()).locate(ImageDataset.FASHION_MNIST, Optional.empty());
        assertEquals(tmp.resolve("usr/share/datasets/fashion-mnist"), found.dir());
    }

    @Test
    void aNablaDataFolderThatDoesNotExistIsAnErrorNotAFallback() throws IOException {
        // the dataset is in the system folder, but $NABLA_DATA names a folder that is not there
        Path system = tmp.resolve("usr/share/datasets/fashion-mnist");
        Files.createDirectories(system);
        var e = assertThrows(DatasetNotFoundException.class,
                () -> locator(Map.of("NABLA_DATA", "/nowhere")).locate(ImageDataset.FASHION_MNIST, Optional.empty()));
        assertEquals("$NABLA_DATA is /nowhere, which does not exist; fix it, or unset it to search the default"
                + " folders", e.getMessage());
    }

    @Test
    void notFoundListsEveryPlaceAndHowToGetIt() throws IOException {
        Path cache = tmp.resolve("home/.cache/nabla/fashion-mnist");
        Files.createDirectories(cache);
        Files.write(cache.resolve("train-images-idx3-ubyte.gz"), new byte[1]);
        Path envDir = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(DatasetNotFoundException.class,
                () -> locator(Map.of("NABLA_DATA", envDir.toString())).locate(ImageDataset.FASHION_MNIST, Optional.empty()));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("Fashion-MNIST not found. Looked in:\n"), msg);
        assertTrue(msg.contains(envDir + " ($NABLA_DATA): missing train-images-idx3-ubyte[.gz]"), msg);
        assertTrue(msg.contains(envDir.resolve("fashion-mnist") + " ($NABLA_DATA): does not exist"), msg);
        assertTrue(msg.contains(cache + " (user cache): missing train-labels-idx1-ubyte[.gz], "
                + "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"), msg);
        assertTrue(msg.contains(tmp.resolve("usr/share/datasets/fashion-mnist") + " (system datasets): does not exist"),
                msg);
        assertTrue(msg.contains("apt-get install dataset-fashion-mnist"), msg);
        assertTrue(msg.contains("https://github.com/zalandoresearch/fashion-mnist"), msg);
        assertEquals(4, e.searched().size());

        var m = assertThrows(DatasetNotFoundException.class,
                () -> locator(Map.of()).locate(ImageDataset.MNIST, Optional.empty()));
        assertTrue(m.getMessage().contains("$NABLA_DATA: not set"), m.getMessage());
        assertTrue(!m.getMessage().contains("apt-get"), "no Debian package for MNIST");
    }

    @Test
    void loadsASplitAndChecksConsistency() throws IOException {
        Path d = tmp.resolve("d");
        IdxFiles.writeDataset(d, true);
        Split s = locator(Map.of()).load(ImageDataset.FASHION_MNIST, Optional.of(d));
        assertEquals(3, s.trainSize());
        assertEquals(2, s.testSize());
        assertEquals(4, s.features());
        assertArrayEquals(new int[] {0, 9, 4}, s.trainLabels());
        assertEquals(3 / 255f, s.trainFeatures()[0]);
        assertEquals(1, s.limitTrain(1).trainSize());
        assertEquals(4, s.limitTrain(1).trainFeatures().length);

        Files.write(d.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.gzip(IdxFiles.labels(0, 1)));
        var e = assertThrows(DataFormatException.class,
                () -> locator(Map.of()).load(ImageDataset.FASHION_MNIST, Optional.of(d)));
        assertTrue(e.getMessage().contains("has 2 labels but") && e.getMessage().contains("has 3 images"), e.getMessage());

        Files.write(d.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.gzip(IdxFiles.labels(0, 1, 10)));
        e = assertThrows(DataFormatException.class,
                () -> locator(Map.of()).load(ImageDataset.FASHION_MNIST, Optional.of(d)));
        assertTrue(e.getMessage().contains("label 2 is 10, outside 0..9"), e.getMessage());
    }

    /** The real data, where the Debian package is installed (it is in CI). */
    @Test
    void loadsInstalledFashionMnist() throws IOException {
        Path system = DatasetLocator.SYSTEM_ROOT.resolve("fashion-mnist");
        assumeTrue(Files.isRegularFile(system.resolve("train-images-idx3-ubyte.gz")), "dataset-fashion-mnist not installed");
        Split s = new DatasetLocator(Map.of(), tmp, DatasetLocator.SYSTEM_ROOT)
                .load(ImageDataset.FASHION_MNIST, Optional.empty());
        assertEquals(60_000, s.trainSize());
        assertEquals(10_000, s.testSize());
        assertEquals(784, s.features());
        assertEquals(10, ImageDataset.FASHION_MNIST.classNames().size());
        assertEquals("Ankle boot", ImageDataset.FASHION_MNIST.classNames().get(9));
        for (int count : s.trainClassCounts()) {
            assertEquals(6_000, count, "Fashion-MNIST is balanced");
        }
        double mean = 0;
        for (float v : s.trainFeatures()) {
            mean += v;
        }
        mean /= s.trainFeatures().length;
        assertEquals(0.2860, mean, 1e-3, "the published training-set pixel mean");
    }
}
