package dev.nabla;

import dev.nabla.amp.Autocast;
import dev.nabla.autograd.Node;
import dev.nabla.autograd.Tape;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Layout;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import java.util.Arrays;
import java.util.Optional;

/**
 * An n-dimensional array on a {@link Device}, with reverse-mode autodiff: Nabla's {@code torch.Tensor}.
 *
 * <p>A tensor is a {@link Layout} (shape, strides, offset) over reference-counted device storage,
 * plus a dtype, a device, and for autograd {@code requiresGrad}, {@code grad} and the
 * {@link Node} that produced it. Operations run eagerly; on GPUs they are queued and only
 * {@link #item()}, {@link #toFloatArray()} and friends wait. Views ({@link #reshape},
 * {@link #transpose}, {@link #slice}) share storage.
 *
 * <p>Every operation validates shapes, dtypes and devices before dispatch ({@code Checks}) and
 * throws an exception naming the op, the shapes and the devices; then computes ({@code Kernels},
 * {@code GemmDispatch}) and hands the result to {@link Tape}, which records the node when grad
 * mode is on. Tensors are {@link AutoCloseable}; see {@link Scope} for releasing them in bulk.
 */
public final class Tensor implements AutoCloseable {

    // The engine in dev.nabla.autograd sets a result's grad_fn and asks whether a gradient may be
    // adopted without a copy; this grant lets it do so without widening Tensor's public API.
    static {
        Tape.grant(new Tape.TensorAccess() {
            @Override
            public void attach(Tensor out, Node node) {
                out.requiresGrad = true;
                out.gradFn = node;
            }

            @Override
            public boolean ownsItsStorage(Tensor t) {
                return t.isDense() && t.handle.soleReference() && t.handle.storage().numel() == t.numel();
            }

            @Override
            public void requireOpen(String op, Tensor t) {
                Checks.open(op, t);
            }

            @Override
            public Tensor roundedProductInF32(Tensor a, Tensor b) {
                return GemmDispatch.roundedProductInF32(a, b);
            }
        });
    }

    private final Device device;
    private final DType dtype;
    private final Layout layout;
    private final StorageHandle handle;
    private final StorageHandle.Lease lease;
    private boolean closed;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    private Scope scope;

    private Tensor(Device device, DType dtype, Layout layout, StorageHandle handle) {
        this.device = device;
        this.dtype = dtype;
        this.layout = layout;
        this.handle = handle;
        this.lease = handle.lease(this);
        this.scope = Scope.current();
        if (scope != null) {
            scope.register(this);
        }
    }

    // ---- Creation ------------------------------------------------------------------------------

