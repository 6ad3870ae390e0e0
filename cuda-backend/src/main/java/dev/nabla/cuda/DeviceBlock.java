package dev.nabla.cuda;

import dev.nabla.backend.Storage;
import dev.nabla.kernels.host.DeviceStorage;
import jcuda.driver.CUdeviceptr;

/**
 * One {@code cuMemAlloc} block: JCuda's handle, and its device address as a number (read once
 * from the handle), which the {@code java.lang.foreign} cuBLAS binding passes.
 */
record DeviceBlock(CUdeviceptr pointer, long address) {

    /** The device address of element {@code elementOffset} (4-byte elements), for cuBLAS. */
    long address(long elementOffset) {
        return address(elementOffset, 4);
    }

    /** The device address of element {@code elementOffset} of {@code elementBytes} bytes each. */
    long address(long elementOffset, int elementBytes) {
        return address + elementBytes * elementOffset;
    }

    /** The block of a storage the CUDA backend allocated. */
    static DeviceBlock of(Storage storage) {
        return DeviceStorage.handle(storage, DeviceBlock.class);
    }
}
