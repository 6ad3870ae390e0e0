package dev.nabla.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive ownership of a run folder for the life of a run: an OS-level lock on
 * {@code DIR/.lock}, a file that holds the owner's PID. Two runs writing one folder would
 * interleave their checkpoints, so the second one is refused at once, naming the first one's PID.
 *
 * <p>The lock is the operating system's ({@link FileChannel#tryLock()}), so a process that was
 * killed holds nothing: its {@code .lock} file is stale and the next run takes it over. The file
 * itself is left in place when the run ends (deleting it would let two later runs lock two
 * different files); it is empty then. Locks are per JVM, so a second trainer in the same JVM is
 * refused too.
 */
public final class RunLock implements AutoCloseable {

    /** The lock file's name inside a run folder. */
    public static final String FILE = ".lock";

    /** The folder is in use by another run. */
    public static final class HeldException extends IllegalStateException {
        private final long holderPid;

        HeldException(Path dir, long holderPid) {
            super(dir + " is in use by another training run (" + (holderPid > 0 ? "PID " + holderPid
                    : "PID unknown") + ", lock file " + dir.resolve(FILE) + "); wait for it to finish or stop it,"
                    + " or use another folder. Two runs in one folder would overwrite each other's checkpoints.");
            this.holderPid = holderPid;
        }

        /** The PID written by the holder, or -1 if unreadable. */
        public long holderPid() {
            return holderPid;
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes {@code dir}'s lock, creating the folder and the lock file if needed.
     *
     * @throws HeldException if another process, or another run in this JVM, holds it
     */
    public static RunLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            // The lock is a run's first write: a read-only folder shows here, before any training.
            String reason = e.getReason() != null ? e.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
            throw new IOException("the run folder " + dir + " is not writable (" + reason + ": " + file
                    + "), so no checkpoint could be saved; choose another --out", e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new HeldException(dir, readPid(file));
        }
        try {
            // A stale file from a killed run is simply overwritten.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            lock.release();
            channel.close();
            throw e;
        }
        return new RunLock(channel, lock);
    }

    private static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Releases the lock; the (now empty) lock file stays. */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
