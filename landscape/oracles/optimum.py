r"""Global-optimum oracles: the true infimum, so that "sub-optimal" is judged against it.

Deep linear networks (seed 001 §III, the "mother problem" P2 of Lu-Kawaguchi): the products
W_L...W_1 range exactly over the matrices of rank <= k = min(d_0, ..., d_L), so

.. math::  \min_W R(W) = \min_{\operatorname{rank} Z \le k} \tfrac1n\|Y - ZX\|_F^2
           = \operatorname{tr} S_{yy} - \sum_{i \le k} \lambda_i(S_{yx} S_{xx}^{+} S_{xy})

(reduced-rank regression; Eckart-Young applied to the fitted values Y P_X).  The minimiser is
Z* = P_k S_{yx} S_{xx}^{+} with P_k the projector on the top-k eigenvectors of
Sigma = S_{yx} S_{xx}^+ S_{xy}.  The pseudo-inverse makes this valid for singular S_xx too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from landscape.landscapes.base import DeepLinear, Landscape


@dataclass(frozen=True, slots=True)
class Optimum:
    """The global minimum of a landscape.

    Attributes:
        value: the infimum of the loss.
        point: a global minimiser as a flat parameter vector, when one is constructed.
        method: how the value was obtained (shown in certificates).
    """

    value: float
    point: np.ndarray | None
    method: str


def sigma_eigen(landscape: DeepLinear) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors of Sigma = S_yx S_xx^+ S_xy."""
    sigma = landscape.syx @ np.linalg.pinv(landscape.sxx, hermitian=True) @ landscape.syx.T
    values, vectors = np.linalg.eigh(0.5 * (sigma + sigma.T))
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def deep_linear_optimum(landscape: DeepLinear) -> Optimum:
    """Closed-form global minimum of a deep linear network (reduced-rank regression)."""
    k = min(landscape.widths)
    values, vectors = sigma_eigen(landscape)
    value = float(np.trace(landscape.syy) - np.clip(values[:k], 0.0, None).sum())
    top = vectors[:, :k]
    product = top @ top.T @ landscape.syx @ np.linalg.pinv(landscape.sxx, hermitian=True)
    return Optimum(
        value=max(value, 0.0),
        point=factor_product(landscape, product),
        method=f"reduced-rank regression, rank <= {k} (closed form)",
    )


def factor_product(landscape: DeepLinear, product: np.ndarray) -> np.ndarray:
    """Layers whose product is ``product`` (rank <= min width), as a flat parameter vector.

    Balanced split: Z = U S V^T truncated to k terms; W_1 = S^{1/2}-weighted V^T padded,
    middle layers are padded identities, W_L = U S^{1/2} padded.
    """
    k = min(landscape.widths)
    u, s, vt = np.linalg.svd(product, full_matrices=False)
    u, s, vt = u[:, :k], s[:k], vt[:k]
    layers = []
    for index, (rows, cols) in enumerate(landscape.shapes):
        w = np.zeros((rows, cols))
        if landscape.depth == 1:
            w = u @ np.diag(s) @ vt
        elif index == 0:
            w[:k, :] = np.diag(np.sqrt(s)) @ vt
        elif index == landscape.depth - 1:
            w[:, :k] = u @ np.diag(np.sqrt(s))
        else:
            w[:k, :k] = np.eye(k)
        layers.append(w.reshape(-1))
    return np.concatenate(layers)


def optimum_of(landscape: Landscape) -> Optimum | None:
    """The global optimum of ``landscape`` if its family has an oracle, else ``None``."""
    oracle = _OPTIMA.get(landscape.family)
    return None if oracle is None else oracle(landscape)


_OPTIMA: dict[str, Callable[[Any], Optimum]] = {}


def register_optimum(family: str, oracle: Callable[[Any], Optimum]) -> None:
    """Declare the global-optimum oracle of a landscape family."""
    _OPTIMA[family] = oracle


register_optimum(DeepLinear.family, deep_linear_optimum)
