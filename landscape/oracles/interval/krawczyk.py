r"""Existence and uniqueness of a critical point in a box: the Krawczyk test on the gradient.

For :math:`g = \nabla F` (or :math:`g = E^\top \nabla F(E\,\cdot)`, the gradient of F on the
image of an embedding E, see :mod:`landscape.oracles.interval.proofs`), a box
:math:`X = \tilde y + [-r, r]^q`, a float preconditioner :math:`Y \approx \nabla g(\tilde y)^{-1}`
and an enclosure :math:`\mathbf H \ni \nabla g(x)` for every x in X, the Krawczyk operator

.. math::
    K(X) = \tilde y - Y g(\tilde y) + (I - Y\mathbf H)(X - \tilde y)

satisfies: if :math:`K(X) \subset \operatorname{int} X` then g has exactly one zero in X, and it
lies in K(X) (Krawczyk 1969; Moore 1977; Neumaier, *Interval Methods for Systems of Equations*,
1990, Thm 5.1.8).  All of it is evaluated in Arb ball arithmetic; Y is any float matrix (it
only decides whether the test succeeds, never whether its conclusion holds).  The contraction
figure reported is :math:`\max_i |K_i - \tilde y_i| / r` (upper bound): below 1 proves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import arb, arb_mat

from landscape.oracles.interval.forms import IntervalForm
from landscape.oracles.interval.matrices import max_abs, mid_array, to_arb_mat

SINGULAR_CONDITION = 1e12  # beyond this the float Hessian is singular to working precision: no isolated zero


@dataclass(slots=True)
class Enclosures:
    """Gradient at the centre, Hessian and loss over the box, in the full coordinates."""

    gradient: arb_mat  # (P, 1) at the centre point
    hessian: arb_mat  # (P, P) over the box
    loss: arb  # over the box


@dataclass(slots=True)
class Existence:
    """Outcome of one Krawczyk test.

    Attributes:
        proved: K(X) lies inside the open box: one critical point, unique in the box.
        radius: the box's half-width r (sup norm), in the coordinates of the test.
        contraction: max_i |K_i - centre_i| / r, an upper bound (< 1 proves).
        newton_step: |Y g(centre)|_inf, the float estimate of the distance to the critical point.
        enclosures: gradient, Hessian, loss enclosures (full coordinates) for the class proofs.
    """

    proved: bool
    radius: float
    contraction: float
    newton_step: float
    enclosures: Enclosures


def balls(centre: np.ndarray, radius: float) -> list[arb]:
    """The box centre +- radius as Arb balls (float centres exact, radius rounded up)."""
    return [arb(float(c), radius) if radius > 0 else arb(float(c)) for c in np.asarray(centre, dtype=np.float64)]


def embed(embedding: np.ndarray | None, shift: np.ndarray | None, reduced: list[arb]) -> list[arb]:
    """x = E y (+ shift), in ball arithmetic; the identity when ``embedding`` is None."""
    if embedding is None:
        return reduced
    y = arb_mat([[b] for b in reduced])
    x = to_arb_mat(embedding) * y
    out = [x[i, 0] for i in range(x.nrows())]
    if shift is not None:
        out = [a + float(s) for a, s in zip(out, shift)]
    return out


def enclose(form: IntervalForm, centre: list[arb], box: list[arb]) -> Enclosures:
    at_centre = form(centre, False)
    over_box = form(box, True)
    return Enclosures(at_centre.grad, over_box.hess, over_box.value)


def krawczyk(form: IntervalForm, centre: np.ndarray, radius: float) -> Existence:
    """Run the test on the box ``centre +- radius`` (a reduced problem passes its reduced form)."""
    size = centre.size
    enclosures = enclose(form, balls(centre, 0.0), balls(centre, radius))
    gradient, hessian = enclosures.gradient, enclosures.hessian
    centre_hessian = mid_array(hessian)
    if not np.isfinite(centre_hessian).all() or np.linalg.cond(centre_hessian) > SINGULAR_CONDITION:
        return Existence(False, radius, float("inf"), float("inf"), enclosures)
    try:
        preconditioner = np.linalg.inv(centre_hessian)
    except np.linalg.LinAlgError:
        return Existence(False, radius, float("inf"), float("inf"), enclosures)
    if not np.isfinite(preconditioner).all():
        return Existence(False, radius, float("inf"), float("inf"), enclosures)
    y = to_arb_mat(preconditioner)
    step = y * gradient
    identity = arb_mat([[int(i == j) for j in range(size)] for i in range(size)])
    spread = arb_mat([[arb(0, radius)] for _ in range(size)])
    offset = -step + (identity - y * hessian) * spread
    contraction = max_abs(offset) / radius if radius > 0 else float("inf")
    proved = all(abs(offset[i, 0]) < radius for i in range(size))
    return Existence(proved, radius, contraction, max_abs(step), enclosures)
