package dev.nabla.cli;

import java.util.Locale;

/** Human-readable numbers for command output. */
final class Format {

    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Format() {
    }

    /** Bytes in binary units with three significant digits: {@code 0 B}, {@code 1023 B}, {@code 1.50 KiB}, {@code 12.3 GiB}. */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return "-" + bytes(bytes == Long.MIN_VALUE ? Long.MAX_VALUE : -bytes);
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String pattern = value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s";
        String text = String.format(Locale.ROOT, pattern, value, BINARY_UNITS[unit]);
        // 1023.99 KiB rounds to "1024 KiB"; show it as the next unit instead.
        return text.startsWith("1024 ") && unit < BINARY_UNITS.length - 1
                ? "1.00 " + BINARY_UNITS[unit + 1] : text;
    }
}
