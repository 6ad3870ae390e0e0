package dev.nabla.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be trusted: truncated, altered, or not in the expected format.
 * The message always starts with the file, so a user with several run folders knows which one
 * to delete or re-create.
 */
public class CorruptCheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CorruptCheckpointException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public CorruptCheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that was refused. */
    public Path file() {
        return file;
    }
}
