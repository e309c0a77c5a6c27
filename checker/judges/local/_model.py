"""A small multinomial logistic model over sparse features: fitted with numpy, applied in Python.

Prediction needs no numpy (a sparse dot product over the few hundred active
features of one exchange), so judging stays fast and the saved form is plain JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SparseVector = dict[int, float]


@dataclass(frozen=True, slots=True)
class SoftmaxModel:
    """Class weights ``weights[c]`` (sparse) and biases ``bias[c]`` for ``classes[c]``."""

    classes: tuple[str, ...]
    weights: tuple[SparseVector, ...]
    bias: tuple[float, ...]

    def probabilities(self, vector: SparseVector) -> dict[str, float]:
        """Class probabilities for one sparse feature vector."""
        logits = []
        for w, b in zip(self.weights, self.bias, strict=True):
            logits.append(b + sum(value * w.get(index, 0.0) for index, value in vector.items()))
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "bias": [round(b, 6) for b in self.bias],
            "weights": [{str(k): round(v, 6) for k, v in w.items()} for w in self.weights],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SoftmaxModel:
        return cls(
            classes=tuple(data["classes"]),
            bias=tuple(float(b) for b in data["bias"]),
            weights=tuple({int(k): float(v) for k, v in w.items()} for w in data["weights"]),
        )


def fit_softmax(
    vectors: Sequence[SparseVector],
    labels: Sequence[str],
    n_features: int,
    *,
    sample_weight: Sequence[float] | None = None,
    l2: float = 1e-3,
    balance: float = 0.5,
    steps: int = 300,
    learning_rate: float = 0.1,
) -> SoftmaxModel:
    """Fit weights by full-batch Adam on the weighted cross-entropy plus an L2 penalty.

    Classes are partly balanced: each class's weight is scaled by
    ``(n / n_class) ** balance`` (0 keeps the data's proportions, 1 gives every class
    the same total weight), so a rare ``violates`` label is not drowned by the common one.
    """
    classes = tuple(sorted(set(labels)))
    if len(classes) < 2:
        raise ValueError(f"need at least two distinct labels to fit, got {classes}")
    # Only the columns some vector uses take part: hashed spaces are mostly empty.
    used = sorted({index for vector in vectors for index in vector})
    if used and used[-1] >= n_features:
        raise ValueError(f"feature index {used[-1]} outside 0..{n_features - 1}")
    column = {index: col for col, index in enumerate(used)}
    x = np.zeros((len(vectors), len(used)), dtype=np.float32)
    for row, vector in enumerate(vectors):
        for index, value in vector.items():
            x[row, column[index]] = value
    y = np.array([classes.index(label) for label in labels])
    onehot = np.eye(len(classes), dtype=np.float32)[y]
    weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
    for c in range(len(classes)):
        mask = y == c
        weight[mask] *= (len(labels) / weight[mask].sum()) ** balance
    weight = (weight / weight.sum()).astype(np.float32)[:, None]

    w = np.zeros((len(used), len(classes)), dtype=np.float32)
    b = np.zeros(len(classes), dtype=np.float32)
    state = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        residual = (p - onehot) * weight
        grads = (x.T @ residual + l2 * w, residual.sum(axis=0))
        for i, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m, v = state[2 * i], state[2 * i + 1]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1**step)
            v_hat = v / (1 - beta2**step)
            param -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    sparse = tuple(
        {used[int(i)]: float(w[i, c]) for i in np.flatnonzero(np.abs(w[:, c]) > 1e-4)}
        for c in range(len(classes))
    )
    return SoftmaxModel(classes=classes, weights=sparse, bias=tuple(float(v) for v in b))
