package dev.nabla.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A kernel the driver limits below Nabla's work-group size is named before anything is launched. */
class WorkGroupCheckTest {

    @Test
    void kernelsBelowTheLaunchSizeAreNamedWithTheirLimits() {
        Map<String, Long> limits = new TreeMap<>(Map.of("add", 1024L, "gemm_nn", 128L, "softmax_rows", 192L));
        assertEquals("opencl: Test GPU cannot run kernels gemm_nn (128), softmax_rows (192) with 256 work-items"
                        + " per group, as Nabla launches them (CL_KERNEL_WORK_GROUP_SIZE in parentheses)",
                OpenClKernels.workGroupProblem(limits, 256, "Test GPU"));
        assertEquals("opencl: Test GPU cannot run kernel gemm_nn (128) with 256 work-items per group, as Nabla"
                        + " launches them (CL_KERNEL_WORK_GROUP_SIZE in parentheses)",
                OpenClKernels.workGroupProblem(Map.of("gemm_nn", 128L), 256, "Test GPU"));
    }

    @Test
    void limitsAtOrAboveTheLaunchSizeAreFine() {
        assertNull(OpenClKernels.workGroupProblem(Map.of("add", 256L, "gemm_nn", 4096L), 256, "Test GPU"));
    }
}
