package dev.nabla.io;

import dev.nabla.data.DataFormatException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be trusted: truncated, altered, or not in the expected format.
 * The message always starts with the file, so a user with several run folders knows which one
 * to delete or re-create.
 *
 * <p>A {@link DataFormatException} (a file that exists but cannot be used as it is), which keeps
 * the file and words the message; this type says that the file is a checkpoint.
 */
public class CorruptCheckpointException extends DataFormatException {

    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(Path file, String problem) {
        super(file, problem);
    }

    public CorruptCheckpointException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
