package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void bytesInBinaryUnits() {
        assertEquals("0 B", Format.bytes(0));
        assertEquals("1023 B", Format.bytes(1023));
        assertEquals("1.00 KiB", Format.bytes(1024));
        assertEquals("1.50 KiB", Format.bytes(1536));
        assertEquals("1.00 MiB", Format.bytes(1024 * 1024 - 1));
        assertEquals("12.3 GiB", Format.bytes((long) (12.3 * (1L << 30))));
        assertEquals("256 MiB", Format.bytes(256L << 20));
        assertEquals("-2.00 KiB", Format.bytes(-2048));
        assertEquals("8.00 EiB", Format.bytes(Long.MAX_VALUE));
    }
}
