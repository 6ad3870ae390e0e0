package dev.nabla.data;

import java.io.IOException;
import java.util.List;

/**
 * A dataset is in none of the places Nabla looks. The message lists each place with why it did not
 * qualify, then how to get the data, so the user never has to read code to fix it.
 */
public class DatasetNotFoundException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> searched;

    public DatasetNotFoundException(String message, List<String> searched) {
        super(message);
        this.searched = List.copyOf(searched);
    }

    /** One line per place looked at: the path, where it came from, and what was missing. */
    public List<String> searched() {
        return searched;
    }
}
