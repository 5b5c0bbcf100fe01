r"""Rigorous tests on interval (ball) matrices: definiteness, Rayleigh quotients, conversions.

**Positive definiteness of every matrix in a symmetric enclosure M** (the Hessian over a box).
Take a float64 eigenvector matrix Q of mid(M) and enclose :math:`D = Q^\top M Q` in ball
arithmetic.  If every Gershgorin disc of D lies right of g > 0, every A in M has
:math:`Q^\top A Q \succ 0`, hence A is positive definite (Sylvester's law of inertia, Q is
non-singular).  With :math:`\|Q^\top Q - I\|_\infty \le \varepsilon < 1` (also enclosed),
:math:`x^\top A x = y^\top Q^\top A Q y \ge g\|y\|^2 \ge g\|x\|^2/(1+\varepsilon)`: the figure
returned is this lower bound on the smallest eigenvalue over the whole enclosure.  The float
eigen-decomposition only chooses Q; nothing rests on its accuracy.
"""

from __future__ import annotations

import math

import numpy as np
from flint import arb, arb_mat


def mid_array(matrix: arb_mat) -> np.ndarray:
    """The midpoints of a ball matrix as float64 (the centre the float heuristics use)."""
    return np.array([[float(matrix[i, j].mid()) for j in range(matrix.ncols())] for i in range(matrix.nrows())])


def to_arb_mat(array: np.ndarray) -> arb_mat:
    """Exact conversion: every float64 is a dyadic rational, stored exactly in a ball of radius 0."""
    array = np.atleast_2d(np.asarray(array, dtype=np.float64))
    return arb_mat([[float(v) for v in row] for row in array])


def upper(value: arb) -> float:
    """A float64 >= every point of the ball (rounded outwards where the conversion rounded)."""
    candidate = float(value.upper())
    return candidate if arb(candidate) >= value else math.nextafter(candidate, math.inf)


def lower(value: arb) -> float:
    """A float64 <= every point of the ball."""
    candidate = float(value.lower())
    return candidate if arb(candidate) <= value else math.nextafter(candidate, -math.inf)


def max_abs(matrix: arb_mat) -> float:
    """A float upper bound on max |entry| over the enclosure."""
    return max((upper(abs(matrix[i, j])) for i in range(matrix.nrows()) for j in range(matrix.ncols())), default=0.0)


def symmetric_part(matrix: arb_mat) -> arb_mat:
    return (matrix + matrix.transpose()) * (arb(1) / 2)


def eigenvalue_lower_bound(matrix: arb_mat) -> float:
    """A rigorous lower bound on lambda_min of every symmetric A in ``matrix`` (see the module doc);
    ``-inf`` when Q is too far from orthogonal to conclude."""
    size = matrix.nrows()
    if size == 0:
        return math.inf
    centre = mid_array(matrix)
    _, vectors = np.linalg.eigh(0.5 * (centre + centre.T))
    q = to_arb_mat(vectors)
    d = q.transpose() * symmetric_part(matrix) * q
    gershgorin = min(
        lower(d[i, i] - sum((abs(d[i, j]) for j in range(size) if j != i), arb(0))) for i in range(size)
    )
    gram = q.transpose() * q - arb_mat([[int(i == j) for j in range(size)] for i in range(size)])
    epsilon = max(upper(sum((abs(gram[i, j]) for j in range(size)), arb(0))) for i in range(size))
    if epsilon >= 1.0:
        return -math.inf
    if gershgorin > 0:
        return math.nextafter(gershgorin / (1.0 + epsilon), -math.inf) * (1.0 - 1e-15)
    return math.nextafter(gershgorin / (1.0 - epsilon), -math.inf) if gershgorin < 0 else gershgorin


def quadratic_form(matrix: arb_mat, direction: np.ndarray) -> arb:
    """d^T A d enclosed over every A in ``matrix`` (d exact: its float64 entries)."""
    d = to_arb_mat(np.asarray(direction, dtype=np.float64).reshape(-1, 1))
    return (d.transpose() * matrix * d)[0, 0]


def submatrix(matrix: arb_mat, keep: list[int]) -> arb_mat:
    out = arb_mat(len(keep), len(keep))
    for a, i in enumerate(keep):
        for b, j in enumerate(keep):
            out[a, b] = matrix[i, j]
    return out
