package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private long entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void writesAndReplacesLeavingNoTemporaryFile() throws IOException {
        Path target = dir.resolve("state.json");
        AtomicFiles.writeString(target, "first");
        assertEquals("first", Files.readString(target));
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        assertEquals(1, entries(), "only the target remains");
    }

    @Test
    void replacingKeepsTheFilesPosixPermissions() throws IOException {
        Path target = dir.resolve("secret.safetensors");
        AtomicFiles.writeString(target, "first");
        Assumptions.assumeTrue(Files.getFileStore(target).supportsFileAttributeView(PosixFileAttributeView.class),
                "no POSIX permissions on this file system");
        for (String mode : new String[] {"rw-------", "rw-r-----", "r--------"}) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
            AtomicFiles.writeString(target, "new " + mode);
            assertEquals("new " + mode, Files.readString(target));
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        }
        assertEquals(1, entries(), "only the target remains");
    }

    @Test
    void createsMissingParentDirectories() throws IOException {
        Path target = dir.resolve("runs/2024/model.bin");
        AtomicFiles.writeString(target, "x");
        assertEquals("x", Files.readString(target));
    }

    @Test
    void failureMidWriteKeepsThePreviousContentAndRemovesTheTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        AtomicFiles.writeString(target, "previous checkpoint");
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]); // more than the buffer, so bytes reach the temp file
            throw boom;
        }));
        // The failing write is named by its target (a full disk's message names no file).
        assertSame(boom, thrown.getCause());
        assertEquals("cannot write " + target + ": disk full", thrown.getMessage());
        assertEquals(target, ((AtomicFiles.WriteException) thrown).file());
        assertEquals("previous checkpoint", Files.readString(target));
        assertEquals(1, entries(), "temporary file removed");
    }

    @Test
    void failureWithoutPreviousFileLeavesNothing() throws IOException {
        Path target = dir.resolve("new.bin");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new UncheckedIOException(new IOException("boom"));
        }));
        assertFalse(Files.exists(target));
        assertEquals(0, entries());
    }

    @Test
    void bodyMayCloseItsStream() throws IOException {
        Path target = dir.resolve("closed.txt");
        AtomicFiles.write(target, out -> {
            try (out) {
                out.write("ok".getBytes());
            }
        });
        assertEquals("ok", Files.readString(target));
    }
}
