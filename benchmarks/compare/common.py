"""Shared driver of the comparison scripts (torch_bench.py, numpy_bench.py).

Each script defines `make(params)` returning a zero-argument callable that performs one call of a
workload, `sync()` (a no-op on the CPU) and `info()`. The parameters are the ones `nabla bench`
uses (dev.nabla.bench.Workload#params):

  matmul        m, n, k, transA, transB        C = op(A) @ op(B), row-major, preallocated C
  elementwise   op (add|bias-add|relu), rows, cols
  reduce        axis (0|1), rows, cols          sum along the axis
  cross-entropy rows, classes                   cross-entropy forward + gradient of the logits
  optimizer     optimizer (adam|adamw|sgd), count
  mlp-step      inputs, hidden[], classes, batch, optimizer, lr
  dtype         (matmul, elementwise, mlp-step) float32 | bfloat16 | float16; absent means float32

Two ways to run a script:

  python3 torch_bench.py matmul --mnk 1024,1024,1024 --trans NN --repeats 10 --threads 2
      one workload, prints one JSON object (samples in seconds per call, median, GFLOP/s...)
  python3 torch_bench.py --serve --threads 2
      JSON lines on stdin/stdout, used by `nabla bench --compare` to interleave its samples:
      {"op": "info"} | {"op": "setup", "params": {...}} | {"op": "time", "calls": N} | {"op": "quit"}
      | {"op": "check", "m": M, "n": N, "k": K}   one GEMM of check_operands, result row-major

Threads are fixed before numpy/torch are imported (OMP/OpenBLAS/MKL read them at load time).
"""
import argparse
import json
import os
import sys
import time


def set_threads(threads):
    if threads and threads > 0:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
            os.environ[var] = str(threads)


