package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FormatTest {

    /** Sizes and how {@link Format#bytes} writes them; each is reported on its own if it fails. */
    static Stream<Arguments> bytesInBinaryUnits() {
        return Stream.of(
                arguments(0L, "0 B"),
                arguments(1023L, "1023 B"),
                arguments(1024L, "1.00 KiB"),
                arguments(1536L, "1.50 KiB"),
                arguments(1024 * 1024 - 1L, "1.00 MiB"), // 1023.999 KiB rounds up into the next unit
                arguments((long) (12.3 * (1L << 30)), "12.3 GiB"),
                arguments(256L << 20, "256 MiB"),
                arguments(-2048L, "-2.00 KiB"),
                arguments(Long.MAX_VALUE, "8.00 EiB"));
    }

    @ParameterizedTest
    @MethodSource
    void bytesInBinaryUnits(long bytes, String expected) {
        assertEquals(expected, Format.bytes(bytes));
    }
}
