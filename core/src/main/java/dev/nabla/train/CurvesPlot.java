package dev.nabla.train;

import dev.nabla.io.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws {@code curves.png}: loss (left) and accuracy (right) per epoch, train, validation (if the run
 * has a validation set) and test, under a
 * title naming the run, so a glance tells whether training converged or overfits. The right panel
 * plots the task's main figure ({@link Task#mainMetric()}): accuracy, R² for regression, micro-F1
 * for multi-label (validation and test only: those are not measured on the training rows).
 *
 * <p>Rendering is headless (no display is needed or touched): unless the application chose
 * otherwise, {@code java.awt.headless} is set to {@code true} before AWT is first used. The PNG is
 * rendered in memory and written with {@link AtomicFiles}, so a reader never sees half an image.
 */
public final class CurvesPlot {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int PANEL_WIDTH = 640;
    static final int PANEL_HEIGHT = 440;
    static final int TITLE_HEIGHT = 40;
    private static final Color TRAIN = new Color(0x1f77b4);
    private static final Color TEST = new Color(0xff7f0e);
    private static final Color VALIDATION = new Color(0x2ca02c);

    private CurvesPlot() {}

    /** Writes the two-panel PNG for {@code epochs} (at least one) to {@code png}. */
    public static void write(Path png, List<EpochRecord> epochs, String title) throws IOException {
        AtomicFiles.write(png, render(epochs, title));
    }

    /** As {@link #write(Path, List, String)}, with the loss axis titled {@code lossLabel}. */
    public static void write(Path png, List<EpochRecord> epochs, String title, String lossLabel) throws IOException {
        AtomicFiles.write(png, render(epochs, title, lossLabel));
    }

    /** Renders the PNG bytes. */
    public static byte[] render(List<EpochRecord> epochs, String title) throws IOException {
        return render(epochs, title, "mean cross-entropy");
    }

    /** Renders the PNG bytes, the loss axis titled {@code lossLabel}. */
    public static byte[] render(List<EpochRecord> epochs, String title, String lossLabel) throws IOException {
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot");
        }
        Task task = epochs.get(0).task();
        // Loss falls and accuracy rises, so the legend goes where the curves usually are not.
        XYChart loss = chart("Loss", lossLabel, epochs, "0.###", Styler.LegendPosition.InsideNE);
        addSeries(loss, "train", epochs, EpochRecord::trainLoss, TRAIN);
        addSeries(loss, "val", epochs, EpochRecord::valLoss, VALIDATION);
        addSeries(loss, "test", epochs, EpochRecord::testLoss, TEST);
        padYAxis(loss, epochs, 0, Double.POSITIVE_INFINITY, EpochRecord::trainLoss, EpochRecord::testLoss,
                EpochRecord::valLoss);
        XYChart accuracy;
        if (task == Task.CLASSIFICATION) {
            accuracy = chart("Accuracy", "accuracy", epochs, "0.0%", Styler.LegendPosition.InsideSE);
            addSeries(accuracy, "train", epochs, EpochRecord::trainAccuracy, TRAIN);
            addSeries(accuracy, "val", epochs, EpochRecord::valAccuracy, VALIDATION);
            addSeries(accuracy, "test", epochs, EpochRecord::testAccuracy, TEST);
            padYAxis(accuracy, epochs, 0, 1, EpochRecord::trainAccuracy, EpochRecord::testAccuracy,
                    EpochRecord::valAccuracy);
        } else {
            String metric = task.mainMetric();
            String name = task == Task.REGRESSION ? "R²" : "Micro-F1";
            accuracy = chart(name, task == Task.REGRESSION ? "R²" : "micro-F1", epochs, "0.###",
                    Styler.LegendPosition.InsideSE);
            ToDoubleFunction<EpochRecord> val = e -> e.value("val_" + metric);
            ToDoubleFunction<EpochRecord> test = e -> e.value("test_" + metric);
            addSeries(accuracy, "val", epochs, val, VALIDATION);
            addSeries(accuracy, "test", epochs, test, TEST);
            // R² may be negative (worse than predicting the mean) but never above 1
            padYAxis(accuracy, epochs, task == Task.REGRESSION ? Double.NEGATIVE_INFINITY : 0, 1, val, test);
        }

        BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, PANEL_HEIGHT + TITLE_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            FontMetrics fm = g.getFontMetrics();
            String text = title == null ? "" : title;
            g.drawString(text, Math.max(8, (image.getWidth() - fm.stringWidth(text)) / 2),
                    (TITLE_HEIGHT + fm.getAscent() - fm.getDescent()) / 2);
            paint(g, loss, 0);
            paint(g, accuracy, PANEL_WIDTH);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer available in this JVM");
        }
        return out.toByteArray();
    }

    private static void paint(Graphics2D g, XYChart chart, int x) {
        Graphics2D panel = (Graphics2D) g.create(x, TITLE_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT);
        try {
            chart.paint(panel, PANEL_WIDTH, PANEL_HEIGHT);
        } finally {
            panel.dispose();
        }
    }

    private static XYChart chart(String name, String yTitle, List<EpochRecord> epochs, String yPattern,
            Styler.LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(name).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setLegendPosition(legend);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisDecimalPattern(yPattern);
        chart.getStyler().setMarkerSize(7);
        // Whole epochs on the x axis; with a single epoch XChart would otherwise spread ticks
        // around one value.
        int first = epochs.get(0).epoch();
        int last = epochs.get(epochs.size() - 1).epoch();
        chart.getStyler().setXAxisMin((double) first);
        chart.getStyler().setXAxisMax((double) Math.max(last, first + 1));
        chart.getStyler().setXAxisMaxLabelCount(Math.min(12, Math.max(2, last - first + 1)));
        return chart;
    }

    /**
     * Leaves a margin above and below the data so no point sits on the frame (XChart fits the axis
     * exactly to the data), without leaving the meaningful range {@code [lo, hi]}.
     */
    @SafeVarargs
    private static void padYAxis(XYChart chart, List<EpochRecord> epochs, double lo, double hi,
            ToDoubleFunction<EpochRecord>... curves) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (EpochRecord e : epochs) {
            for (ToDoubleFunction<EpochRecord> curve : curves) {
                double v = curve.applyAsDouble(e);
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return;
        }
        double pad = max > min ? 0.08 * (max - min) : Math.max(0.05 * Math.abs(max), 0.01);
        chart.getStyler().setYAxisMin(Math.max(lo, min - pad));
        chart.getStyler().setYAxisMax(Math.min(hi, max + pad));
    }

    private static void addSeries(XYChart chart, String name, List<EpochRecord> epochs,
            ToDoubleFunction<EpochRecord> value, Color color) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (EpochRecord e : epochs) {
            double v = value.applyAsDouble(e);
            if (Double.isFinite(v)) {
                xs.add((double) e.epoch());
                ys.add(v);
            }
        }
        if (xs.isEmpty()) {
            return; // e.g. no test set: no line rather than an empty legend entry
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineColor(color);
        series.setMarkerColor(color);
    }
}
