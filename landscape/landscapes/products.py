r"""The end-to-end product of a chain of layers, and the set on which it is constant.

A loss of the product, l(W_L \cdots W_1), is constant on each *equal-product set*
F(W) = {theta : W_L \cdots W_1 = W}.  The symmetry orbit W_l -> A_l W_l A_{l-1}^{-1} lies in it,
but at rank-deficient layers F is larger: with widths (1, 2, 1), W_1 = (1, 0)^T and W_2 = 0 the
orbit is {(a, 0) : a != 0} (dimension 2) while F = {b . a = 0} has dimension 3.  Its first-order
tangent is the kernel of the product's differential

.. math::  D\pi(\theta)[\mathrm{d}\theta] = \sum_l (W_L \cdots W_{l+1})\, \mathrm{d}W_l\, (W_{l-1} \cdots W_1),

which contains the orbit tangent.  Where the rank of D pi drops, F can be a union of manifolds
(W_1 = W_2 = diag(1, 0): two pieces of dimension 4 inside a kernel of dimension 5), so a kernel
vector need not be tangent to F: :func:`equal_product_defects` measures how far theta + t d lies
from F, and a direction counts as tangent only where that distance is of second order in t.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Singular values of D pi below this x its largest (or x 1 when D pi vanishes) span its kernel.
KERNEL_RTOL = 1e-10
# Gauss-Newton steps projecting a point onto F; from a point O(t) away it converges quadratically.
PROJECTION_STEPS = 30


def layer_matrices(theta: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """Split a flat float64 vector into its layers W_1, ..., W_L (row-major, layer 1 first)."""
    layers, start = [], 0
    for rows, cols in shapes:
        layers.append(np.asarray(theta[start : start + rows * cols], dtype=np.float64).reshape(rows, cols))
        start += rows * cols
    return layers


def chain_product(layers: list[Any]) -> Any:
    """W_L ... W_1, of matrices or of batched ``(B, d_l, d_{l-1})`` tensors alike (``@`` broadcasts)."""
    product = layers[0]
    for w in layers[1:]:
        product = w @ product
    return product


def product_jacobian(layers: list[np.ndarray]) -> np.ndarray:
    """D pi at the layers, ``(d_L d_0, P)``: column p is the change of vec(W_L ... W_1) (row-major)
    per unit change of parameter p; vec(A dW B) = (A kron B^T) vec(dW) in row-major order."""
    blocks = []
    for index in range(len(layers)):
        left = np.eye(layers[-1].shape[0]) if index == len(layers) - 1 else chain_product(layers[index + 1 :])
        right = np.eye(layers[0].shape[1]) if index == 0 else chain_product(layers[:index])
        blocks.append(np.kron(left, right.T))
    return np.concatenate(blocks, axis=1)


def orbit_tangents(layers: list[np.ndarray]) -> np.ndarray:
    """Tangents ``(P, m)`` of the orbit W_l -> A_l W_l A_{l-1}^{-1}: for each hidden width and unit
    matrix E_ij, dW_l = E_ij W_l and dW_{l+1} = -W_{l+1} E_ij (the rest zero)."""
    columns = []
    for hidden in range(len(layers) - 1):
        width = layers[hidden].shape[0]
        for i in range(width):
            for j in range(width):
                tangent = [np.zeros_like(w) for w in layers]
                tangent[hidden][i, :] = layers[hidden][j, :]
                tangent[hidden + 1][:, j] = -layers[hidden + 1][:, i]
                columns.append(np.concatenate([t.reshape(-1) for t in tangent]))
    size = sum(w.size for w in layers)
    return np.stack(columns, axis=1) if columns else np.zeros((size, 0))


def equal_product_tangents(theta: np.ndarray, shapes: list[tuple[int, int]]) -> np.ndarray:
    """An orthonormal basis ``(P, m)`` of ker D pi(theta), the first-order tangent of F."""
    jacobian = product_jacobian(layer_matrices(theta, shapes))
    _, singular, vt = np.linalg.svd(jacobian, full_matrices=True)
    largest = float(singular.max()) if singular.size else 0.0
    rank = int((singular > KERNEL_RTOL * max(largest, 1.0)).sum())
    return vt[rank:].T.copy()


def project_to_equal_product(point: np.ndarray, target: np.ndarray, shapes: list[tuple[int, int]]) -> np.ndarray:
    """A point of F(target) near ``point``: minimum-norm Gauss-Newton steps on pi(x) = target."""
    x = np.array(point, dtype=np.float64)
    for _ in range(PROJECTION_STEPS):
        layers = layer_matrices(x, shapes)
        residual = (chain_product(layers) - target).reshape(-1)
        if not np.isfinite(residual).all() or np.abs(residual).max(initial=0.0) == 0.0:
            break
        x = x - np.linalg.lstsq(product_jacobian(layers), residual, rcond=None)[0]
    return x


def equal_product_defects(
    theta: np.ndarray, shapes: list[tuple[int, int]], directions: np.ndarray, lengths: tuple[float, ...]
) -> tuple[np.ndarray, float]:
    """dist(theta + t d, F) / t for each unit direction (row of ``directions``) and step t of
    ``lengths`` (columns), the distance measured to the Gauss-Newton projection (an upper bound
    of it); and the largest product residual the projections left, relative to |pi(theta)| + 1.

    A tangent direction of F gives a ratio of order t (it shrinks with t); a direction of
    ker D pi that leaves F at second order gives a ratio that does not."""
    target = chain_product(layer_matrices(theta, shapes))
    scale = float(np.linalg.norm(target)) + 1.0
    ratios = np.zeros((directions.shape[0], len(lengths)))
    worst = 0.0
    for i, direction in enumerate(directions):
        for j, length in enumerate(lengths):
            moved = theta + length * direction
            projected = project_to_equal_product(moved, target, shapes)
            ratios[i, j] = float(np.linalg.norm(projected - moved)) / length
            left = float(np.linalg.norm(chain_product(layer_matrices(projected, shapes)) - target)) / scale
            worst = max(worst, left if np.isfinite(left) else np.inf)
    return ratios, worst
