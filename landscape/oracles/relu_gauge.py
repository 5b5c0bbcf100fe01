r"""Certified brackets for Omega_{phi,theta} of the one-hidden-layer ReLU pair (seed 003 §1.4.2, Def 1.7,
eq. (1.47)), scalar output, n_0 <= 2 inputs (a bias row included).

For phi(w1, w2) = w2 ReLU(w1^T X) and theta = (||w1||^2 + w2^2)/2, a unit is balanced when
|w2| = ||w1||, and then theta = |w2| ||w1||; so with atoms a(u) = ReLU(X^T u), ||u|| = 1,

.. math::
    \Omega(\Phi) = \inf\{\textstyle\sum_i |c_i| : \Phi = \sum_i c_i\, a(u_i)\},

the gauge of the convex hull of {±a(u)}, whose polar is Omega°(R) = max_{||u||=1} |<R, a(u)>|
(:func:`~landscape.landscapes.relu.relu_polar`, exact for n_0 <= 2).  Two certified bounds follow:

* lower: every R with Omega°(R) <= 1 gives <R, Phi> <= Omega(Phi) (Hölder for a gauge and its
  polar); R is the solution of a cutting-plane LP (constraints |<R, a(u_k)>| <= 1 for the units found
  so far), divided by its exact polar so that it is feasible;
* upper: an explicit factorisation Phi = sum_i c_i a(u_i) over the same units, min sum |c_i| by LP,
  turned into weights W (w1_i = sqrt|c_i| u_i, w2_i = sign(c_i) sqrt|c_i|) whose phi(W) is re-evaluated
  in float64; Theta(W) plus the l1 cost of representing the rounding residual Phi - phi(W) is the bound.

Each cut adds the polar's maximising unit, so the LP relaxation value (also an upper bound, by LP
duality equal to the best factorisation over the units so far) decreases and the best lower bound
increases.  The bracket is valid at every iteration; only its width depends on convergence.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from landscape.errors import InvalidArgument
from landscape.landscapes.relu import relu_polar

GAP_RTOL = 1e-7  # the cut loop stops once upper - lower <= this x upper (LP tolerances stall near 1e-9)
MAX_CUTS = 40  # cut iterations per bracket
SPAN_RTOL = 1e-9  # the initial atoms must have smallest singular value above this x the largest
SAME_UNIT_ATOL = 1e-12  # a cut unit this close to a known one adds nothing new
ACTIVE_ATOL = 1e-7  # |<R, a_k>| within this of 1 is read as an active constraint when polishing R
HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass(frozen=True, slots=True)
class GaugeBracket:
    """lower <= Omega(Phi) <= upper, with what certifies each side.

    Attributes:
        lower, upper: the certified bounds.
        dual: R with Omega°(R) = 1 (up to rounding) and <R, Phi> = lower.
        units: unit vectors u_i (rows) and ``coefficients`` c_i of the factorisation giving ``upper``.
        lower_history: the best lower bound after each cut (non-decreasing).
        relaxation_history: the LP relaxation value after each cut (non-increasing, each >= Omega).
        cuts: every unit the LP used (pass as ``start`` to tighten the bracket later).
    """

    lower: float
    upper: float
    dual: np.ndarray
    units: np.ndarray
    coefficients: np.ndarray
    lower_history: list[float] = field(default_factory=list)
    relaxation_history: list[float] = field(default_factory=list)
    cuts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def relative_width(self) -> float:
        return self.width / self.upper if self.upper > 0 else 0.0


def atoms(x: np.ndarray, units: np.ndarray) -> np.ndarray:
    """ReLU(X^T u) for each unit u (rows): (k, n)."""
    return np.maximum(units @ x, 0.0)


def initial_units(x: np.ndarray) -> np.ndarray:
    """Units at the ends and the middle of every arc of constant activation pattern (n_0 = 2), or
    ±1 (n_0 = 1)."""
    if x.shape[0] == 1:
        return np.array([[1.0], [-1.0]])
    angles = sorted({(math.atan2(xj[1], xj[0]) + s * math.pi / 2) % (2 * math.pi) for xj in x.T if np.any(xj) for s in (1, -1)})
    if not angles:
        raise InvalidArgument("X has no non-zero sample; Omega is +inf off the origin")
    ends = angles + [angles[0] + 2 * math.pi]
    middles = [0.5 * (a + b) for a, b in itertools.pairwise(ends)]
    return np.array([[math.cos(a), math.sin(a)] for a in angles + middles])


def arc_maximisers(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """For n_0 = 2, per arc of constant activation pattern S, the unit u = ±X_S R_S / ||X_S R_S||
    maximising |<R, a(u)>| = |<X_S R_S, u>| over the whole circle, kept when it lies in the arc (the
    arc-local maximisers in the interior; the arc ends are initial units).  Cuts in addition to the
    polar's maximiser: several per LP solve."""
    if x.shape[0] != 2:
        return np.zeros((0, x.shape[0]))
    out = []
    for u in initial_units(x)[len(initial_units(x)) // 2:]:
        active = (x.T @ u) > 0
        v = x[:, active] @ r[active]
        norm = float(np.linalg.norm(v))
        if norm == 0:
            continue
        for cand in (v / norm, -v / norm):
            if np.array_equal((x.T @ cand) > 0, active):
                out.append(cand)
    return np.array(out).reshape(-1, 2)


def _check_inputs(x: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, phi = np.asarray(x, dtype=np.float64), np.asarray(phi, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise InvalidArgument(f"X must be n_0 x n with n_0 <= 2 (the exact polar), got shape {x.shape}")
    if phi.shape != (x.shape[1],):
        raise InvalidArgument(f"Phi has {phi.size} entries but X has {x.shape[1]} samples; pass one output per sample")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(phi))):
        raise InvalidArgument("X and Phi must be finite")
    return x, phi


def _relaxation(a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, float]:
    """max <R, Phi> subject to |<R, a_k>| <= 1 for every atom a_k."""
    result = linprog(-phi, A_ub=np.vstack([a, -a]), b_ub=np.ones(2 * len(a)), bounds=(None, None), method="highs", options=HIGHS)
    if result.status != 0:
        raise InvalidArgument(f"the cutting-plane LP failed ({result.message}); are the samples distinct and non-zero?")
    r = np.asarray(result.x, dtype=np.float64)
    # Polish: the LP solution is a vertex; solve its active constraints <R, a_k> = ±1 exactly.
    values = a @ r
    active = np.abs(np.abs(values) - 1.0) <= ACTIVE_ATOL
    if active.sum() >= len(r):
        polished, *_ = np.linalg.lstsq(a[active], np.sign(values[active]), rcond=None)
        if np.max(np.abs(a @ polished)) <= np.max(np.abs(values)) and phi @ polished >= phi @ r - ACTIVE_ATOL * abs(phi @ r):
            r = polished
    return r, -float(result.fun)


def factorisation(x: np.ndarray, phi: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """min sum |c_i| subject to sum c_i a(u_i) = Phi (LP over c = c+ - c-), then the coefficients
    re-solved exactly (least squares) on the support: (units, coefficients) of the non-zero terms."""
    a = atoms(x, units)
    k = len(units)
    result = linprog(np.ones(2 * k), A_eq=np.hstack([a.T, -a.T]), b_eq=phi, bounds=(0, None), method="highs", options=HIGHS)
    if result.status != 0:
        raise InvalidArgument(f"no factorisation of Phi over the ReLU atoms ({result.message}); Phi is not representable")
    c = result.x[:k] - result.x[k:]
    support = np.abs(c) > 1e-12 * max(np.abs(c).max(), 1e-300)
    exact, *_ = np.linalg.lstsq(a[support].T, phi, rcond=None)
    basic = support.sum() <= np.linalg.matrix_rank(a[support])  # then the support determines c uniquely
    if basic and np.linalg.norm(a[support].T @ exact - phi) <= np.linalg.norm(a[support].T @ c[support] - phi):
        c = exact
    else:
        c = c[support]
    return units[support], c


def weights(units: np.ndarray, coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Balanced weights (W1 (n_0 x r), W2 (1 x r)) with phi(W) = sum c_i a(u_i) and Theta(W) = sum |c_i|."""
    scale = np.sqrt(np.abs(coefficients))
    return (units * scale[:, None]).T, (np.sign(coefficients) * scale)[None, :]


def upper_bound(x: np.ndarray, phi: np.ndarray, w1: np.ndarray, w2: np.ndarray, basis: np.ndarray) -> float:
    """Theta(W) + ||c_e||_1 where c_e represents the float64 residual e = Phi - phi(W) over ``basis``
    atoms: Omega(Phi) <= Theta(W) + Omega(e) (concatenating representations)."""
    output = (w2 @ np.maximum(w1.T @ x, 0.0)).reshape(-1)
    theta = 0.5 * float((w1**2).sum() + (w2**2).sum())
    residual = phi - output
    if not np.any(residual):
        return theta
    correction, *_ = np.linalg.lstsq(atoms(x, basis).T, residual, rcond=None)
    return theta + float(np.abs(correction).sum())


def gauge_bracket(x: np.ndarray, phi: np.ndarray, gap_rtol: float = GAP_RTOL, max_cuts: int = MAX_CUTS,
                  start: np.ndarray | None = None) -> GaugeBracket:
    """Certified lower <= Omega(Phi) <= upper for the ReLU pair on data X (see the module docstring);
    ``start``: the units of an earlier, looser bracket of the same Phi (their cuts are kept)."""
    x, phi = _check_inputs(x, phi)
    units = initial_units(x) if start is None or len(start) == 0 else np.asarray(start, dtype=np.float64)
    basis_singular = np.linalg.svd(atoms(x, initial_units(x)), compute_uv=False)
    if len(basis_singular) < x.shape[1] or basis_singular[-1] <= SPAN_RTOL * basis_singular[0]:
        raise InvalidArgument("the ReLU atoms of X do not span R^n (samples repeated or collinear through 0); use distinct samples with a bias row")
    if not np.any(phi):
        return GaugeBracket(0.0, 0.0, np.zeros_like(phi), np.zeros((0, x.shape[0])), np.zeros(0), [0.0], [0.0], units)
    basis = initial_units(x)
    best_lower, best_dual = -math.inf, np.zeros_like(phi)
    lowers, relaxations = [], []
    for _ in range(max_cuts):
        r, relaxed = _relaxation(atoms(x, units), phi)
        polar = relu_polar(x, r[None, :])
        if polar.value > 0:
            lower = float(phi @ r) / polar.value
            if lower > best_lower:
                best_lower, best_dual = lower, r / polar.value
        lowers.append(best_lower)
        relaxations.append(relaxed)
        if relaxations[-1] - best_lower <= gap_rtol * abs(relaxations[-1]):
            break
        if np.min(np.linalg.norm(units - polar.inner[None, :], axis=1)) <= SAME_UNIT_ATOL:
            break
        cuts = [polar.inner] + [u for u in arc_maximisers(x, r) if abs(float(atoms(x, u[None])[0] @ r)) > 1.0 + ACTIVE_ATOL]
        units = np.vstack([units] + [u[None] for u in cuts if np.min(np.linalg.norm(units - u[None], axis=1)) > SAME_UNIT_ATOL])
    support, coefficients = factorisation(x, phi, units)
    w1, w2 = weights(support, coefficients)
    upper = upper_bound(x, phi, w1, w2, basis)
    return GaugeBracket(best_lower, upper, best_dual, support, coefficients, lowers, relaxations, units)


def certified_lower(x: np.ndarray, phi: np.ndarray, dual: np.ndarray) -> float:
    """<R, Phi> / Omega°(R) for a recorded R: re-derives a lower bound from the exact polar alone."""
    polar = relu_polar(np.asarray(x, dtype=np.float64), np.asarray(dual, dtype=np.float64)[None, :]).value
    return float(np.asarray(phi) @ np.asarray(dual)) / polar if polar > 0 else 0.0
