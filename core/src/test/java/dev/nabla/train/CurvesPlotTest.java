package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CurvesPlotTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    static List<EpochRecord> epochs(int n) {
        List<EpochRecord> out = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            out.add(new EpochRecord(e, 1.0 / e, 0.7 + 0.04 * e, 1.1 / e, 0.68 + 0.035 * e, 12.5, 4800.0));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5})
    void writesAValidPng(int n) throws IOException {
        Path png = dir.resolve("curves.png");
        CurvesPlot.write(png, epochs(n), "run 2024-05-01 · cpu (8 threads)");
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8));
        assertTrue(bytes.length > 10_000, "a drawn chart, not a blank image: " + bytes.length + " bytes");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 * CurvesPlot.PANEL_WIDTH, img.getWidth());
        assertEquals(CurvesPlot.PANEL_HEIGHT + CurvesPlot.TITLE_HEIGHT, img.getHeight());
        // Both series colours appear in both panels: the lines were drawn.
        for (int rgb : new int[] {0x1f77b4, 0xff7f0e}) {
            assertTrue(containsColour(img, 0, CurvesPlot.PANEL_WIDTH, rgb), "left panel has " + Integer.toHexString(rgb));
            assertTrue(containsColour(img, CurvesPlot.PANEL_WIDTH, 2 * CurvesPlot.PANEL_WIDTH, rgb),
                    "right panel has " + Integer.toHexString(rgb));
        }
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void missingTestMetricsAreLeftOut() throws IOException {
        List<EpochRecord> noTest = List.of(new EpochRecord(1, 0.9, 0.6, Double.NaN, Double.NaN, 1, 1),
                new EpochRecord(2, 0.5, 0.8, Double.NaN, Double.NaN, 1, 1));
        BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(CurvesPlot.render(noTest, "t")));
        assertTrue(containsColour(img, 0, img.getWidth(), 0x1f77b4));
        assertTrue(!containsColour(img, 0, img.getWidth(), 0xff7f0e), "no test line");
    }

    @Test
    void validationCurvesAreDrawnWhenMeasured() throws IOException {
        List<EpochRecord> withValidation = List.of(new EpochRecord(1, 0.9, 0.6, Double.NaN, Double.NaN, 1, 1, 0.8, 0.7),
                new EpochRecord(2, 0.5, 0.8, Double.NaN, Double.NaN, 1, 1, 0.6, 0.75));
        BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(CurvesPlot.render(withValidation, "t")));
        assertTrue(containsColour(img, 0, CurvesPlot.PANEL_WIDTH, 0x2ca02c), "validation loss line");
        assertTrue(containsColour(img, CurvesPlot.PANEL_WIDTH, img.getWidth(), 0x2ca02c), "validation accuracy line");
        assertTrue(!containsColour(img, 0, img.getWidth(), 0xff7f0e), "no test line");
        BufferedImage without = ImageIO.read(new java.io.ByteArrayInputStream(CurvesPlot.render(epochs(2), "t")));
        assertTrue(!containsColour(without, 0, without.getWidth(), 0x2ca02c), "no validation line without one");
    }

    @Test
    void differentDataGivesDifferentImages() throws IOException {
        assertNotEquals(Arrays.hashCode(CurvesPlot.render(epochs(3), "a")),
                Arrays.hashCode(CurvesPlot.render(epochs(4), "a")));
        assertThrows(IllegalArgumentException.class, () -> CurvesPlot.render(List.of(), "empty"));
    }

    private static boolean containsColour(BufferedImage img, int x0, int x1, int rgb) {
        for (int x = x0; x < x1; x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }
}
