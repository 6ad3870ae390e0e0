"""PyTorch's side of Nabla's Hessian-vector-product figure (issue 12; docs/benchmarks.md).

The same MLP as cli/src/test/java/dev/nabla/examples/Curvature.java: 784-1024-512-10 with ReLU,
cross-entropy, batch 128, all 1,333,770 parameters as one flat vector. Prints the median time of
one forward+backward (torch.autograd.grad) and of one HVP by double backward
(create_graph=True, then the gradient of grad . v), and their ratio. Random inputs: the cost does
not depend on the data.

    python3 benchmarks/compare/hvp_torch.py [--threads N]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

WIDTHS = [784, 1024, 512, 10]


def loss_of(p, x, y):
    h, offset = x, 0
    for layer in range(len(WIDTHS) - 1):
        n_in, n_out = WIDTHS[layer], WIDTHS[layer + 1]
        w = p[offset:offset + n_out * n_in].view(n_out, n_in)
        offset += n_out * n_in
        b = p[offset:offset + n_out]
        offset += n_out
        h = F.linear(h, w, b)
        if layer + 2 < len(WIDTHS):
            h = F.relu(h)
    return F.cross_entropy(h, y)


def median_ms(runs, body):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=0)
    a = parser.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    count = sum(WIDTHS[i] * WIDTHS[i + 1] + WIDTHS[i + 1] for i in range(len(WIDTHS) - 1))
    p = (torch.randn(count) * 0.03).requires_grad_()
    x = torch.randn(128, 784)
    y = torch.randint(0, 10, (128,))
    v = torch.randn(count)

    def grad():
        (g,) = torch.autograd.grad(loss_of(p, x, y), p)
        return g.sum().item()

    def hvp():
        (g,) = torch.autograd.grad(loss_of(p, x, y), p, create_graph=True)
        (hv,) = torch.autograd.grad(g, p, grad_outputs=v)
        return hv.sum().item()

    for _ in range(3):
        grad()
        hvp()
    g_ms = median_ms(9, grad)
    h_ms = median_ms(9, hvp)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {count:,} parameters, batch 128:"
          f" forward+backward {g_ms:.1f} ms, hvp {h_ms:.1f} ms ({h_ms / g_ms:.2f}x)")


if __name__ == "__main__":
    main()
