#!/usr/bin/env python3
"""`nabla bench` workloads in PyTorch (CPU, or CUDA with --device cuda in params). See common.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


class Torch:
    def __init__(self, threads):
        import torch
        self.torch = torch
        if threads and threads > 0:
            torch.set_num_threads(threads)
        self.device = torch.device("cpu")
        torch.manual_seed(0)

    def info(self):
        t = self.torch
        return dict(name="torch", library="PyTorch " + t.__version__ + common.blas_suffix(),
                    threads=t.get_num_threads(), device=str(self.device), blas=common.loaded_blas(),
                    blas_core=common.openblas_core(),
                    config=t.__config__.show().split("\n")[-2].strip()[:300])

    def sync(self):
        pass

    def gemm_check(self, m, n, k):
        t = self.torch
        a, b = common.check_operands(m, n, k)
        c = t.tensor(a, dtype=t.float32).reshape(m, k) @ t.tensor(b, dtype=t.float32).reshape(k, n)
        return [float(x) for x in c.reshape(-1).tolist()]

    def make(self, p):
        t = self.torch
        F = t.nn.functional
        dev = self.device
        w = p["workload"]
        # "float32" (the default), "bfloat16" or "float16": matmul and elementwise on tensors of that
        # dtype; mlp-step under torch.autocast with float32 parameters (float16 with a GradScaler)
        dtype = getattr(t, p.get("dtype", "float32"))
        if w == "matmul":
            m, n, k = p["m"], p["n"], p["k"]
            a = t.rand((k, m) if p["transA"] else (m, k), device=dev).to(dtype)
            b = t.rand((n, k) if p["transB"] else (k, n), device=dev).to(dtype)
            A = a.t() if p["transA"] else a
            B = b.t() if p["transB"] else b
            c = t.empty((m, n), device=dev, dtype=dtype)
            t.mm(A[:1, :1], B[:1, :1])  # torch 1.13's CPU has no float16 mm: fail in setup, named
            return lambda: t.mm(A, B, out=c)
        if w == "elementwise":
            rows, cols = p["rows"], p["cols"]
            a = t.rand((rows, cols), device=dev).to(dtype)
            c = t.empty((rows, cols), device=dev, dtype=dtype)
            if p["op"] == "add":
                b = t.rand((rows, cols), device=dev).to(dtype)
                return lambda: t.add(a, b, out=c)
            if p["op"] == "bias-add":
                bias = t.rand((cols,), device=dev).to(dtype)
                return lambda: t.add(a, bias, out=c)
            a.sub_(0.5)
            t.clamp(a[:1], min=0.0)  # as for mm: torch 1.13's CPU has no float16 clamp_min
            return lambda: t.clamp(a, min=0.0, out=c)
        if w == "reduce":
            a = t.rand((p["rows"], p["cols"]), device=dev)
            axis = p["axis"]
            r = t.empty((p["cols"] if axis == 0 else p["rows"],), device=dev)
            return lambda: t.sum(a, dim=axis, out=r)
        if w == "cross-entropy":
            rows, classes = p["rows"], p["classes"]
            x = t.randn((rows, classes), device=dev).requires_grad_()
            y = t.randint(0, classes, (rows,), device=dev)

            def step():
                x.grad = None
                F.cross_entropy(x, y).backward()
            return step
        if w == "optimizer":
            param = t.nn.Parameter(t.randn(p["count"], device=dev))
            param.grad = t.randn(p["count"], device=dev)
            opt = self.optimizer(p["optimizer"], [param], 1e-3)
            return opt.step
        if w == "mlp-step":
            widths = [p["inputs"]] + list(p["hidden"]) + [p["classes"]]
            layers = []
            for i in range(len(widths) - 1):
                layers.append(t.nn.Linear(widths[i], widths[i + 1]))
                if i < len(widths) - 2:
                    layers.append(t.nn.ReLU())
            model = t.nn.Sequential(*layers).to(dev)
            model.train()
            opt = self.optimizer(p["optimizer"], list(model.parameters()), p.get("lr", 1e-3))
            x = t.randn((p["batch"], p["inputs"]), device=dev)
            y = t.randint(0, p["classes"], (p["batch"],), device=dev)

            if dtype == t.float32:
                def step():
                    opt.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    opt.step()
                return step
            if dev.type == "cpu" and dtype != t.bfloat16:
                raise ValueError("torch %s: CPU autocast supports bfloat16 only, not %s" % (t.__version__, dtype))
            scaler = t.cuda.amp.GradScaler() if dtype == t.float16 else None

            def amp_step():
                opt.zero_grad(set_to_none=True)
                with t.autocast(dev.type, dtype=dtype):
                    loss = F.cross_entropy(model(x), y)
                if scaler is None:
                    loss.backward()
                    opt.step()
                else:
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
            return amp_step
        raise ValueError("unknown workload " + w)

    def optimizer(self, name, params, lr):
        optim = self.torch.optim
        if name == "adam":
            return optim.Adam(params, lr=lr)
        if name == "adamw":
            return optim.AdamW(params, lr=lr, weight_decay=0.01)
        return optim.SGD(params, lr=lr, momentum=0.9)


def load(threads):
    return Torch(threads)


if __name__ == "__main__":
    common.main(sys.modules[__name__])
