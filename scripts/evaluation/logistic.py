"""L2-regularised logistic regression by Newton's method, in plain Python.

Why no numpy/scikit-learn: the model has about twenty named features and is refitted rarely by
scripts/fit_same_question; a dependency-free solver keeps the project's install small and the fit
deterministic (no random initialisation, converges in a handful of steps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is small and positive definite)."""
    n = len(vector)
    rows = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        if abs(head) < 1e-12:
            continue
        for r in range(n):
            factor = rows[r][col] / head if r != col else 0.0
            if factor:
                for k in range(col, n + 1):
                    rows[r][k] -= factor * rows[col][k]
    return [rows[i][n] / rows[i][i] if abs(rows[i][i]) > 1e-12 else 0.0 for i in range(n)]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(
    rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 1e-4, steps: int = 30
) -> list[float]:
    """Weights minimising mean log-loss + l2/2 * |w|^2 (the bias column, if any, is penalised too)."""
    dims = len(rows[0])
    n = len(rows)
    weights = [0.0] * dims
    for _ in range(steps):
        gradient = [l2 * n * w for w in weights]
        hessian = [[l2 * n if i == j else 0.0 for j in range(dims)] for i in range(dims)]
        for x, label in zip(rows, labels, strict=True):
            p = sigmoid(sum(w * v for w, v in zip(weights, x, strict=True)))
            error, curvature = p - label, p * (1 - p)
            for i, xi in enumerate(x):
                if xi:
                    gradient[i] += error * xi
                    line = hessian[i]
                    scaled = curvature * xi
                    for j, xj in enumerate(x):
                        line[j] += scaled * xj
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return weights
