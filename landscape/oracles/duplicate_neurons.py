r"""The duplicate-neuron point of a one-hidden-layer sigmoid network (seed 001 Prop IV.2, in the
spirit of Ding-Li-Sun [14]) and its use in fully connected networks with biases.

Every hidden neuron gets the same incoming weight w_0 (for a network with biases: the augmented
input (x, 1) and w_0 = (w, b)), output weights v_j > 0 summing to V.  With z_i = w_0 . x_i,
g = sigma(z), H = [sigma'(z_i) x_i^T] and a residual r != 0 orthogonal to g and to H's columns
(n >= dim + 2), signed so that K = sum_i r_i sigma''(z_i) x_i x_i^T is negative definite, the
outputs y = V g + r make the point critical with Hessian form

.. math:: Q(\delta v, \delta W) = 2\|g \textstyle\sum_j \delta v_j + H \sum_j v_j \delta w_j\|^2
          - 2\sum_j v_j\, \delta w_j^\top K\, \delta w_j,

positive except along {delta W = 0, sum_j delta v_j = 0}, the tangent of the set of
duplicate-neuron points with the same V, on which the loss is constant: a non-strict
(Morse-Bott) local minimum of loss |r|^2, whatever the width (see ``theorems/sigmoid/``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landscape.landscapes.mlp import MLP

CURVATURE_MARGIN = 1e-3  # -lambda_max(K) must exceed this x |r| x max|x|^2 for the construction


@dataclass(frozen=True, slots=True)
class Construction:
    """Outputs y and the duplicate-neuron point (W = w_0 in every row, v_j = V/p or mixed)."""

    y: np.ndarray
    point: np.ndarray
    w0: np.ndarray
    curvature: float  # -lambda_max(K), > 0 when the point is a minimum


def logistic_sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t))


def _candidates(d: int, rng: np.random.Generator, extra: int = 8) -> list[np.ndarray]:
    """Five fixed directions, then ``extra`` random ones (8: unit normal, the sigmoid net's
    choice; more: spread over scales 1/2 to 4, which a network with biases needs)."""
    fixed = [np.full(d, s) / np.sqrt(d) for s in (1.0, -1.0, 0.5, 2.0, -2.0)]
    if extra == 8:
        return fixed + [rng.standard_normal(d) for _ in range(8)]
    return fixed + [rng.standard_normal(d) * (0.5 + 3.5 * k / (extra - 1)) for k in range(extra)]


def _residual(x: np.ndarray, w0: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float] | None:
    """A unit r orthogonal to g and H's columns making K most negative definite (sampled)."""
    z = w0 @ x
    s = logistic_sigmoid(z)
    first, second = s * (1 - s), s * (1 - s) * (1 - 2 * s)
    constraints = np.column_stack([s, (first[None, :] * x).T])
    basis = np.linalg.svd(constraints, full_matrices=True)[0][:, constraints.shape[1]:]
    if basis.shape[1] == 0:
        return None
    trials = [basis[:, i] for i in range(basis.shape[1])] + [basis @ rng.standard_normal(basis.shape[1]) for _ in range(64)]
    best: tuple[np.ndarray, float] | None = None
    for raw in trials:
        for r in (raw / np.linalg.norm(raw), -raw / np.linalg.norm(raw)):
            k = (x * (r * second)) @ x.T
            curvature = -float(np.linalg.eigvalsh(k)[-1])
            if best is None or curvature > best[1]:
                best = (r, curvature)
    return best


def duplicate_neuron_point(x: np.ndarray, width: int, seed: int, signs: str = "positive", total: float = 1.0,
                           residual: float = 1.0, candidates: int = 8, margin: float = CURVATURE_MARGIN) -> Construction | None:
    """The construction of the module docstring; ``signs="mixed"`` gives v = (2V, -V, ...)
    (a falsified variant drops the sign condition); V = ``total``, |r| = ``residual``; w_0 is the
    best of five fixed and ``candidates`` random directions.  ``None`` if none gives
    -lambda_max(K) > ``margin`` x max|x|^2."""
    rng = np.random.default_rng(seed)
    d = x.shape[0]
    scale = float(np.abs(x).max()) ** 2 or 1.0
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for w0 in _candidates(d, rng, candidates):
        found = _residual(x, w0, rng)
        if found is not None and (best is None or found[1] > best[2]):
            best = (w0, found[0], found[1])
    if best is None or best[2] <= margin * scale:
        return None
    w0, r, curvature = best
    v = np.full(width, total / width)
    if signs == "mixed" and width >= 2:
        v = np.zeros(width)
        v[0], v[1] = 2.0 * total, -total
    y = total * logistic_sigmoid(w0 @ x) + residual * r
    point = np.concatenate([np.tile(w0, width), v])
    return Construction(y=y, point=point, w0=w0, curvature=curvature)


MLP_CANDIDATES = 256  # random directions w_0 = (w, b) tried for a network with biases (64 leave ~1 in 3 instances without one)
MLP_MARGIN = 1e-6  # -lambda_max(K) / max|x|^2 required there (the Morse-Bott check then decides)
MLP_RESIDUAL = 5.0  # |r|: the normal curvature grows with |r| (K is linear in r)


def mlp_duplicate_neuron_minimum(x: np.ndarray, width: int, seed: int) -> tuple[MLP, np.ndarray] | None:
    """The construction on a (d_0, width, 1) sigmoid :class:`MLP` with hidden biases, squared
    loss, no output bias: the augmented inputs (x, 1) play the role of x (so n >= d_0 + 3), and
    v_j = 1 (V = width: the flat moves of the Morse-Bott check keep every v_j > 0).
    Returns the network (its outputs y built by the construction) and the point, or None."""
    x = np.asarray(x, dtype=np.float64)
    augmented = np.vstack([x, np.ones((1, x.shape[1]))])
    built = duplicate_neuron_point(augmented, width, seed, total=float(width), residual=MLP_RESIDUAL,
                                   candidates=MLP_CANDIDATES, margin=MLP_MARGIN)
    if built is None:
        return None
    d = x.shape[0]
    weights = np.tile(built.w0[:d], width)
    biases = np.full(width, built.w0[d])
    point = np.concatenate([weights, biases, built.point[width * (d + 1):]])
    return MLP((d, width, 1), "sigmoid", x, built.y[None], "squared"), point
