package dev.nabla.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Reads a numeric CSV file: every column but one is a feature, the remaining one is the label,
 * a class for classification ({@link #read}) or a real-valued target for regression
 * ({@link #readValues}, where the label column must hold numbers, never class names).
 *
 * <ul>
 *   <li><b>Header</b>: {@link Header#AUTO} (default) treats the first line as a header when one of
 *       its feature fields is not a number, or when only its label field is text and the next
 *       line's label is a number;
 *   <li><b>Label column</b>: the last one by default; or by header name; or by 0-based index,
 *       negative counting from the end ({@code -1} is the last);
 *   <li><b>Labels</b>: if every label is a number, each must be a class index {@code 0..C-1}
 *       ({@code 3} or {@code 3.0}), with C at most the number of rows (or 256 if more) and at most
 *       {@link #MAX_CLASSES}; a negative, fractional or too large label is an error naming its
 *       line. Otherwise (the column holds text) labels are class names, numbered in sorted order
 *       (so {@code setosa, versicolor, virginica} become 0, 1, 2 on every run);
 *   <li><b>Fields</b>: separated by the delimiter (default {@code ,}), trimmed, optionally in
 *       double quotes ({@code ""} for a quote); blank lines and a UTF-8 byte-order mark are
 *       ignored. Missing or non-finite values are errors, not silently zero.
 * </ul>
 *
 * <p>Every error is a {@link DataFormatException} naming the file, the line and the column, e.g.
 * {@code data.csv: line 17, column 3 ("petal_width"): not a number: "abc"}.
 */
public final class CsvReader {

    /** Most classes a numeric label column may index. */
    public static final int MAX_CLASSES = 65536;

    /** Whether the first line is a header. */
    public enum Header {
        AUTO, PRESENT, ABSENT
    }

    /**
     * How to read the file. {@code labelColumn} null means the last column; otherwise a header
     * name, or an integer index as text (0-based, negative from the end).
     */
    public record Options(char delimiter, Header header, String labelColumn) {
        public static Options defaults() {
            return new Options(',', Header.AUTO, null);
        }

        public Options withDelimiter(char d) {
            return new Options(d, header, labelColumn);
        }

        public Options withHeader(Header h) {
            return new Options(delimiter, h, labelColumn);
        }

        public Options withLabel(String column) {
            return new Options(delimiter, header, column);
        }
    }

    private CsvReader() {}

    /** Reads {@code file} with {@link Options#defaults()}. */
    public static CsvData read(Path file) throws IOException {
        return read(file, Options.defaults());
    }

    public static CsvData read(Path file, Options options) throws IOException {
        Parsed parsed = parse(file, options);
        String[] names = parsed.names();
        int labelCol = parsed.labelCol();
        String[] rawLabels = parsed.rawLabels();
        int n = rawLabels.length;

        List<String> featureNames = parsed.featureNames();
        String labelName = names[labelCol];
        int[] labels = new int[n];
        List<String> classNames = List.of();
        boolean numeric = Arrays.stream(rawLabels).allMatch(CsvReader::isNumber);
        if (numeric) {
            // Class indices, as PyTorch's cross-entropy targets: 0..C-1, C bounded by the rows (a
            // class needs examples; 256 leaves room for unused indices in small files) and by
            // MAX_CLASSES, so that a typo (1000000) is an error rather than a million-wide layer.
            int limit = Math.min(MAX_CLASSES, Math.max(256, n));
            for (int i = 0; i < n; i++) {
                String raw = rawLabels[i];
                double v = Double.parseDouble(raw);
                int line = parsed.lines()[i];
                if (v != Math.rint(v)) {
                    throw fieldError(file, line, labelCol, names, "label " + raw + " is not a whole number; numeric"
                            + " labels are class indices 0..C-1 (labels that are text are class names)");
                }
                if (v < 0) {
                    throw fieldError(file, line, labelCol, names, "label " + raw + " is negative; numeric labels are"
                            + " class indices 0..C-1: renumber the classes from 0 (e.g. -1/1 as 0/1) or write them as"
                            + " names");
                }
                if (v >= limit) {
                    throw fieldError(file, line, labelCol, names, "label " + raw + " is too large for a class index:"
                            + " numeric labels are class indices 0..C-1, and " + (limit == MAX_CLASSES
                            ? "Nabla supports at most " + MAX_CLASSES + " classes"
                            : n + " rows allow at most " + limit + " classes") + "; renumber the classes from 0");
                }
                labels[i] = (int) v;
            }
        } else {
            // Class names: the label column is text (numbers among them are names too).
            TreeSet<String> distinct = new TreeSet<>(Arrays.asList(rawLabels));
            classNames = List.copyOf(distinct);
            for (int i = 0; i < n; i++) {
                labels[i] = classNames.indexOf(rawLabels[i]);
            }
        }
        return new CsvData(file.toString(), featureNames, labelName, parsed.features(), labels, parsed.featureCount(),
                classNames);
    }

    /**
     * Reads {@code file} for regression: the label column holds one real-valued target per row,
     * so every label must be a finite decimal number ({@code -1}, {@code 2.5}, {@code 1e-3}); text,
     * an empty field, {@code NaN} or an infinity is an error naming its line and column, raised
     * before any training. The other rules (header, label column, delimiter, fields) are those of
     * {@link #read(Path, Options)}.
     */
    public static InMemoryDataset readValues(Path file, Options options) throws IOException {
        Parsed parsed = parse(file, options);
        String[] raw = parsed.rawLabels();
        float[] values = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (!isNumber(raw[i])) {
                throw fieldError(file, parsed.lines()[i], parsed.labelCol(), parsed.names(), "regression target \""
                        + raw[i] + "\" is not a finite decimal number (regression targets must be numbers; drop or"
                        + " fill the row)");
            }
            values[i] = Float.parseFloat(raw[i]);
            if (!Float.isFinite(values[i])) {
                throw fieldError(file, parsed.lines()[i], parsed.labelCol(), parsed.names(), "regression target "
                        + raw[i] + " overflows a float");
            }
        }
        return InMemoryDataset.ofValues(file.toString(), parsed.features(), parsed.featureCount(), values, 1);
    }

    /** {@link #readValues(Path, Options)} with {@link Options#defaults()}. */
    public static InMemoryDataset readValues(Path file) throws IOException {
        return readValues(file, Options.defaults());
    }

    /** The fields of a file: features parsed, the label column's text kept per data row. */
    private record Parsed(String[] names, int labelCol, float[] features, int featureCount, String[] rawLabels,
                          int[] lines) {
        List<String> featureNames() {
            List<String> list = new ArrayList<>(Arrays.asList(names));
            list.remove(labelCol);
            return list;
        }
    }

    private static Parsed parse(Path file, Options options) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a folder, not a CSV file");
        }
        List<String[]> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                rows.add(split(file, lineNo, line, options.delimiter()));
                lineNumbers.add(lineNo);
            }
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "not UTF-8 text", e);
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(file, "no data: the file is empty");
        }

        int columns = rows.get(0).length;
        if (columns < 2) {
            throw new DataFormatException(file, "line " + lineNumbers.get(0) + ": only one column; need features and a"
                    + " label (is the delimiter '" + options.delimiter() + "' right?)");
        }
        String labelSpec = options.labelColumn();
        boolean byName = labelSpec != null && !isInteger(labelSpec);
        int labelCol = byName ? -1 : resolveIndex(file, labelSpec, columns);

        boolean header = switch (options.header()) {
            case PRESENT -> true;
            case ABSENT -> false;
            case AUTO -> byName || looksLikeHeader(rows, labelCol);
        };
        String[] names;
        if (header) {
            names = rows.get(0);
            if (byName) {
                labelCol = Arrays.asList(names).indexOf(labelSpec);
                if (labelCol < 0) {
                    throw new DataFormatException(file, "no column named \"" + labelSpec + "\" in the header "
                            + Arrays.toString(names));
                }
            }
        } else {
            if (byName) {
                throw new DataFormatException(file, "label column \"" + labelSpec + "\" given by name, but the file"
                        + " has no header");
            }
            names = new String[columns];
            for (int c = 0; c < columns; c++) {
                names[c] = "column" + (c + 1);
            }
        }

        int first = header ? 1 : 0;
        int n = rows.size() - first;
        if (n == 0) {
            throw new DataFormatException(file, "no data rows after the header");
        }
        int featureCount = columns - 1;
        float[] features = new float[Math.multiplyExact(n, featureCount)];
        String[] rawLabels = new String[n];
        for (int i = 0; i < n; i++) {
            String[] row = rows.get(first + i);
            int lineNo = lineNumbers.get(first + i);
            if (row.length != columns) {
                throw new DataFormatException(file, String.format(Locale.ROOT, "line %d: %d fields, expected %d (as %s)",
                        lineNo, row.length, columns, header ? "in the header" : "on line " + lineNumbers.get(0)));
            }
            int f = i * featureCount;
            for (int c = 0; c < columns; c++) {
                if (c == labelCol) {
                    rawLabels[i] = row[c];
                    if (row[c].isEmpty()) {
                        throw fieldError(file, lineNo, c, names, "empty label");
                    }
                    continue;
                }
                features[f++] = parseFeature(file, lineNo, c, names, row[c]);
            }
        }
        int[] lines = new int[n];
        for (int i = 0; i < n; i++) {
            lines[i] = lineNumbers.get(first + i);
        }
        return new Parsed(names, labelCol, features, featureCount, rawLabels, lines);
    }

    private static boolean looksLikeHeader(List<String[]> rows, int labelCol) {
        String[] first = rows.get(0);
        for (int c = 0; c < first.length; c++) {
            if (c != labelCol && !isNumber(first[c])) {
                return true;
            }
        }
        if (!isNumber(first[labelCol]) && rows.size() > 1) {
            String[] second = rows.get(1);
            return labelCol < second.length && isNumber(second[labelCol]);
        }
        return false;
    }

    private static int resolveIndex(Path file, String spec, int columns) throws DataFormatException {
        if (spec == null) {
            return columns - 1;
        }
        int i = Integer.parseInt(spec.trim());
        int resolved = i < 0 ? columns + i : i;
        if (resolved < 0 || resolved >= columns) {
            throw new DataFormatException(file, "label column index " + i + " is outside the " + columns + " columns");
        }
        return resolved;
    }

    private static float parseFeature(Path file, int line, int col, String[] names, String s)
            throws DataFormatException {
        if (s.isEmpty()) {
            throw fieldError(file, line, col, names, "empty value (missing values are not supported)");
        }
        float v;
        try {
            v = Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw fieldError(file, line, col, names, "not a number: \"" + s + "\"");
        }
        if (!Float.isFinite(v) || !isNumber(s)) {
            throw fieldError(file, line, col, names, "not a finite decimal number: \"" + s + "\"");
        }
        return v;
    }

    private static DataFormatException fieldError(Path file, int line, int col, String[] names, String problem) {
        return new DataFormatException(file, String.format(Locale.ROOT, "line %d, column %d (\"%s\"): %s", line,
                col + 1, names[col], problem));
    }

    /** Decimal numbers only: Float.parseFloat alone would also take "NaN", "1f" and hex floats. */
    private static boolean isNumber(String s) {
        return s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?") && Double.isFinite(Double.parseDouble(s));
    }

    private static boolean isIntegral(String s) {
        if (!isNumber(s)) {
            return false;
        }
        double v = Double.parseDouble(s);
        return v == Math.rint(v);
    }

    private static boolean isInteger(String s) {
        return s.trim().matches("[+-]?\\d+");
    }

    /** Splits one line; fields are trimmed, double quotes removed ({@code ""} is a quote). */
    private static String[] split(Path file, int lineNo, String line, char delimiter) throws DataFormatException {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"' && cur.toString().isBlank()) {
                quoted = true;
                wasQuoted = true;
                cur.setLength(0);
            } else if (ch == delimiter) {
                fields.add(wasQuoted ? cur.toString() : cur.toString().trim());
                cur.setLength(0);
                wasQuoted = false;
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new DataFormatException(file, "line " + lineNo + ": unterminated quoted field (fields spanning"
                    + " lines are not supported)");
        }
        fields.add(wasQuoted ? cur.toString() : cur.toString().trim());
        return fields.toArray(String[]::new);
    }
}
