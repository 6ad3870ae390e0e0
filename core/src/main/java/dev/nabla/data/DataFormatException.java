package dev.nabla.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that exists but cannot be used as it is: wrong format, truncated, corrupt, or
 * holding a value that does not parse. The message starts with the file (and, for text files, the
 * line), so the user knows which download to repeat or which line to fix.
 */
public class DataFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public DataFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public DataFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /**
     * A problem with data that may not be one file (an in-memory set, a pair of files):
     * {@code source} names it as {@link Dataset#source()} does; {@link #file()} is then null.
     */
    public DataFormatException(String source, String problem) {
        super(source + ": " + problem);
        this.file = null;
    }

    /** The offending file, or null if the data was not one file. */
    public Path file() {
        return file;
    }
}
