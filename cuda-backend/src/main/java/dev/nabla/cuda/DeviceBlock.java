package dev.nabla.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * One {@code cuMemAlloc} block: JCuda's handle, and its device address as a number (read once
 * from the handle), which the {@code java.lang.foreign} cuBLAS binding passes.
 */
record DeviceBlock(CUdeviceptr pointer, long address) {
}
