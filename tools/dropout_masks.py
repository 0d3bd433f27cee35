"""¿Hay una forma más barata de muestrear las máscaras de dropout de la atención en CPU? (issue 15, punto 4)

En transformers 5.24, la atención de BERT con ``attn_implementation="sdpa"`` (la de MiniLM) ya pasa su dropout a
``torch.nn.functional.scaled_dot_product_attention(dropout_p=...)``. En CPU, el núcleo *flash* de SDPA no admite
dropout > 0, así que PyTorch cae en la ruta «math», que aplica ``at::dropout`` (``bernoulli_``) a las probabilidades
de atención (lote × cabezas × L × L). Este script mide, en esa forma, el muestreador actual frente a candidatos que
muestrean la misma distribución, y comprueba la tasa y la escala de cada uno.

Uso: ``python -m tools.dropout_masks [--batch 5 --heads 12 --length 256 --p 0.1 --threads 2]``
"""

from __future__ import annotations

import argparse
import time

import torch
from scipy.stats import binomtest


def current(x: torch.Tensor, p: float) -> torch.Tensor:
    """Lo que hace hoy la ruta math de SDPA: dropout nativo (máscara con ``bernoulli_``)."""
    return torch.nn.functional.dropout(x, p=p, training=True)


def bernoulli_mask(x: torch.Tensor, p: float) -> torch.Tensor:
    return x * torch.empty_like(x).bernoulli_(1 - p) / (1 - p)


def uniform_compare(x: torch.Tensor, p: float) -> torch.Tensor:
    """``rand < 1 − p``: la misma Bernoulli(1 − p), con un uniforme por elemento."""
    return x * (torch.rand_like(x) < 1 - p) / (1 - p)


def sdpa_internal(q, k, v, p):
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=p)


CANDIDATES = {"dropout nativo (actual)": current, "bernoulli_ explícito": bernoulli_mask,
              "rand < 1 − p": uniform_compare}


def seconds(fn, *args, repeat: int = 5) -> float:
    fn(*args)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def check_distribution(fn, p: float, n: int = 2_000_000) -> tuple[float, float, float]:
    """Fracción conservada (p-valor de un test binomial frente a 1 − p) y error máximo de la escala 1/(1 − p)."""
    x = torch.ones(n)
    y = fn(x, p)
    kept = y != 0
    test = binomtest(int(kept.sum()), n, 1 - p)
    scale_error = float((y[kept] - 1 / (1 - p)).abs().max())
    return float(kept.float().mean()), test.pvalue, scale_error


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=5,
                        help="filas × T de una llamada (CPU, modo full: un texto largo × 5)")
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--head-dim", type=int, default=32)
    parser.add_argument("--p", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    shape = (args.batch, args.heads, args.length, args.length)
    scores = torch.rand(shape)
    print(f"Forma de la atención: {shape} ({scores.numel() / 1e6:.1f} millones de elementos), p = {args.p}, "
          f"{args.threads} hilos")
    for name, fn in CANDIDATES.items():
        kept, pvalue, scale_error = check_distribution(fn, args.p)
        print(f"{name:26s} {seconds(fn, scores, args.p) * 1e3:7.2f} ms | conservada {kept:.5f} "
              f"(p-valor binomial {pvalue:.3f}), error de escala {scale_error:.1e}")
    q = torch.randn(args.batch, args.heads, args.length, args.head_dim)
    with_dropout = seconds(sdpa_internal, q, q, q, args.p)
    without = seconds(sdpa_internal, q, q, q, 0.0)
    # Con dropout > 0 no solo se muestrea la máscara: SDPA deja el núcleo flash y materializa la matriz L × L
    # (ruta math).
    print(f"SDPA completa: {with_dropout * 1e3:.2f} ms con dropout (ruta math), {without * 1e3:.2f} ms sin él "
          f"(núcleo flash): {with_dropout / without:.1f}×")


if __name__ == "__main__":
    main()
