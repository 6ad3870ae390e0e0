package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.testing.ProbedDevice;
import org.junit.jupiter.api.Test;

/**
 * What NCCL gets from a CUDA tensor: {@code dataPtr()} is the device pointer of its first element
 * (a view's offset included) and {@code nativeStream()} the backend's own stream (not 0), so that
 * a native collective queued there runs in order with Nabla's kernels. Checked by writing through the
 * pointer with the driver and reading the tensor back.
 */
class CudaNativeAddressTest {

    private static Device device() {
        return ProbedDevice.orSkip(new CudaProvider(), "CUDA", Integer.getInteger("nabla.cuda.device", 0));
    }

    @Test
    void dataPtrIsTheDevicePointerOfAViewsFirstElement() {
        Device device = device();
        Tensor t = Tensor.of(device, new float[] {1, 2, 3, 4, 5, 6}, 6);
        Tensor view = t.slice(0, 2, 5);
        assertEquals(t.dataPtr() + 2L * Float.BYTES, view.dataPtr());
        long stream = device.backend().nativeStream();
        assertNotEquals(0L, stream, "the backend runs on its own stream, not the legacy default one");
        // Copy elements [0, 2) over [3, 5) by address alone, as a native library would.
        device.backend().synchronize();
        assertEquals(0, jcuda.driver.JCudaDriver.cuMemcpyDtoD(
                new jcuda.driver.CUdeviceptr().withByteOffset(view.dataPtr() + Float.BYTES),
                new jcuda.driver.CUdeviceptr().withByteOffset(t.dataPtr()), 2L * Float.BYTES));
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 6}, t.toFloatArray());
    }
}
