package dev.nabla.backend;

/**
 * A device allocator could not serve a request even after returning its cached blocks to the
 * driver. The message names the device, the requested and the available bytes; GPU backends
 * throw it from {@link Backend#allocate}.
 */
public class OutOfDeviceMemoryException extends IllegalStateException {

    private final long requestedBytes;
    private final long availableBytes;

    public OutOfDeviceMemoryException(String device, long requestedBytes, long availableBytes, String detail) {
        super(device + ": out of device memory: requested " + requestedBytes + " bytes ("
                + mebibytes(requestedBytes) + "), available " + availableBytes + " bytes ("
                + mebibytes(availableBytes) + ")" + (detail.isEmpty() ? "" : "; " + detail));
        this.requestedBytes = requestedBytes;
        this.availableBytes = availableBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long availableBytes() {
        return availableBytes;
    }

    private static String mebibytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
