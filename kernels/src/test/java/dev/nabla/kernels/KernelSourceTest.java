package dev.nabla.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.Activation;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KernelSourceTest {

    @Test
    void namesAreUniqueAndFollowTheRule() {
        List<String> names = KernelNames.all();
        assertEquals(names.size(), new HashSet<>(names).size(), "duplicate kernel names");
        for (String name : names) {
            assertTrue(name.matches("[a-z0-9_]+_(f32|i32|bf16|f16)"), name);
        }
        assertEquals("cast_f16_bf16", KernelNames.cast(dev.nabla.DType.F16, dev.nabla.DType.BF16));
        assertEquals("copy_into_bf16", KernelNames.copyInto(dev.nabla.DType.BF16));
        assertTrue(names.containsAll(List.of("cast_bf16_i32", "cast_i32_f16", "fill_f16", "copy_f16")), "16-bit kernels");
        assertEquals("unary_exp_f32", KernelNames.unary(UnaryOp.EXP));
        assertEquals("binary_relu_grad_f32", KernelNames.binary(BinaryOp.RELU_GRAD));
        assertEquals("gemm_tn_f32", KernelNames.gemm(true, false));
    }

    /**
     * A quick textual check; the real one compiles the source and lists its entry points
     * (CudaCompileTest for CUDA, OpenClProviderTest for OpenCL).
     */
    @Test
    void everyKernelIsNamedInTheSourceOfBothDialects() {
        for (Dialect dialect : Dialect.values()) {
            String source = KernelSource.assemble(dialect);
            for (String name : KernelNames.all()) {
                assertTrue(Pattern.compile("\\b" + name + "\\b").matcher(source).find(),
                        dialect + " source never names kernel " + name);
            }
        }
    }

    @Test
    void opCodesComeFromTheEnums() {
        String header = KernelSource.generatedHeader();
        assertTrue(header.contains("#define UNARY_ADD_SCALAR " + UnaryOp.ADD_SCALAR.ordinal() + "\n"));
        assertTrue(header.contains("#define ACTIVATION_RELU " + Activation.RELU.ordinal() + "\n"));
        assertTrue(header.contains("#define NABLA_BLOCK " + KernelSource.BLOCK_SIZE + "\n"));
    }

    @Test
    void theDialectsDifferOnlyInThePrelude() {
        String opencl = KernelSource.assemble(Dialect.OPENCL);
        String cuda = KernelSource.assemble(Dialect.CUDA);
        String marker = "/* ---- generated from Java constants";
        assertEquals(opencl.substring(opencl.indexOf(marker)), cuda.substring(cuda.indexOf(marker)));
        assertTrue(opencl.contains("#define KERNEL __kernel"));
        assertTrue(cuda.contains("#define KERNEL extern \"C\" __global__"));
    }
}