    /**
     * A new contiguous tensor whose contents are unspecified, as {@code torch.empty}: for outputs
     * that an operation overwrites completely.
     */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        Shapes.numel("empty", shape);
        Checks.allocatable(shape);
        Backend backend = device.backend();
        Storage storage = backend.allocate(dtype, Math.max(1, Layout.numel(shape)));
        return new Tensor(device, dtype, Layout.contiguous(shape), new StorageHandle(backend, storage));
    }

    /**
     * An F32 tensor holding {@code data} in row-major order, on the default device. Without a
     * shape it is 1-D; {@code Tensor.of(new float[]{1, 2, 3, 4}, 2, 2)} is a 2×2 matrix.
     */
    public static Tensor of(float[] data, int... shape) {
        return of(Device.getDefault(), data, shape);
    }

    /** An F32 tensor holding {@code data} on {@code device}. */
    public static Tensor of(Device device, float[] data, int... shape) {
        int[] resolved = shape.length == 0 ? new int[] {data.length} : shape;
        Checks.fill("Tensor.of", data.length, resolved);
        Tensor t = empty(device, DType.F32, resolved);
        device.backend().copyIn(data, t.handle.storage());
        return t;
    }

    /** An I32 tensor (labels, indices) holding {@code data}, on the default device. */
    public static Tensor of(int[] data, int... shape) {
        return of(Device.getDefault(), data, shape);
    }

    /** An I32 tensor holding {@code data} on {@code device}. */
    public static Tensor of(Device device, int[] data, int... shape) {
        int[] resolved = shape.length == 0 ? new int[] {data.length} : shape;
        Checks.fill("Tensor.of", data.length, resolved);
        Tensor t = empty(device, DType.I32, resolved);
        device.backend().copyIn(data, t.handle.storage());
        return t;
    }

    /**
     * A tensor of 16-bit {@code dtype} (BF16 or F16) holding these raw bit patterns, unchanged (as
     * {@code torch.tensor(bits, dtype=torch.int16).view(torch.bfloat16)}), on {@code device}.
     */
    public static Tensor ofBits(Device device, DType dtype, short[] bits, int... shape) {
        Checks.halfDtype("Tensor.ofBits", dtype);
        int[] resolved = shape.length == 0 ? new int[] {bits.length} : shape;
        Checks.fill("Tensor.ofBits", bits.length, resolved);
        Tensor t = empty(device, dtype, resolved);
        device.backend().copyIn(bits, t.handle.storage());
        return t;
    }

    /** {@code data} rounded to {@code dtype} (to nearest even for BF16 and F16), on the default device. */
    public static Tensor of(DType dtype, float[] data, int... shape) {
        return of(Device.getDefault(), dtype, data, shape);
    }

    /** {@code data} converted to {@code dtype} on {@code device}, as {@code torch.tensor(data, dtype=...)}. */
    public static Tensor of(Device device, DType dtype, float[] data, int... shape) {
        Tensor values = of(device, data, shape);
        if (dtype == DType.F32) {
            return values;
        }
        Tensor converted = values.toType(dtype);
        values.close();
        return converted;
    }

    /** A rank-0 F32 tensor. */
    public static Tensor scalar(float value) {
        return full(Device.getDefault(), value);
    }

    /** A rank-0 F32 tensor on {@code device}. */
    public static Tensor scalar(Device device, float value) {
        return full(device, value);
    }

    public static Tensor zeros(int... shape) {
        return full(Device.getDefault(), 0f, shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        Shapes.numel("zeros", shape);
        return full(device, 0f, shape);
    }

    public static Tensor ones(int... shape) {
        return full(Device.getDefault(), 1f, shape);
    }

    public static Tensor ones(Device device, int... shape) {
        Shapes.numel("ones", shape);
        return full(device, 1f, shape);
    }

    /** Zeros of {@code dtype}, as {@code torch.zeros(shape, dtype=...)}, on the default device. */
    public static Tensor zeros(DType dtype, int... shape) {
        return full(Device.getDefault(), dtype, 0f, shape);
    }

    public static Tensor zeros(Device device, DType dtype, int... shape) {
        return full(device, dtype, 0f, shape);
    }

    /** Ones of {@code dtype} on the default device. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(Device.getDefault(), dtype, 1f, shape);
    }

    public static Tensor ones(Device device, DType dtype, int... shape) {
        return full(device, dtype, 1f, shape);
    }

    /** Every element {@code value} converted to {@code dtype} (rounded to nearest even for BF16 and F16). */
    public static Tensor full(Device device, DType dtype, float value, int... shape) {
        Shapes.numel("full", shape);
        return filled(device, dtype, value, shape);
    }

    /** An F32 tensor of the given shape with every element {@code value}. */
    public static Tensor full(float value, int... shape) {
        return full(Device.getDefault(), value, shape);
    }

    public static Tensor full(Device device, float value, int... shape) {
        Shapes.numel("full", shape);
        return filled(device, DType.F32, value, shape);
    }

    private static Tensor filled(Device device, DType dtype, float value, int... shape) {
        Tensor t = empty(device, dtype, shape);
        device.backend().fill(t.handle.storage(), value, t.numel());
        return t;
    }

    /** Zeros with this tensor's shape, dtype and device. */
    public Tensor zerosLike() {
        return filled(device, dtype, 0f, layout.shape());
    }

    /** Ones with this tensor's shape and device, of its dtype if floating (BF16, F16, F32), else F32. */
    public Tensor onesLike() {
        return filled(device, dtype.isFloatingPoint() ? dtype : DType.F32, 1f, layout.shape());
    }

    /**
     * Uniform numbers in [0, 1) of {@code shape} on the default device, as {@code torch.rand(2, 3)}:
     * Philox keyed by the next seed of {@link Generator} ({@code Generator.manualSeed} repeats a
     * sequence). For an explicit seed: {@link #rand(Device, long, long, int...)}.
     */
    public static Tensor rand(int... shape) {
        return rand(Device.getDefault(), Generator.nextSeed(), 0, shape);
    }

    /**
     * Uniform numbers in [0, 1) from Philox stream {@code (seed, offset)} on {@code device}: the
     * same seed and offset give the same numbers on every backend.
     */
    public static Tensor rand(Device device, long seed, long offset, int... shape) {
        Shapes.numel("rand", shape);
        Tensor t = empty(device, DType.F32, shape);
        device.backend().randomUniform(seed, offset, t.handle.storage(), t.numel());
        return t;
    }

    /**
     * Standard normal numbers of {@code shape} on the default device, as {@code torch.randn(2, 3)}
     * (Philox and Box–Muller, keyed by the next seed of {@link Generator}).
     */
    public static Tensor randn(int... shape) {
        return randn(Device.getDefault(), Generator.nextSeed(), 0, shape);
    }

    /** Standard normal numbers from Philox stream {@code (seed, offset)} on {@code device}. */
    public static Tensor randn(Device device, long seed, long offset, int... shape) {
        Shapes.numel("randn", shape);
        Tensor t = empty(device, DType.F32, shape);
        device.backend().randomNormal(seed, offset, t.handle.storage(), t.numel());
        return t;
    }

    // ---- Metadata and host access --------------------------------------------------------------

    /** The size of each axis; a copy. */
    public int[] shape() {
        return layout.shape();
    }

    /** Size of axis {@code axis}; negative axes count from the end. */
    public int size(int axis) {
        return layout.dim(Checks.axis("size", this, axis));
    }

    /** Number of axes. */
    public int rank() {
        return layout.rank();
    }

    /** Number of elements. */
    public long numel() {
        return layout.numel();
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    /** How this tensor reads its storage; for backends and tests. */
    public Layout layout() {
        return layout;
    }

    /**
     * The device address of this tensor's first element, for native libraries that take pointers
     * (NCCL), as PyTorch's {@code data_ptr()}. Valid while the tensor is open and only for the
     * elements its layout reaches (a view's strides still apply). Queued work on the device may
     * still be writing there: hand the address to work on {@code device().backend().nativeStream()}.
     *
     * @throws UnsupportedOperationException on a device whose memory has no address (the CPU and
     *         reference backends keep Java arrays; OpenCL buffers are handles)
     */
    public long dataPtr() {
        checkOpen("dataPtr");
        var base = device.backend().nativeAddress(handle.storage());
        if (base.isEmpty()) {
            throw new UnsupportedOperationException("dataPtr: the " + dtype + " tensor of shape "
                    + java.util.Arrays.toString(shape()) + " on " + device + " has no native address ("
                    + device.backend().getClass().getSimpleName() + " keeps its memory behind Java objects or "
                    + "handles); only CUDA tensors have one");
        }
        return base.getAsLong() + (long) layout.offset() * dtype.byteSize();
    }

    /** The device storage, for the helpers of this package that dispatch to the backend. */
    Storage storage() {
        checkOpen("storage");
        return handle.storage();
    }

    /** The single value of a one-element tensor, as a float; waits for queued GPU work. */
    public float item() {
        checkOpen("item");
        if (numel() != 1) {
            throw new IllegalStateException("item: tensor of shape " + Arrays.toString(shape())
                    + " has " + numel() + " elements; item() needs exactly one");
        }
        return toFloatArray()[0];
    }

    /** The elements in row-major order, converted to float for I32 and widened (exactly) for BF16 and F16; waits for queued GPU work. */
    public float[] toFloatArray() {
        checkOpen("toFloatArray");
        if (dtype.isHalf()) {
            short[] bits = toBits();
            float[] floats = new float[bits.length];
            for (int i = 0; i < bits.length; i++) {
                floats[i] = HalfPrecision.toFloat(dtype, bits[i]);
            }
            return floats;
        }
        if (dtype == DType.I32) {
            int[] ints = toIntArray();
            float[] floats = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                floats[i] = ints[i];
            }
            return floats;
        }
        return Kernels.floats(this);
    }

    /** The elements of an I32 tensor in row-major order; waits for queued GPU work. */
    public int[] toIntArray() {
        checkOpen("toIntArray");
        if (dtype != DType.I32) {
            throw new IllegalStateException("toIntArray: tensor of shape " + Arrays.toString(shape()) + " is "
                    + dtype + "; convert it first with toType(DType.I32)");
        }
        return Kernels.ints(this);
    }

    /**
     * The raw 16-bit patterns of a BF16 or F16 tensor in row-major order (as
     * {@code t.view(torch.int16)}); waits for queued GPU work.
     */
    public short[] toBits() {
        checkOpen("toBits");
        Checks.halfDtype("toBits", this);
        return Kernels.bits(this);
    }

    /** A copy on {@code target}; this tensor itself when it is already there. Differentiable. */
    public Tensor to(Device target) {
        checkOpen("to");
        if (target == device) {
            return this;
        }
        Tensor out;
        if (dtype == DType.F32) {
            out = of(target, toFloatArray(), shape());
        } else if (dtype.isHalf()) {
            out = ofBits(target, dtype, toBits(), shape());
        } else {
            out = of(target, toIntArray(), shape());
        }
        return Tape.record(out, new Node.ToDevice(this), this);
    }

    /**
     * This tensor converted to {@code target} dtype, a new tensor (this one when it already has
     * that dtype), as {@code tensor.to(torch.bfloat16)}: F32 to BF16 or F16 rounds to nearest even,
     * bit for bit as PyTorch ({@link HalfPrecision}); 16-bit to F32 is exact; float to int truncates
     * toward zero. Differentiable between floating types: the gradient is cast back to this
     * tensor's dtype.
     */
    public Tensor to(DType target) {
        checkOpen("to");
        if (target == dtype) {
            return this;
        }
        Tensor out = Kernels.cast(this, target);
        if (!target.isFloatingPoint() || !dtype.isFloatingPoint()) {
            return out;
        }
        return Tape.record(out, new Node.Cast(this), this);
    }

    /** This tensor converted to {@code target} dtype, as {@link #to(DType)} but outside the graph. */
    public Tensor toType(DType target) {
        checkOpen("toType");
        return target == dtype ? this : Kernels.cast(this, target);
    }

    // ---- Autograd ------------------------------------------------------------------------------

    /** Marks this leaf tensor as one whose gradient {@link #backward()} computes; returns this. */
    public Tensor requiresGrad() {
        return requiresGrad(true);
    }

    /** Sets whether this leaf tensor's gradient is computed; returns this. */
    public Tensor requiresGrad(boolean value) {
        Checks.requiresGrad(this, value);
        this.requiresGrad = value;
        return this;
    }

    /** True when gradients flow to or through this tensor. */
    public boolean isRequiresGrad() {
        return requiresGrad;
    }

    /** The accumulated gradient of a leaf after {@link #backward()}; empty before. */
    public Optional<Tensor> grad() {
        return Optional.ofNullable(grad);
    }

    /** The op that produced this tensor, empty for leaves and tensors made without grad. */
    public Optional<Node> gradFn() {
        return Optional.ofNullable(gradFn);
    }

    /** Clears (and frees) the accumulated gradient, as PyTorch's {@code zero_grad(set_to_none=True)}. */
    public void zeroGrad() {
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Replaces the gradient (for optimizers' gradient clipping and tests); the tensor is kept. */
    public void setGrad(Tensor newGrad) {
        if (newGrad != null) {
            Checks.gradientShape("setGrad", this, newGrad);
            Checks.sameDevice("setGrad", this, newGrad);
            newGrad.keep();
        }
        if (grad != null && grad != newGrad) {
            grad.close();
        }
        grad = newGrad;
    }

    /** A tensor sharing this one's storage but outside the autograd graph. */
    public Tensor detach() {
        checkOpen("detach");
        return new Tensor(device, dtype, layout, handle);
    }

    /** Backpropagates from this one-element tensor (a loss): fills {@code grad()} of every leaf that requires it. */
    public void backward() {
        Checks.scalarLoss(this);
        backward(onesLike());
    }

    /**
     * Backpropagates {@code seed} (the gradient of some scalar with respect to this tensor, same
     * shape) through the graph. Gradients of leaves accumulate across calls until zeroed.
     */
    public void backward(Tensor seed) {
        backward(seed, false);
    }

    /**
     * As {@link #backward(Tensor)}; with {@code createGraph} (PyTorch's {@code create_graph=True})
     * the backward pass is itself recorded, so each leaf's {@link #grad()} is differentiable and
     * second derivatives follow from a second backward. Without it nothing is recorded.
     */
    public void backward(Tensor seed, boolean createGraph) {
        Checks.backwardSeed("backward", this, seed);
        Tape.backward(this, seed.dtype() == dtype ? seed : seed.toType(dtype), createGraph);
    }

    /**
     * The gradients of this tensor, seeded with {@code seed} (same shape; ones for a scalar loss),
     * with respect to each of {@code inputs}, as {@code torch.autograd.grad}: returned, not
     * accumulated, and no tensor's {@link #grad()} changes. An input the output does not depend
     * on gets zeros.
     */
    public Tensor[] gradientsFor(Tensor seed, Tensor... inputs) {
        return gradientsFor(seed, false, inputs);
    }

    /**
     * As {@link #gradientsFor(Tensor, Tensor...)}; with {@code createGraph} the returned gradients
     * carry a graph (as {@code torch.autograd.grad(..., create_graph=True)}), so they can be
     * differentiated again: Hessians, Hessian-vector products, gradient penalties.
     */
    public Tensor[] gradientsFor(Tensor seed, boolean createGraph, Tensor... inputs) {
        Checks.gradientInputs(inputs);
        Checks.backwardSeed("gradientsFor", this, seed);
        return Tape.gradients(this, seed.dtype() == dtype ? seed : seed.toType(dtype), createGraph, inputs);
    }

    // ---- Lifecycle -----------------------------------------------------------------------------

    /**
     * Excludes this tensor from every {@link Scope} so it outlives them (parameters, optimizer
     * state, results a loop returns); returns this. Close it yourself when done.
     */
    public Tensor keep() {
        if (scope != null) {
            scope.release(this);
            scope = null;
        }
        return this;
    }

    /** Frees this tensor's reference to its storage; using it afterwards throws. Idempotent. */
    @Override
    public void close() {
        if (scope != null) {
            scope.release(this);
            scope = null;
        }
        closeFromScope();
    }

    void closeFromScope() {
        if (!closed) {
            closed = true;
            scope = null;
            lease.close();
        }
    }

    /** True once {@link #close()} ran (directly or through a scope). */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen(String op) {
        Checks.open(op, this);
    }

    // ---- Elementwise ---------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        return binary(BinaryOp.ADD, "add", other);
    }

    public Tensor sub(Tensor other) {
        return binary(BinaryOp.SUB, "sub", other);
    }

    public Tensor mul(Tensor other) {
        return binary(BinaryOp.MUL, "mul", other);
    }

    public Tensor div(Tensor other) {
        return binary(BinaryOp.DIV, "div", other);
    }

    /** Elementwise maximum; where equal, both inputs get half the gradient (as torch.maximum). */
    public Tensor maximum(Tensor other) {
        return binary(BinaryOp.MAXIMUM, "maximum", other);
    }

    public Tensor minimum(Tensor other) {
        return binary(BinaryOp.MINIMUM, "minimum", other);
    }

    public Tensor add(float value) {
        return unary(UnaryOp.ADD_SCALAR, value, "add");
    }

    public Tensor sub(float value) {
        return unary(UnaryOp.ADD_SCALAR, -value, "sub");
    }

    public Tensor mul(float value) {
        return unary(UnaryOp.MUL_SCALAR, value, "mul");
    }

    public Tensor div(float value) {
        return unary(UnaryOp.MUL_SCALAR, 1f / value, "div");
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG, 0f, "neg");
    }

    /** {@code this ^ exponent}, elementwise. */
    public Tensor pow(float exponent) {
        return unary(UnaryOp.POW, exponent, "pow");
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP, 0f, "exp");
    }

    public Tensor log() {
        return unary(UnaryOp.LOG, 0f, "log");
    }

    /** {@code log(1 + x)}, accurate for small x. */
    public Tensor log1p() {
        return unary(UnaryOp.LOG1P, 0f, "log1p");
    }

    /** {@code exp(x) − 1}, accurate for small x. */
    public Tensor expm1() {
        return unary(UnaryOp.EXPM1, 0f, "expm1");
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT, 0f, "sqrt");
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE, 0f, "square");
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL, 0f, "reciprocal");
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS, 0f, "abs");
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH, 0f, "tanh");
    }

    /** The logistic function, computed in a form that cannot overflow. */
    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID, 0f, "sigmoid");
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU, 0f, "relu");
    }

    /** GELU with the exact erf form, PyTorch's default. */
    public Tensor gelu() {
        return unary(UnaryOp.GELU, 0f, "gelu");
    }

    /** 1.0 where equal, else 0.0 (F32 mask; I32 inputs are compared as numbers). Not differentiable. */
    public Tensor eq(Tensor other) {
        return compare(BinaryOp.EQ, "eq", other);
    }

    public Tensor ne(Tensor other) {
        return compare(BinaryOp.NE, "ne", other);
    }

    public Tensor lt(Tensor other) {
        return compare(BinaryOp.LT, "lt", other);
    }

    public Tensor le(Tensor other) {
        return compare(BinaryOp.LE, "le", other);
    }

    public Tensor gt(Tensor other) {
        return compare(BinaryOp.GT, "gt", other);
    }

    public Tensor ge(Tensor other) {
        return compare(BinaryOp.GE, "ge", other);
    }

    public Tensor eq(float value) {
        return compare(BinaryOp.EQ, "eq", scalar(device, value));
    }

    public Tensor gt(float value) {
        return compare(BinaryOp.GT, "gt", scalar(device, value));
    }

    public Tensor lt(float value) {
        return compare(BinaryOp.LT, "lt", scalar(device, value));
    }

    /**
     * {@code condition != 0 ? a : b}, elementwise with broadcasting, as {@code torch.where}.
     * Differentiable in {@code a} and {@code b}.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        int[] shape = Checks.where(condition, a, b);
        if (Precision.anyHalf(a, b)) {
            return Precision.widened(DType.promote(a.dtype, b.dtype), wide -> where(condition, wide[0], wide[1]), a, b);
        }
        Tensor cond = condition.dtype == DType.F32 ? condition : condition.toType(DType.F32);
        return Tape.record(Kernels.where(cond, a, b, shape), new Node.Where(cond, a, b), a, b);
    }

    private Tensor unary(UnaryOp op, float param, String name) {
        checkOpen(name);
        Checks.floating(name, this);
        if (dtype.isHalf()) {
            return Precision.widenedElementwise(Precision.unaryResult(op, dtype), wide -> wide[0].unary(op, param, name),
                    this);
        }
        Tensor out = Kernels.unary(op, param, this);
        return Tape.record(out, new Node.Unary(op, param, this, out), this);
    }

    private Tensor binary(BinaryOp op, String name, Tensor other) {
        Checks.binary(name, this, other);
        if (Precision.anyHalf(this, other)) {
            return Precision.widenedElementwise(DType.promote(dtype, other.dtype),
                    wide -> wide[0].binary(op, name, wide[1]), this, other);
        }
        Tensor out = Kernels.binary(op, this, other, Checks.broadcastShape(name, shape(), other.shape()));
        return Tape.record(out, new Node.Binary(op, this, other, out), this, other);
    }

    private Tensor compare(BinaryOp op, String name, Tensor other) {
        checkOpen(name);
        other.checkOpen(name);
        Checks.sameDevice(name, this, other);
        Tensor a = dtype == DType.F32 ? this : toType(DType.F32);
        Tensor b = other.dtype == DType.F32 ? other : other.toType(DType.F32);
        return Kernels.binary(op, a, b, Checks.broadcastShape(name, a.shape(), b.shape()));
    }

    /**
     * Applies an element-wise op by its enum constant, recorded for autograd exactly like the named
     * methods: {@code x.unaryOp(UnaryOp.EXP, 0f)} is {@code x.exp()}, {@code x.unaryOp(UnaryOp.POW,
     * 3f)} is {@code x.pow(3f)}. For code that chooses the op at run time (a layer's activation, a
     * test over every op); {@code param} is ignored by ops without one.
     */
    public Tensor unaryOp(UnaryOp op, float param) {
        return unary(op, param, op.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Applies a binary op by its enum constant, recorded like the named methods when grad mode is on:
     * for backward rules (which record only in a differentiable backward) and fused activation
     * gradients ({@code RELU_GRAD}, {@code GELU_GRAD}).
     */
    public Tensor binaryOp(BinaryOp op, Tensor other) {
        return binary(op, op.name().toLowerCase(java.util.Locale.ROOT), other);
    }

    // ---- Reductions ----------------------------------------------------------------------------

    /** Sum of all elements, a scalar. */
    public Tensor sum() {
        return sum(Shapes.allAxes(rank()), false);
    }

    /** Sum over {@code axes} (negative axes count from the end); those axes disappear. */
    public Tensor sum(int... axes) {
        return sum(axes, false);
    }

    /** Sum over {@code axes}; with {@code keepDims} they stay with size 1. */
    public Tensor sum(int[] axes, boolean keepDims) {
        checkOpen("sum");
        Checks.floating("sum", this);
        int[] normalized = Checks.axes("sum", this, axes);
        if (dtype.isHalf()) {
            return Precision.widened(Precision.fullPrecisionList(dtype), wide -> wide[0].sum(normalized, keepDims), this);
        }
        Tensor out = Kernels.reduce(ReduceOp.SUM, this, normalized, keepDims);
        return Tape.record(out, new Node.Sum(this, normalized, keepDims), this);
    }

    /** Mean of all elements, a scalar. */
    public Tensor mean() {
        return mean(Shapes.allAxes(rank()), false);
    }

    public Tensor mean(int... axes) {
        return mean(axes, false);
    }

    public Tensor mean(int[] axes, boolean keepDims) {
        checkOpen("mean");
        Checks.floating("mean", this);
        int[] normalized = Checks.axes("mean", this, axes);
        if (dtype.isHalf()) {
            // One rounding to 16 bits, after the division, as PyTorch's mean of a BF16 tensor.
            return Precision.widened(Precision.fullPrecisionList(dtype), wide -> wide[0].mean(normalized, keepDims), this);
        }
        long count = 1;
        for (int axis : normalized) {
            count *= layout.dim(axis);
        }
        Tensor sum = sum(normalized, keepDims);
        return sum.mul(1f / count);
    }

    /** Largest element, a scalar. Where several elements tie, they share the gradient. */
    public Tensor max() {
        return extremum(ReduceOp.MAX, "max", Shapes.allAxes(rank()), false);
    }

    /** Largest element along {@code axis}. */
    public Tensor max(int axis, boolean keepDims) {
        return extremum(ReduceOp.MAX, "max", new int[] {axis}, keepDims);
    }

    public Tensor min() {
        return extremum(ReduceOp.MIN, "min", Shapes.allAxes(rank()), false);
    }

    public Tensor min(int axis, boolean keepDims) {
        return extremum(ReduceOp.MIN, "min", new int[] {axis}, keepDims);
    }

    private Tensor extremum(ReduceOp op, String name, int[] axes, boolean keepDims) {
        int[] normalized = Checks.extremumAxes(name, this, axes);
        if (dtype.isHalf()) {
            return Precision.widened(dtype, wide -> wide[0].extremum(op, name, normalized, keepDims), this);
        }
        Tensor out = Kernels.reduce(op, this, normalized, keepDims);
        return Tape.record(out, new Node.Extremum(this, out, normalized, keepDims), this);
    }

    /** Index of the largest element along {@code axis} (the first, on ties), I32. */
    public Tensor argmax(int axis) {
        return argmax(axis, false);
    }

    public Tensor argmax(int axis, boolean keepDims) {
        int a = Checks.argmaxAxis(this, axis);
        if (dtype.isHalf()) {
            try (Tensor wide = toType(DType.F32)) {
                return Kernels.argmax(wide, a, keepDims);
            }
        }
        return Kernels.argmax(this, a, keepDims);
    }

    // ---- Softmax family and indexing -----------------------------------------------------------

    /** Softmax along {@code axis}, max-shifted so it never overflows. */
    public Tensor softmax(int axis) {
        return softmaxImpl(axis, false, "softmax");
    }

    /** Log-softmax along {@code axis} in the log-sum-exp form. */
    public Tensor logSoftmax(int axis) {
        return softmaxImpl(axis, true, "logSoftmax");
    }

    private Tensor softmaxImpl(int axis, boolean log, String name) {
        checkOpen(name);
        Checks.floating(name, this);
        int a = Checks.axis(name, this, axis);
        if (dtype.isHalf()) {
            return Precision.widened(Precision.fullPrecisionList(dtype), wide -> wide[0].softmaxImpl(a, log, name), this);
        }
        Tensor out = Kernels.softmax(this, a, log);
        return Tape.record(out, new Node.Softmax(this, a, log, out), this);
    }

    /**
     * For a 2-D tensor and an I32 index of shape {@code [rows]} or {@code [rows, 1]}, picks
     * {@code this[i, index[i]]} (as {@code torch.gather(x, 1, index)}); the result has the index's shape.
     */
    public Tensor gather(int axis, Tensor index) {
        Checks.gather(this, axis, index);
        if (dtype.isHalf()) {
            return Precision.widened(dtype, wide -> wide[0].gather(axis, index), this);
        }
        return Tape.record(Kernels.gather(this, index), new Node.Gather(this, index), this);
    }

    /**
     * One-hot rows for I32 class indices of shape {@code [n]}: an F32 {@code [n, classes]} tensor
     * (PyTorch's {@code one_hot} returns int64; Nabla returns F32, ready for arithmetic).
     */
    public static Tensor oneHot(Tensor indices, int classes) {
        indices.checkOpen("oneHot");
        if (classes <= 0) {
            throw new IllegalArgumentException("oneHot: number of classes must be positive, got " + classes);
        }
        int rows = (int) indices.numel();
        Checks.indices("oneHot", indices, rows, classes);
        return Kernels.oneHot(indices, rows, classes);
    }

    /**
     * Mean softmax cross-entropy of these logits {@code [rows, classes]} against I32 class labels
     * {@code [rows]}, as {@code torch.nn.functional.cross_entropy}: one fused, max-shifted kernel
     * forward and backward, finite for logits of any magnitude.
     */
    public Tensor crossEntropy(Tensor labels) {
        Checks.crossEntropy("crossEntropy", this, labels);
        if (dtype.isHalf()) {
            return Precision.widened(Precision.fullPrecisionList(dtype), wide -> wide[0].crossEntropy(labels), this);
        }
        Kernels.CrossEntropy forward = Kernels.crossEntropy(this, labels);
        return Tape.record(forward.mean(), new Node.CrossEntropy(this, forward.labels(), forward.rowStats()), this);
    }

    /**
     * The gradient of {@link #crossEntropy} with respect to these logits {@code [rows, classes]}:
     * {@code (softmax − onehot(labels)) · rowGrad[i]} per row, one fused kernel. {@code rowStats}
     * {@code [rows, 2]} are the per-row max and log-sum-exp the forward saved; {@code rowGrad}
     * {@code [rows]} is the gradient of each row's loss. Autograd's backward rule; not recorded.
     */
    public Tensor crossEntropyBackward(Tensor labels, Tensor rowStats, Tensor rowGrad) {
        Checks.crossEntropyBackward(this, labels, rowStats, rowGrad);
        return Kernels.crossEntropyBackward(this, labels, rowStats, rowGrad);
    }

    /**
     * Updates this parameter in place with one fused optimizer step, given its dense gradient
     * and the step's state tensors ({@code null} where the rule has fewer), all of this shape.
     * For {@link dev.nabla.optim.Optimizer}s; not recorded.
     */
    public void optimizerStep(OptimizerStep step, Tensor grad, Tensor state1, Tensor state2) {
        for (Tensor t : new Tensor[] {this, grad, state1, state2}) {
            if (t != null) {
                Checks.open("optimizerStep", t);
                Checks.sameDevice("optimizerStep", this, t);
                Checks.gradientShape("optimizerStep", this, t);
                Checks.optimizerF32(step, this, t);
            }
        }
        Kernels.optimizerStep(step, this, grad, state1, state2);
    }

    // ---- Matrix multiply -----------------------------------------------------------------------

    /**
     * Matrix product: {@code [m, k] @ [k, n] -> [m, n]}; a 1-D operand is a vector
     * ({@code [m, k] @ [k] -> [m]}, {@code [k] @ [k, n] -> [n]}). Transposed views are passed to
     * the backend as transposed operands, without copies. Operands of rank ≥ 3 are batches of
     * matrices whose batch axes broadcast, as {@code torch.matmul}: {@code [b, m, k] @ [b, k, n]
     * -> [b, m, n]}, {@code [b, m, k] @ [k, n] -> [b, m, n]}.
     */
    public Tensor matmul(Tensor other) {
        String op = "matmul";
        Tensor[] autocast = Autocast.lowerPrecisionOperands(this, other);
        if (autocast[0] != this || autocast[1] != other) {
            return autocast[0].matmul(autocast[1]);
        }
        Checks.matmulOperands(op, this, other);
        if (rank() > 2 || other.rank() > 2) {
            return ShapeOps.batchedMatmul(this, other);
        }
        if (rank() == 1 || other.rank() == 1) {
            Tensor left = rank() == 1 ? reshape(1, size(0)) : this;
            Tensor right = other.rank() == 1 ? other.reshape(other.size(0), 1) : other;
            Checks.innerDimensions(op, this, other, left.size(1), right.size(0));
            Tensor product = left.matmul(right);
            if (rank() == 1 && other.rank() == 1) {
                return product.reshape();
            }
            return product.reshape(rank() == 1 ? new int[] {right.size(1)} : new int[] {left.size(0)});
        }
        Checks.innerDimensions(op, this, other, size(1), other.size(0));
        return Tape.record(GemmDispatch.matmul(this, other), new Node.Matmul(this, other), this, other);
    }

    /**
     * {@code x · weightᵀ + bias}, as {@code torch.nn.functional.linear}: x {@code [n, in]}, weight
     * {@code [out, in]}, bias {@code [out]}. One GEMM with the bias added in its epilogue.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return linear(x, weight, bias, Activation.NONE);
    }

    /**
     * {@code activation(x · weightᵀ + bias)} in one GEMM, the activation applied in its epilogue:
     * {@code relu(linear(x, w, b))} without a second pass over the output (what {@code Sequential}
     * does for a {@code Linear} followed by a {@code ReLU}). {@code NONE} or {@code RELU}; the
     * result and its gradients are the same, to the bit, as the two ops apart.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        Tensor[] autocast = Autocast.lowerPrecisionOperands(x, weight, bias);
        if (autocast[0] != x || autocast[1] != weight || autocast[2] != bias) {
            return linear(autocast[0], autocast[1], autocast[2], activation);
        }
        Checks.linear(activation == Activation.RELU ? "linear+relu" : "linear", x, weight, bias, activation);
        Tensor out = GemmDispatch.linear(x, weight, bias, activation);
        return Tape.record(out, new Node.Linear(x, weight, bias, activation == Activation.RELU ? out : null), x, weight,
                bias);
    }

    // ---- Views and copies ----------------------------------------------------------------------

    /**
     * The same elements with a new shape; one axis may be -1 (inferred). A view when this tensor
     * is contiguous, else a copy.
     */
    public Tensor reshape(int... newShape) {
        checkOpen("reshape");
        Shapes.numel("reshape", newShape, false);
        int[] resolved = Checks.reshapeTarget(this, newShape);
        Tensor source = dense();
        Tensor out = source.viewAs(resolved);
        Kernels.closeIfCopy(this, source);
        return Tape.record(out, new Node.Reshape(this), this);
    }

    /** A view with two axes swapped; no copy. */
    public Tensor transpose(int axis0, int axis1) {
        checkOpen("transpose");
        int a = Checks.axis("transpose", this, axis0);
        int b = Checks.axis("transpose", this, axis1);
        return Tape.record(transposedView(a, b), new Node.Transpose(this, a, b), this);
    }

    Tensor transposedView(int a, int b) {
        int[] shape = shape();
        int[] strides = layout.strides();
        shape[a] = layout.dim(b);
        shape[b] = layout.dim(a);
        strides[a] = layout.stride(b);
        strides[b] = layout.stride(a);
        return new Tensor(device, dtype, new Layout(shape, strides, layout.offset()), handle);
    }

    /** A view with the axes in the order {@code dims}, as {@code torch.Tensor.permute}; no copy. */
    public Tensor permute(int... dims) {
        return ShapeOps.permute(this, dims);
    }

    /** A view with a size-1 axis inserted at {@code axis}, as {@code torch.Tensor.unsqueeze}. */
    public Tensor unsqueeze(int axis) {
        return ShapeOps.unsqueeze(this, axis);
    }

    /** A view without axis {@code axis} if it has size 1 (else this tensor), as {@code torch.Tensor.squeeze(dim)}. */
    public Tensor squeeze(int axis) {
        return ShapeOps.squeeze(this, axis);
    }

    /** A view without its size-1 axes, as {@code torch.Tensor.squeeze()}. */
    public Tensor squeeze() {
        return ShapeOps.squeezeAll(this);
    }

    /** The tensors joined along {@code axis}, as {@code torch.cat}; sizes must agree on the other axes. */
    public static Tensor cat(java.util.List<Tensor> tensors, int axis) {
        return ShapeOps.cat(tensors, axis);
    }

    /** The tensors, all of one shape, joined along a new axis {@code axis}, as {@code torch.stack}. */
    public static Tensor stack(java.util.List<Tensor> tensors, int axis) {
        return ShapeOps.stack(tensors, axis);
    }

    /** The entries at {@code index} (1-D I32) along {@code axis}, as {@code torch.index_select}. */
    public Tensor indexSelect(int axis, Tensor index) {
        return ShapeOps.indexSelect(this, axis, index);
    }

    /**
     * This tensor with each {@code src} entry added at its {@code index} (I32, same rank) along
     * {@code axis}, as {@code torch.Tensor.scatter_add(axis, index, src)} (out of place; repeated
     * indices accumulate). Differentiable in this tensor and {@code src}.
     */
    public Tensor scatterAdd(int axis, Tensor index, Tensor src) {
        return ShapeOps.scatterAdd(this, axis, index, src);
    }

    /** A view of this tensor's storage with another layout (the caller checked it fits). */
    Tensor withLayout(Layout view) {
        return new Tensor(device, dtype, view, handle);
    }

    /** Transpose of a 2-D tensor, as {@code torch.Tensor.t()}. */
    public Tensor t() {
        if (rank() != 2) {
            throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Arrays.toString(shape()));
        }
        return transpose(0, 1);
    }

    /** Rows {@code [start, end)} (axis 0); a view. */
    public Tensor slice(int start, int end) {
        return slice(0, start, end);
    }

    /** Elements {@code [start, end)} along {@code axis}; a view. */
    public Tensor slice(int axis, int start, int end) {
        int a = Checks.slice(this, axis, start, end);
        int[] shape = shape();
        shape[a] = end - start;
        Layout view = new Layout(shape, layout.strides(), layout.offset() + start * layout.stride(a));
        Tensor out = new Tensor(device, dtype, view, handle);
        return Tape.record(out, new Node.Slice(this, a, start, end), this);
    }

    /** A view repeated along size-1 axes to {@code shape} (stride 0), as {@code torch.Tensor.expand}. */
    public Tensor expand(int... target) {
        Shapes.numel("expand", target, false);
        Tensor out = new Tensor(device, dtype, Checks.expand(this, target), handle);
        return Tape.record(out, new Node.Expand(this), this);
    }

    /** This tensor if its elements are dense and row-major, else a contiguous copy. Differentiable. */
    public Tensor contiguous() {
        checkOpen("contiguous");
        if (isDense()) {
            return this;
        }
        return Tape.record(copy(), new Node.Reshape(this), this);
    }

    /** A new contiguous tensor holding the same values, not connected to the graph. */
    public Tensor copy() {
        checkOpen("copy");
        return Kernels.copy(this);
    }

    /**
     * Writes {@code source} (broadcast to this tensor's shape) into this tensor's elements, in
     * place, as {@code torch.Tensor.copy_}. Not recorded by autograd.
     */
    public Tensor copyFrom(Tensor source) {
        if (!source.isClosed() && !isClosed() && source.dtype != dtype) {
            // As copy_: the source is converted to this tensor's dtype first.
            try (Tensor converted = source.toType(dtype)) {
                return copyFrom(converted);
            }
        }
        Layout from = Checks.copyInto(this, source);
        Kernels.copyInto(source, from, this, source.handle == handle);
        return this;
    }

    private boolean isDense() {
        return layout.isContiguous() && layout.offset() == 0;
    }

    /** Dense row-major data starting at offset 0: this tensor, or a copy outside the graph. */
    Tensor dense() {
        return isDense() ? this : copy();
    }

    /** A view of this dense tensor with another shape of the same size, outside the graph. */
    /** Rows {@code [start, end)} of this rank-2 tensor as a view, outside the graph (any strides). */
    Tensor rowsView(int start, int end) {
        int[] shape = shape();
        shape[0] = end - start;
        return new Tensor(device, dtype, new Layout(shape, layout.strides(), layout.offset() + start * layout.stride(0)),
                handle);
    }

    Tensor viewAs(int[] newShape) {
        return new Tensor(device, dtype, Layout.contiguous(newShape), handle);
    }


    /** The shape after reducing {@code axes}: removed, or kept with size 1. */
    public static int[] reducedShape(int[] shape, int[] axes, boolean keepDims) {
        return Shapes.reduced(shape, axes, keepDims);
    }

    /** Shape, dtype, device, autograd state, and the values (nested by axis) when there are at most 100. */
    @Override
    public String toString() {
        return TensorText.describe(this);
    }
}
