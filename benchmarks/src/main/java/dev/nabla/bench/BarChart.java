package dev.nabla.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The PNG of a run: grouped bars, one group per workload and one bar per backend or library,
 * in up to three panels stacked vertically because their units differ: GFLOP/s (matmul and
 * training steps), GB/s (memory-bound primitives) and samples/s (training steps).
 */
public final class BarChart {

    private static final int WIDTH = 1400;
    private static final int PANEL_HEIGHT = 520;

    private BarChart() {
    }

    /** One panel: a title, a unit, the results it shows and how to read the figure from one. */
    record Panel(String title, String unit, List<Result> results, ToDoubleFunction<Result> value) {
    }

    /** The panels a report needs (empty ones left out). */
    static List<Panel> panels(Report report) {
        List<Result> flops = new ArrayList<>();
        List<Result> bytes = new ArrayList<>();
        List<Result> steps = new ArrayList<>();
        for (Result r : report.results()) {
            if (!r.ok()) {
                continue;
            }
            if (r.workload().samplesPerCall() > 0) {
                steps.add(r);
            } else if (r.workload().metric() == Workload.Metric.FLOPS) {
                flops.add(r);
            } else {
                bytes.add(r);
            }
        }
        List<Panel> panels = new ArrayList<>();
        if (!flops.isEmpty()) {
            panels.add(new Panel("Matrix multiply", "GFLOP/s", flops, Result::gflops));
        }
        if (!bytes.isEmpty()) {
            panels.add(new Panel("Memory-bound primitives", "GB/s", bytes, Result::gbps));
        }
        if (!steps.isEmpty()) {
            panels.add(new Panel("MLP training step", "samples/s", steps, Result::samplesPerSecond));
        }
        return panels;
    }

    /** Draws the report's chart into {@code file} (PNG). */
    public static void write(Report report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Panel> panels = panels(report);
        if (panels.isEmpty()) {
            throw new IOException("nothing to draw: no workload produced a result");
        }
        BufferedImage image = new BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            CategoryChart chart = chart(panels.get(i), i == 0 ? subtitle(report) : "");
            g.drawImage(BitmapEncoder.getBufferedImage(chart), 0, i * PANEL_HEIGHT, null);
        }
        g.dispose();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static String subtitle(Report report) {
        return " - " + report.machine().get("cpu") + ", " + report.machine().get("cores") + " cores, "
                + report.date().substring(0, Math.min(10, report.date().length()));
    }

    static CategoryChart chart(Panel panel, String subtitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title(panel.title() + subtitle).xAxisTitle("").yAxisTitle(panel.unit()).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setOverlapped(false);

        Map<String, Workload> categories = new LinkedHashMap<>();
        Set<String> contenders = new LinkedHashSet<>();
        for (Result r : panel.results()) {
            categories.putIfAbsent(r.workload().kind() + " " + r.workload().label(), r.workload());
            contenders.add(r.contender());
        }
        List<String> xs = new ArrayList<>(categories.keySet());
        for (String contender : contenders) {
            List<Double> ys = new ArrayList<>();
            for (Workload w : categories.values()) {
                double y = 0;
                for (Result r : panel.results()) {
                    if (r.workload().equals(w) && r.contender().equals(contender)) {
                        y = panel.value().applyAsDouble(r);
                    }
                }
                ys.add(Double.isFinite(y) ? y : 0);
            }
            chart.addSeries(contender, xs, ys);
        }
        return chart;
    }
}