def loaded_blas():
    """Shared libraries with 'blas' in their name mapped into this process (resolved paths)."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if ("blas" in name or "mkl" in name or "blis" in name) and path not in found:
                    found.append(path)
    except OSError:
        pass
    return found


def openblas_core():
    """OpenBLAS's build configuration and the kernel core it runs ({"config", "core"}), or None when
    no OpenBLAS is loaded. Asked of the library itself (openblas_get_config/openblas_get_corename),
    because OPENBLAS_CORETYPE can pin an older core than the CPU's."""
    import ctypes
    for path in loaded_blas():
        if "openblas" not in os.path.basename(path).lower():
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        found = {}
        for function, key in (("openblas_get_config", "config"), ("openblas_get_corename", "core")):
            f = getattr(lib, function, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                value = f()
                found[key] = value.decode(errors="replace") if value else ""
        if found:
            return found
    return None


def blas_suffix():
    """' (OpenBLAS core Haswell)' for a library description, or '' without OpenBLAS."""
    core = openblas_core()
    return " (OpenBLAS core " + core.get("core", "?") + ")" if core else ""


def check_operands(m, n, k):
    """The GEMM `nabla bench --compare` checks before it trusts a BLAS it runs without
    OPENBLAS_CORETYPE (dev.nabla.bench.BlasCheck builds the same): small multiples of 1/8 and 1/4,
    so every product and partial sum is exact in float32 and any correct SGEMM gives the exact
    result, whatever its summation order. Row-major lists A (m×k) and B (k×n)."""
    a = [((i * 7 + p * 3) % 17 - 8) / 8.0 for i in range(m) for p in range(k)]
    b = [((p * 5 + j * 11) % 13 - 6) / 4.0 for p in range(k) for j in range(n)]
    return a, b


def ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


def parse_one_shot(argv):
    p = argparse.ArgumentParser(description="Time one workload the way `nabla bench` does; prints JSON.")
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--threads", type=int, default=0, help="threads for the library (default: all cores)")
    shared.add_argument("--repeats", type=int, default=10)
    shared.add_argument("--sample-seconds", type=float, default=0.05)
    sub = p.add_subparsers(dest="workload", required=True)
    mm = sub.add_parser("matmul", parents=[shared])
    mm.add_argument("--size", type=int)
    mm.add_argument("--mnk")
    mm.add_argument("--trans", default="NN")
    ew = sub.add_parser("elementwise", parents=[shared])
    ew.add_argument("--op", default="add", choices=["add", "bias-add", "relu"])
    ew.add_argument("--rows", type=int, default=1024)
    ew.add_argument("--cols", type=int, default=4096)
    rd = sub.add_parser("reduce", parents=[shared])
    rd.add_argument("--axis", type=int, default=0, choices=[0, 1])
    rd.add_argument("--rows", type=int, default=1024)
    rd.add_argument("--cols", type=int, default=4096)
    sx = sub.add_parser("cross-entropy", parents=[shared])
    sx.add_argument("--rows", type=int, default=4096)
    sx.add_argument("--classes", type=int, default=1000)
    op = sub.add_parser("optimizer", parents=[shared])
    op.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd"])
    op.add_argument("--count", type=int, default=1863690)
    ml = sub.add_parser("mlp-step", parents=[shared])
    ml.add_argument("--inputs", type=int, default=784)
    ml.add_argument("--hidden", default="1024,1024")
    ml.add_argument("--classes", type=int, default=10)
    ml.add_argument("--batch", type=int, default=256)
    ml.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd"])
    ml.add_argument("--lr", type=float, default=1e-3)
    a = p.parse_args(argv)
    w = a.workload
    if w == "matmul":
        if a.mnk:
            m, n, k = ints(a.mnk)
        else:
            m = n = k = a.size or 1024
        t = a.trans.upper()
        params = dict(m=m, n=n, k=k, transA=t[0] == "T", transB=t[1] == "T")
    elif w == "elementwise":
        params = dict(op=a.op, rows=a.rows, cols=a.cols)
    elif w == "reduce":
        params = dict(axis=a.axis, rows=a.rows, cols=a.cols)
    elif w == "cross-entropy":
        params = dict(rows=a.rows, classes=a.classes)
    elif w == "optimizer":
        params = dict(optimizer=a.optimizer, count=a.count)
    else:
        params = dict(inputs=a.inputs, hidden=ints(a.hidden), classes=a.classes, batch=a.batch,
                      optimizer=a.optimizer, lr=a.lr)
    params["workload"] = w
    return a, params


def timed(work, sync, calls):
    start = time.perf_counter()
    for _ in range(calls):
        work()
    sync()
    return time.perf_counter() - start


def flops(p):
    w = p["workload"]
    if w == "matmul":
        return 2.0 * p["m"] * p["n"] * p["k"]
    if w == "mlp-step":
        widths = [p["inputs"]] + list(p["hidden"]) + [p["classes"]]
        total = 0.0
        for i in range(len(widths) - 1):
            total += (2 if i == 0 else 3) * 2.0 * p["batch"] * widths[i] * widths[i + 1]
        return total
    return 0.0


def main(module, argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--serve" in argv:
        threads = 0
        if "--threads" in argv:
            threads = int(argv[argv.index("--threads") + 1])
        set_threads(threads)
        serve(module, threads)
        return
    args, params = parse_one_shot(argv)
    set_threads(args.threads)
    lib = module.load(args.threads)
    work = lib.make(params)
    # warm up until three timings agree within 10 %, then take the samples
    recent, calls = [], 1
    deadline = time.perf_counter() + 6
    while time.perf_counter() < deadline:
        t = timed(work, lib.sync, calls)
        if t < 0.004:
            calls *= 2
            recent = []
            continue
        recent.append(t / calls)
        last = recent[-3:]
        if len(last) == 3 and (max(last) - min(last)) <= 0.10 * sorted(last)[1]:
            break
    per_call = recent[-1] if recent else t / calls
    calls = max(1, round(args.sample_seconds / per_call))
    samples = [timed(work, lib.sync, calls) / calls for _ in range(args.repeats)]
    ordered = sorted(samples)
    median = ordered[len(ordered) // 2] if len(ordered) % 2 else 0.5 * (
        ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2])
    out = dict(info=lib.info(), params=params, samples=samples, median=median)
    f = flops(params)
    if f:
        out["gflops"] = f / median / 1e9
    if params["workload"] == "mlp-step":
        out["samples_per_second"] = params["batch"] / median
    print(json.dumps(out, indent=2))


def serve(module, threads):
    lib = None
    work = None
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            op = request.get("op")
            if lib is None:
                lib = module.load(threads)
            if op == "info":
                reply = dict(ok=True, **lib.info())
            elif op == "setup":
                work = None
                work = lib.make(request["params"])
                reply = dict(ok=True)
            elif op == "time":
                if work is None:
                    raise RuntimeError("no workload set up")
                reply = dict(ok=True, seconds=timed(work, lib.sync, int(request.get("calls", 1))))
            elif op == "check":
                m, n, k = int(request["m"]), int(request["n"]), int(request["k"])
                reply = dict(ok=True, c=lib.gemm_check(m, n, k))
            elif op == "quit":
                break
            else:
                raise ValueError("unknown op %r" % op)
        except Exception as e:  # reported to the Java side, which shows it in the table
            reply = dict(ok=False, error="%s: %s" % (type(e).__name__, e))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
