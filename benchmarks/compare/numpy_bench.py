#!/usr/bin/env python3
"""`nabla bench` workloads in NumPy (SGEMM by whatever BLAS NumPy loads, OpenBLAS on Debian with
libopenblas0). NumPy has no autograd: the training step is written out by hand (forward, fused
softmax cross-entropy, backward, Adam/SGD in place). See common.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


class Numpy:
    def __init__(self, threads):
        import numpy as np
        self.np = np
        self.threads = threads
        self.rng = np.random.default_rng(0)
        # map the BLAS in now, so that info() can name it
        np.ones((8, 8), np.float32) @ np.ones((8, 8), np.float32)

    def info(self):
        blas = common.loaded_blas()
        kind = "OpenBLAS" if any("openblas" in b.lower() for b in blas) else (
            "reference BLAS (install libopenblas0 for OpenBLAS)" if blas else "unknown BLAS")
        return dict(name="numpy", library="NumPy " + self.np.__version__ + " + " + kind + common.blas_suffix(),
                    threads=self.threads or os.cpu_count(), device="cpu", blas=blas, blas_core=common.openblas_core())

    def sync(self):
        pass

    def gemm_check(self, m, n, k):
        np = self.np
        a, b = common.check_operands(m, n, k)
        c = np.array(a, np.float32).reshape(m, k) @ np.array(b, np.float32).reshape(k, n)
        return [float(x) for x in c.reshape(-1)]

    def rand(self, *shape):
        return self.rng.random(shape, dtype=self.np.float32)

    def randn(self, *shape):
        return self.rng.standard_normal(shape, dtype=self.np.float32)

    def make(self, p):
        np = self.np
        w = p["workload"]
        if p.get("dtype", "float32") != "float32":
            raise ValueError("NumPy has no %s arithmetic (float32 only here)" % p["dtype"])
        if w == "matmul":
            m, n, k = p["m"], p["n"], p["k"]
            a = self.rand(k, m) if p["transA"] else self.rand(m, k)
            b = self.rand(n, k) if p["transB"] else self.rand(k, n)
            A = a.T if p["transA"] else a
            B = b.T if p["transB"] else b
            c = np.empty((m, n), np.float32)
            return lambda: np.matmul(A, B, out=c)
        if w == "elementwise":
            rows, cols = p["rows"], p["cols"]
            a = self.rand(rows, cols)
            c = np.empty((rows, cols), np.float32)
            if p["op"] == "add":
                b = self.rand(rows, cols)
                return lambda: np.add(a, b, out=c)
            if p["op"] == "bias-add":
                bias = self.rand(cols)
                return lambda: np.add(a, bias, out=c)
            a -= 0.5
            return lambda: np.maximum(a, np.float32(0), out=c)
        if w == "reduce":
            a = self.rand(p["rows"], p["cols"])
            axis = p["axis"]
            r = np.empty(p["cols"] if axis == 0 else p["rows"], np.float32)
            return lambda: np.sum(a, axis=axis, out=r)
        if w == "cross-entropy":
            rows, classes = p["rows"], p["classes"]
            x = self.randn(rows, classes)
            y = self.rng.integers(0, classes, rows)
            idx = np.arange(rows)
            e = np.empty_like(x)
            grad = np.empty_like(x)

            def step():
                mx = x.max(axis=1, keepdims=True)
                np.subtract(x, mx, out=e)
                np.exp(e, out=e)
                s = e.sum(axis=1, keepdims=True)
                lse = mx[:, 0] + np.log(s[:, 0])
                loss = (lse - x[idx, y]).mean()
                np.divide(e, s, out=grad)
                grad[idx, y] -= 1
                np.multiply(grad, np.float32(1.0 / rows), out=grad)
                return loss
            return step
        if w == "optimizer":
            param = self.randn(p["count"])
            g = self.randn(p["count"])
            update = self.optimizer(p["optimizer"], [param], 1e-3)
            return lambda: update([g])
        if w == "mlp-step":
            return self.mlp_step(p)
        raise ValueError("unknown workload " + w)

    def optimizer(self, name, params, lr):
        """A closure applying one in-place update given the gradients, as torch.optim does."""
        np = self.np
        f = np.float32
        state = [(np.zeros_like(q), np.zeros_like(q), np.empty_like(q)) for q in params]
        step = [0]
        b1, b2, eps = 0.9, 0.999, 1e-8

        def adam(grads, decoupled):
            step[0] += 1
            bc1 = 1 - b1 ** step[0]
            bc2 = 1 - b2 ** step[0]
            for q, g, (m, v, tmp) in zip(params, grads, state):
                if decoupled:
                    q *= f(1 - lr * 0.01)
                m *= f(b1)
                m += f(1 - b1) * g
                v *= f(b2)
                np.multiply(g, g, out=tmp)
                tmp *= f(1 - b2)
                v += tmp
                np.divide(v, f(bc2), out=tmp)
                np.sqrt(tmp, out=tmp)
                tmp += f(eps)
                np.divide(m, tmp, out=tmp)
                tmp *= f(lr / bc1)
                q -= tmp

        def sgd(grads):
            for q, g, (buf, _, _) in zip(params, grads, state):
                buf *= f(0.9)
                buf += g
                q -= f(lr) * buf

        if name == "adam":
            return lambda grads: adam(grads, False)
        if name == "adamw":
            return lambda grads: adam(grads, True)
        return sgd

    def mlp_step(self, p):
        np = self.np
        widths = [p["inputs"]] + list(p["hidden"]) + [p["classes"]]
        batch = p["batch"]
        ws, bs = [], []
        for i in range(len(widths) - 1):
            bound = 1 / np.sqrt(widths[i])
            ws.append((self.rand(widths[i + 1], widths[i]) * 2 - 1) * np.float32(bound))
            bs.append((self.rand(widths[i + 1]) * 2 - 1) * np.float32(bound))
        params = ws + bs
        update = self.optimizer(p["optimizer"], params, p.get("lr", 1e-3))
        x = self.randn(batch, p["inputs"])
        y = self.rng.integers(0, p["classes"], batch)
        idx = np.arange(batch)
        layers = len(ws)

        def step():
            acts = [x]
            h = x
            for i in range(layers):
                z = h @ ws[i].T
                z += bs[i]
                if i < layers - 1:
                    np.maximum(z, 0, out=z)
                acts.append(z)
                h = z
            logits = h
            mx = logits.max(axis=1, keepdims=True)
            e = np.exp(logits - mx)
            s = e.sum(axis=1, keepdims=True)
            dz = e / s
            dz[idx, y] -= 1
            dz *= np.float32(1.0 / batch)
            gw, gb = [None] * layers, [None] * layers
            for i in reversed(range(layers)):
                gw[i] = dz.T @ acts[i]
                gb[i] = dz.sum(axis=0)
                if i > 0:
                    dh = dz @ ws[i]
                    dh *= acts[i] > 0
                    dz = dh
            update(gw + gb)
        return step


def load(threads):
    return Numpy(threads)


if __name__ == "__main__":
    common.main(sys.modules[__name__])
