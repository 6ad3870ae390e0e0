package dev.nabla.kernels.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Compiled kernels kept on disk between processes, so that opening a device does not pay for
 * the whole kernel source's compilation again (NVRTC takes seconds; a JMH fork or a short
 * {@code nabla} command opens the device once each).
 *
 * <p>An entry is named by a key that hashes everything the compiled image depends on (the
 * source text, the compiler's version, the target architecture and options), so a changed
 * source or a new compiler never meets a stale image. Each file holds a magic line, the SHA-256
 * of the image and the image; a file that does not match is named in a warning, deleted and
 * compiled again. Writes go to a temporary file in the same folder and are renamed into place,
 * so a concurrent process sees either no entry or a whole one.
 *
 * <p>The cache is an optimisation only: every failure to read or write it is logged and the
 * kernels are compiled as if it were absent. Where: {@code $NABLA_CACHE_DIR/kernels}, else
 * {@code $XDG_CACHE_HOME/nabla/kernels}, else {@code ~/.cache/nabla/kernels};
 * {@code NABLA_KERNEL_CACHE=off} turns it off.
 */
public final class KernelCache {

    private static final System.Logger LOG = System.getLogger("dev.nabla.kernels");
    private static final byte[] MAGIC = "nabla-kernel-cache 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;

    /** Where the cache lives, or empty when it is off. */
    private final Optional<Path> folder;

    /** A cache in {@code folder} (created on first write); empty for none. */
    public KernelCache(Optional<Path> folder) {
        this.folder = folder;
    }

    /** The cache the environment asks for (see the class comment). */
    public static KernelCache standard() {
        return new KernelCache(standardFolder(System.getenv(), System.getProperty("user.home")));
    }

    /** The folder for an environment and home folder; empty when the cache is turned off. */
    static Optional<Path> standardFolder(Map<String, String> env, String home) {
        String switchValue = env.getOrDefault("NABLA_KERNEL_CACHE", "on").strip().toLowerCase(java.util.Locale.ROOT);
        if (switchValue.equals("off") || switchValue.equals("0") || switchValue.equals("false")) {
            return Optional.empty();
        }
        String explicit = env.get("NABLA_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit, "kernels"));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Optional.of(Path.of(xdg, "nabla", "kernels"));
        }
        return home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home, ".cache", "nabla", "kernels"));
    }

    /** The cache folder, if the cache is on. */
    public Optional<Path> folder() {
        return folder;
    }

    /** A key for the parts an image depends on: the hex SHA-256 of their lengths and texts. */
    public static String key(String... parts) {
        MessageDigest digest = sha256();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            // The length first, so ("ab", "c") and ("a", "bc") differ.
            digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            digest.update(bytes);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** What {@link #getOrCompile} did: the image, and whether it came from the cache. */
    public record Entry(byte[] image, boolean cached) {
    }

    /**
     * The image stored under {@code key}, or {@code compile}'s result, which is then stored.
     * {@code suffix} ("cubin", "ptx") only makes the folder readable to a person.
     */
    public Entry getOrCompile(String key, String suffix, Supplier<byte[]> compile) {
        Optional<byte[]> stored = get(key, suffix);
        if (stored.isPresent()) {
            return new Entry(stored.get(), true);
        }
        byte[] image = compile.get();
        put(key, suffix, image);
        return new Entry(image, false);
    }

    /** The image stored under {@code key}, if there is a whole and matching one. */
    public Optional<byte[]> get(String key, String suffix) {
        if (folder.isEmpty()) {
            return Optional.empty();
        }
        Path file = file(key, suffix);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "kernel cache: cannot read " + file + " (" + e + "); compiling instead");
            return Optional.empty();
        }
        Optional<byte[]> image = decode(content);
        if (image.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "kernel cache: " + file + " is damaged (" + content.length
                    + " bytes, checksum or header does not match); deleting it and compiling again");
            remove(key, suffix);
        }
        return image;
    }

    /** Stores {@code image} under {@code key}, atomically; a failure is logged, never thrown. */
    public void put(String key, String suffix, byte[] image) {
        if (folder.isEmpty()) {
            return;
        }
        Path file = file(key, suffix);
        Path temporary = null;
        try {
            Files.createDirectories(folder.get());
            temporary = Files.createTempFile(folder.get(), "." + key.substring(0, Math.min(12, key.length())) + "-", ".tmp");
            Files.write(temporary, encode(image));
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "kernel cache: cannot write " + file + " (" + e
                    + "); the kernels will be compiled again next time (NABLA_KERNEL_CACHE=off silences this)");
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // nothing more to do: a stray temp file is harmless and named *.tmp
                }
            }
        }
    }

    /** Deletes the entry under {@code key} (an image the driver refused); a failure is logged. */
    public void remove(String key, String suffix) {
        folder.ifPresent(f -> {
            try {
                Files.deleteIfExists(file(key, suffix));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "kernel cache: cannot delete " + file(key, suffix) + ": " + e);
            }
        });
    }

    /** The file for {@code key}. */
    public Path file(String key, String suffix) {
        return folder.orElseThrow().resolve(key + "." + suffix);
    }

    static byte[] encode(byte[] image) {
        byte[] digest = sha256().digest(image);
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + DIGEST_BYTES + image.length);
        return out.put(MAGIC).put(digest).put(image).array();
    }

    static Optional<byte[]> decode(byte[] content) {
        int header = MAGIC.length + DIGEST_BYTES;
        if (content.length < header || !Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return Optional.empty();
        }
        byte[] image = Arrays.copyOfRange(content, header, content.length);
        byte[] digest = sha256().digest(image);
        return Arrays.equals(content, MAGIC.length, header, digest, 0, DIGEST_BYTES) ? Optional.of(image) : Optional.empty();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
