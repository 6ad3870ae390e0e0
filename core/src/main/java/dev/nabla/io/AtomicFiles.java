package dev.nabla.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a reader, or the file system after a crash, sees either the old
 * content or the new content, never a mixture or a truncated file.
 *
 * <p>The recipe is the classic one: write a temporary file in the <em>same directory</em> (a
 * rename is only atomic within one file system), {@code force(true)} it so the data is on disk
 * before the name points at it, rename it over the target with {@code ATOMIC_MOVE}, then fsync
 * the directory so the rename itself survives a power loss. If anything fails before the rename
 * the temporary file is deleted and the previous target is untouched.
 *
 * <p>A new file gets the process's default permissions (not the owner-only permissions of
 * {@link Files#createTempFile}), so a checkpoint ends up as readable as any other file the user
 * writes. A replaced file keeps its POSIX permissions (a 0600 file stays 0600): they are copied
 * onto the temporary file before any content is written, so the new content is never more readable
 * than the old. Owner and group are not copied (that needs privileges).
 */
public final class AtomicFiles {

    /** Writes the content of the file, given a stream that must not be closed by the body. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /** Atomically replaces {@code target} with {@code bytes}, creating parent directories. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with {@code text} encoded as UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Atomically replaces {@code target} with whatever {@code body} writes, streaming, so large
     * files need not be held in memory. If {@code body} throws, the temporary file is removed and
     * {@code target} keeps its previous content (or stays absent); an {@link IOException}, the
     * body's or the file system's, comes out as a {@link WriteException} naming {@code target}.
     */
    public static void write(Path target, Body body) throws IOException {
        try {
            writeUnnamed(target, body);
        } catch (WriteException alreadyNamed) {
            throw alreadyNamed;
        } catch (IOException e) {
            // A full disk surfaces as a bare "No space left on device" from some write() deep in
            // the body: say which file was being written.
            throw new WriteException(target, e);
        }
    }

    /**
     * Writing a file failed: the message names the file (the target, not its temporary file) and
     * the cause, e.g. {@code cannot write runs/x/curves.png: No space left on device}. The
     * original exception is the cause.
     */
    public static final class WriteException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;
        private final String reason;

        WriteException(Path file, IOException cause) {
            super("cannot write " + file + ": " + describe(cause, file), cause);
            this.file = file;
            this.reason = describe(cause, file);
        }

        /** Why, without the file: {@code No space left on device}, {@code Read-only file system}... */
        public String reason() {
            return reason;
        }

        /** The file that was being written. */
        public Path file() {
            return file;
        }

        private static String describe(IOException e, Path target) {
            if (e instanceof java.nio.file.FileSystemException fse) {
                String what = fse.getReason() != null ? fse.getReason() : switch (fse) {
                    case java.nio.file.AccessDeniedException x -> "permission denied";
                    case NoSuchFileException x -> "no such file or folder";
                    case java.nio.file.FileAlreadyExistsException x -> "already exists";
                    case java.nio.file.DirectoryNotEmptyException x -> "a folder that is not empty is in the way";
                    default -> fse.getClass().getSimpleName();
                };
                String file = fse.getFile();
                boolean other = file != null && !Path.of(file).toAbsolutePath().equals(target.toAbsolutePath());
                return what + (other ? " (" + file + ")" : "");
            }
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
    }

    private static void writeUnnamed(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = newTempPath(dir, absolute.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                keepPermissions(absolute, tmp);
                OutputStream raw = Channels.newOutputStream(ch);
                // Buffered, but flushed by hand: closing this wrapper would close the channel
                // before force(true).
                var out = new java.io.BufferedOutputStream(new NonClosing(raw), 1 << 16);
                body.writeTo(out);
                out.flush();
                ch.force(true);
            }
            move(tmp, absolute);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // The original failure is the one worth reporting.
                }
            }
        }
        fsyncDirectory(dir);
    }

    /** Gives {@code tmp} the POSIX permissions of {@code target}, if it exists on a POSIX file system. */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(target);
        } catch (NoSuchFileException | UnsupportedOperationException nothingToKeep) {
            return;
        }
        Files.setPosixFilePermissions(tmp, permissions);
    }

    private static Path newTempPath(Path dir, String name) {
        // A dot prefix keeps it out of casual listings; the random part keeps two writers of the
        // same target from colliding (CREATE_NEW would refuse rather than share).
        long nonce = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        return dir.resolve("." + name + "." + Long.toString(nonce, 36) + ".tmp");
    }

    /** Temp-file names as {@link #newTempPath} makes them: {@code .NAME.BASE36.tmp}. */
    private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile("\\..+\\.[0-9a-z]{1,13}\\.tmp");

    /** True if {@code name} is a temporary file of {@link #write}, left behind if a write was killed. */
    public static boolean isTempFile(String name) {
        return TEMP_NAME.matcher(name).matches();
    }

    /**
     * Deletes the temporary files {@link #write} left in {@code dir} when a process was killed
     * mid-write (only names of its own pattern, {@code .NAME.BASE36.tmp}); returns their names.
     * Call it only while no other writer can be using the folder.
     */
    public static java.util.List<String> removeTempFiles(Path dir) throws IOException {
        java.util.List<String> removed = new java.util.ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (var entries = Files.list(dir)) {
            for (Path file : (Iterable<Path>) entries::iterator) {
                String name = file.getFileName().toString();
                if (isTempFile(name) && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(file);
                    removed.add(name);
                }
            }
        }
        java.util.Collections.sort(removed);
        return removed;
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems (certain network and FUSE mounts) refuse atomic renames. The data
            // is already on disk; a plain replace is the best that file system can do, and better
            // than refusing to save a checkpoint at all.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Flushes the directory entry so the rename survives a crash. Opening a directory for reading
     * works on Linux and macOS; elsewhere (Windows) it throws and the rename is already as durable
     * as the platform makes it, so the failure is ignored.
     */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Best effort, see above.
        }
    }

    /** Writes all of {@code buffer} (from position to limit) to {@code out}. */
    static void writeFully(OutputStream out, ByteBuffer buffer) throws IOException {
        if (buffer.hasArray()) {
            out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
        } else {
            byte[] tmp = new byte[buffer.remaining()];
            buffer.get(tmp);
            out.write(tmp);
        }
    }

    /** Lets the body close its stream (try-with-resources habits) without closing the channel. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
