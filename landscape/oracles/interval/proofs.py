r"""Proofs of a critical point's class in ball arithmetic, around a float64 candidate.

Each proof runs on a box around the candidate and never trusts the float64 point itself:

* **Existence and uniqueness** — the Krawczyk test (:mod:`landscape.oracles.interval.krawczyk`): one
  critical point x* in the box X = x~ +- r.
* **Strict minimum** — the Hessian enclosure over X is positive definite
  (:func:`~landscape.oracles.interval.matrices.eigenvalue_lower_bound` > 0); then F is strongly convex on X
  and x* is its strict minimiser there.
* **Strict saddle** — a direction d with d^T H d < 0 for every H of the enclosure over X, so at x*.
* **Non-strict (Morse-Bott) minimum, by quotient reduction** — a family with an exact symmetry
  supplies a set C of critical points through x*, x*(s) = x* + T s, along which F is constant.
  Let N be coordinate axes completing T to a basis (``keep``).  Near x*, every x is
  x*(s) + N u for one (s, u), and Taylor's theorem at the critical point x*(s) gives
  F(x) = F(x*) + u^T N^T H(xi) N u / 2 with xi in the box: if the normal block N^T H N of the
  enclosure over the box is positive definite, F(x) >= F(x*) near x*, with equality only on C.
  Two reductions exist:

  - ``exact-line``: the candidate is exactly critical along the whole segment x~ + T s, |s| <= R
    (the gradient's ball enclosure over that segment is exactly zero, radius 0): then C is
    that segment (seed 001 Fig. 2: the single neuron at a zero of phi that is a local extremum).
  - ``duplicate-neurons`` (sigmoid nets): neurons with identical incoming weights act through the
    sum V of their output weights, so on the affine set A = x~ + range(E) (group rows moved
    together, one output weight per group) F equals the loss of the merged, narrower net.  Krawczyk
    on F(x~ + E delta) proves a unique critical point of the merged net; at it
    dF/dw_j = v_j S with V S = 0, so when V != 0 (checked on the box) x* is critical for F, and
    so is every x* + T s (output weights moved within a group: T, the family's flat directions).

* **Sub-optimality** — the loss enclosure over X lies above the enclosure of F at a better point
  (a recorded one, or the family's optimum point), so F(x*) > min F.

A degenerate saddle (singular Hessian, no reduction) is outside the Krawczyk test: its class stays
float64 (or exact, where the family's symbolic form applies at an exactly critical point).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import torch
from flint import arb

from landscape.errors import InvalidArgument
from landscape.oracles.interval.forms import IntervalForm, interval_form, missing_form_reason
from landscape.oracles.interval.jets import Jet, NotSmooth
from landscape.oracles.interval.krawczyk import Existence, balls, embed, krawczyk
from landscape.oracles.interval.matrices import eigenvalue_lower_bound, lower, quadratic_form, submatrix, to_arb_mat, upper
from landscape.landscapes.base import DTYPE

CLAIMS = ("strict-minimum", "morse-bott-minimum", "strict-saddle")
FIRST_RADIUS_STEPS = 100.0  # first box: 100 Newton steps, so the float error sits deep inside it
MIN_RELATIVE_RADIUS = 1e-10  # ... but never below 1e-10 x max(1, |x|): rounding in H needs room
RADIUS_GROWTH = (1.0, 1e2, 1e4)  # boxes tried in turn; the first that proves everything is kept
REFUSE_NEWTON_STEP = 1e-4  # relative Newton step above which the point is not near a critical point


class NotCritical(InvalidArgument):
    """A proof was asked at a point that is not near a critical point (a clear refusal)."""


@dataclass(slots=True)
class Reduction:
    """How the proof reduces the problem: the embedding E of the reduced coordinates, the flat
    directions T and the normal coordinates ``keep`` (None: no reduction, a nondegenerate point)."""

    name: str
    embedding: np.ndarray | None = None
    flats: np.ndarray | None = None
    keep: list[int] | None = None
    note: str = ""


@dataclass(slots=True)
class IntervalProof:
    """The outcome of :func:`prove`.

    Attributes:
        proved: every part (existence, class, sub-optimality when asked) holds in ball arithmetic.
        claim: one of :data:`CLAIMS`.
        radius: the box's half-width r (sup norm) in the test's coordinates.
        parts: part name -> (passed, detail with the figures).
        reason: why not, when ``proved`` is False (one line with numbers).
        args: the arguments that let a replay re-run the same proof.
    """

    proved: bool
    claim: str
    radius: float
    parts: dict[str, tuple[bool, str]] = field(default_factory=dict)
    reason: str = ""
    args: dict[str, Any] = field(default_factory=dict)


# -- reductions ------------------------------------------------------------------------------


def _normal_coordinates(flats: np.ndarray) -> list[int]:
    """Coordinates completing the columns of T to a basis: drop T's pivot rows (QR with pivoting)."""
    _, _, pivots = scipy.linalg.qr(flats.T, pivoting=True)
    dropped = set(int(p) for p in pivots[: flats.shape[1]])
    block = flats[sorted(dropped), :]
    if abs(np.linalg.det(block)) < 0.5:  # integer flat directions: |det| >= 1 when non-singular
        raise InvalidArgument("the flat directions do not complete to a basis with coordinate axes")
    return [i for i in range(flats.shape[0]) if i not in dropped]


def duplicate_neurons(landscape: Any, point: np.ndarray) -> Reduction | None:
    """Sigmoid nets: group neurons with identical incoming weights (see the module docstring)."""
    if getattr(landscape, "family", None) != "sigmoid-net":
        return None
    p, d = landscape.width, landscape.d
    rows = point[: p * d].reshape(p, d)
    first = [next(i for i in range(j + 1) if np.array_equal(rows[i], rows[j])) for j in range(p)]
    leaders = sorted(set(first))
    if len(leaders) == p:
        return None
    columns = []
    for leader in leaders:
        members = [j for j in range(p) if first[j] == leader]
        for c in range(d):
            column = np.zeros(point.size)
            column[[j * d + c for j in members]] = 1.0
            columns.append(column)
    for leader in leaders:
        column = np.zeros(point.size)
        column[p * d + leader] = 1.0
        columns.append(column)
    flats = landscape.flat_directions(point)
    return Reduction("duplicate-neurons", np.stack(columns, axis=1), flats, _normal_coordinates(flats),
                     f"{p} neurons in {len(leaders)} groups of identical incoming weights")


def _group_sums_exclude_zero(landscape: Any, point: np.ndarray, radius: float) -> tuple[bool, str]:
    p, d = landscape.width, landscape.d
    rows = point[: p * d].reshape(p, d)
    worst = math.inf
    for leader in range(p):
        members = [j for j in range(p) if np.array_equal(rows[j], rows[leader])]
        if members[0] != leader or len(members) < 2:
            continue
        total = sum((arb(float(point[p * d + j])) for j in members), arb(0)) + arb(0, radius)
        if not (total > 0 or total < 0):
            return False, f"a group's output-weight sum {total.str(5, radius=True)} may be 0"
        worst = min(worst, lower(abs(total)))
    return True, f"every group's output-weight sum V has |V| >= {worst:.4g}"


# -- the proof -------------------------------------------------------------------------------


def reduction_for(landscape: Any, point: np.ndarray, claim: str, form: IntervalForm) -> Reduction:
    """No reduction for nondegenerate points; duplicate neurons (a saddle or a Morse-Bott minimum
    of a sigmoid net) are merged; other Morse-Bott points need an exactly critical line."""
    if claim == "strict-minimum":
        return Reduction("none")
    if claim == "strict-saddle":
        duplicate = duplicate_neurons(landscape, point)
        return Reduction("none") if duplicate is None else duplicate
    flats = landscape.flat_directions(point)
    if flats is None:
        raise InvalidArgument("the landscape names no flat directions at this point: no quotient reduction")
    duplicate = duplicate_neurons(landscape, point)
    if duplicate is not None:
        return duplicate
    return Reduction("exact-line", None, flats, _normal_coordinates(flats), f"{flats.shape[1]} exactly flat direction(s)")


def _existence_exact_line(form: IntervalForm, point: np.ndarray, flats: np.ndarray, radius: float) -> tuple[bool, str]:
    """The gradient is exactly 0 on the segment x~ + T s, |s_k| <= radius (ball radius 0 throughout)."""
    segment = embed(flats, point, [arb(0, radius)] * flats.shape[1])
    gradient = form(segment, False).grad
    exact_zero = all(gradient[i, 0].is_zero() for i in range(gradient.nrows()))
    largest = max(upper(abs(gradient[i, 0])) for i in range(gradient.nrows()))
    detail = (f"gradient exactly 0 on the critical segment x + T s, |s| <= {radius:.3g} ({flats.shape[1]} flat direction(s))"
              if exact_zero else f"gradient on the segment x + T s not exactly 0 (enclosure up to {largest:.3g})")
    return exact_zero, detail


def existence(landscape: Any, point: np.ndarray, radius: float, reduction: Reduction) -> tuple[bool, str, Existence | None]:
    """The existence part on the box of ``radius``: (proved, detail, Krawczyk outcome or None)."""
    form = interval_form(landscape)
    if form is None:
        return False, missing_form_reason(landscape), None
    if reduction.name == "exact-line":
        passed, detail = _existence_exact_line(form, point, reduction.flats, radius)
        return passed, detail, None
    centre = np.zeros(reduction.embedding.shape[1]) if reduction.embedding is not None else point
    if reduction.embedding is not None:
        reduced_form = _shifted(form, point, reduction.embedding)
        outcome = krawczyk(reduced_form, centre, radius)
    else:
        outcome = krawczyk(form, centre, radius)
    where = "reduced coordinates of the merged net" if reduction.embedding is not None else "the box"
    detail = (f"Krawczyk: K(X) inside X = x +- {radius:.3g} ({where}), contraction {outcome.contraction:.3g} < 1: "
              f"one critical point, unique in X, within {outcome.newton_step:.3g} of x (Newton step)")
    if not outcome.proved:
        detail = (f"Krawczyk failed on X = x +- {radius:.3g}: contraction {outcome.contraction:.3g} >= 1 "
                  f"(Newton step {outcome.newton_step:.3g})")
        if not math.isfinite(outcome.newton_step):
            detail = (f"Krawczyk failed on X = x +- {radius:.3g}: the Hessian is singular to working precision, so the "
                      "critical point is not isolated (a symmetry orbit or a degenerate point) and no box can hold it alone")
    passed = outcome.proved
    if passed and reduction.name == "duplicate-neurons":
        nonzero, note = _group_sums_exclude_zero(landscape, point, radius)
        passed, detail = nonzero, detail + "; " + note
    return passed, detail, outcome


def _shifted(form: IntervalForm, point: np.ndarray, embedding: np.ndarray) -> IntervalForm:
    """delta -> F(x~ + E delta) with the chain rule applied to the jets' gradient and Hessian."""
    e = to_arb_mat(embedding)

    def reduced(deltas: list[arb], second_order: bool) -> Jet:
        full = form(embed(embedding, point, list(deltas)), second_order)
        hess = None if full.hess is None else e.transpose() * full.hess * e
        return Jet(full.value, e.transpose() * full.grad, hess)

    return reduced


def class_part(landscape: Any, point: np.ndarray, radius: float, claim: str, reduction: Reduction,
               direction: np.ndarray | None) -> tuple[bool, str, arb]:
    """The class on the full box x~ +- 2r (it contains the reduced box's image): (passed, detail, loss enclosure)."""
    form = interval_form(landscape)
    full_radius = radius if reduction.name == "none" else 2.0 * radius
    over = form(balls(point, full_radius), True)
    if claim == "strict-saddle":
        if direction is None:
            return False, "no descent direction recorded for the saddle", over.value
        value = quadratic_form(over.hess, direction)
        passed = bool(value < 0)
        return passed, f"d^T H d <= {upper(value):.4g} < 0 for every H over the box" if passed else \
            f"Rayleigh quotient not certified negative: d^T H d in [{lower(value):.4g}, {upper(value):.4g}]", over.value
    matrix = over.hess if reduction.keep is None else submatrix(over.hess, reduction.keep)
    bound = eigenvalue_lower_bound(matrix)
    which = "Hessian" if reduction.keep is None else f"normal Hessian ({len(reduction.keep)} of {point.size} coordinates)"
    if bound > 0:
        return True, f"{which} enclosure over x +- {full_radius:.3g} positive definite: lambda_min >= {bound:.4g}", over.value
    return False, f"{which} enclosure not definite over x +- {full_radius:.3g}: eigenvalue bound {bound:.3g}", over.value


# Families whose global minimum value is exactly 0 by a fact, not by evaluation: F is an
# expectation of a square and the student that copies the teacher makes the integrand 0.
ZERO_MINIMUM_FACTS = {"relu-teacher": "F >= 0 (an expected square) and F = 0 where the student copies the teacher (n >= k)"}


def suboptimal_part(landscape: Any, loss_over_box: arb, better: np.ndarray) -> tuple[bool, str]:
    form = interval_form(landscape)
    try:
        at_better = form(balls(better, 0.0), False).value
        what = "loss at the better point"
    except NotSmooth:  # a better point on a kink (a teacher copy): the family's exact minimum instead
        fact = ZERO_MINIMUM_FACTS.get(getattr(landscape, "family", ""))
        if fact is None or getattr(landscape, "students", 0) < getattr(landscape, "k", 1):
            return False, "the better point lies where the loss is not smooth and the family states no exact minimum"
        at_better, what = arb(0), f"min F ({fact})"
    passed = bool(loss_over_box > at_better)
    return passed, (f"loss over the box >= {lower(loss_over_box):.10g} > {upper(at_better):.6g} >= {what}"
                    if passed else f"loss enclosure over the box [{lower(loss_over_box):.6g}, {upper(loss_over_box):.6g}] "
                    f"not above the better point's {upper(at_better):.6g}")


def newton_refusal(landscape: Any, point: np.ndarray) -> None:
    """Refuse (NotCritical) where the float gradient is far from zero: no box can hold a critical point."""
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    gradient = landscape.gradient(theta)[0].numpy()
    hessian = landscape.hessian(theta)[0].numpy()
    scale = max(1.0, float(np.abs(point).max()))
    try:
        step = float(np.abs(np.linalg.lstsq(hessian, gradient, rcond=None)[0]).max())
    except np.linalg.LinAlgError:
        step = math.inf
    if not step <= REFUSE_NEWTON_STEP * scale:
        raise NotCritical(
            f"not a critical point: |grad F| = {np.linalg.norm(gradient):.3g}, Newton step {step:.3g} > "
            f"{REFUSE_NEWTON_STEP:g} x max(1, |x|); refine the point (landscape's Newton refinement) before asking for a proof"
        )


def prove(landscape: Any, point: np.ndarray, claim: str, direction: np.ndarray | None = None,
          better: np.ndarray | None = None) -> IntervalProof:
    """Try the boxes of :data:`RADIUS_GROWTH`; the first proving every part is kept, else the last
    failure's reason.  Raises :class:`NotCritical` at a point far from critical."""
    if claim not in CLAIMS:
        raise InvalidArgument(f"claim={claim!r} must be one of {CLAIMS}")
    point = np.asarray(point, dtype=np.float64)
    form = interval_form(landscape)
    if form is None:
        return IntervalProof(False, claim, 0.0, reason=missing_form_reason(landscape))
    newton_refusal(landscape, point)
    try:
        reduction = reduction_for(landscape, point, claim, form)
    except InvalidArgument as exc:
        return IntervalProof(False, claim, 0.0, reason=str(exc))
    first = _two_digits(max(FIRST_RADIUS_STEPS * _newton_step(form, point, reduction),
                            MIN_RELATIVE_RADIUS * max(1.0, float(np.abs(point).max()))))
    proof = IntervalProof(False, claim, 0.0, reason="no box tried")
    for growth in RADIUS_GROWTH:
        proof = run_proof(landscape, point, first * growth, claim, reduction, direction, better)
        if proof.proved:
            return proof
    return proof


def _two_digits(radius: float) -> float:
    """The radius rounded up to two significant digits: the last bits of a float Newton step may
    differ between BLAS builds or thread counts, and the certificate must not."""
    exponent = math.floor(math.log10(radius)) - 1
    digits = math.ceil(radius / 10.0**exponent * (1.0 - 1e-12))
    return max(float(f"{digits}e{exponent}"), radius)


def _newton_step(form: IntervalForm, point: np.ndarray, reduction: Reduction) -> float:
    if reduction.name == "exact-line":
        return 0.0
    probe = krawczyk(_shifted(form, point, reduction.embedding), np.zeros(reduction.embedding.shape[1]), 0.0) \
        if reduction.embedding is not None else krawczyk(form, point, 0.0)
    return probe.newton_step if math.isfinite(probe.newton_step) else 0.0


def run_proof(landscape: Any, point: np.ndarray, radius: float, claim: str, reduction: Reduction,
              direction: np.ndarray | None, better: np.ndarray | None) -> IntervalProof:
    """Every part on one box; the same function the certificate checks call on replay."""
    args: dict[str, Any] = {"claim": claim, "radius": radius, "reduction": reduction.name}
    if direction is not None:
        args["direction"] = [float(v) for v in direction]
    if better is not None:
        args["better"] = [float(v) for v in better]
    proof = IntervalProof(False, claim, radius, args=args)
    try:
        found, detail, _ = existence(landscape, point, radius, reduction)
        proof.parts["existence"] = (found, detail)
        passed, detail, loss_box = class_part(landscape, point, radius, claim, reduction, direction)
        proof.parts["class"] = (passed, detail)
        if better is not None:
            proof.parts["suboptimal"] = suboptimal_part(landscape, loss_box, np.asarray(better, dtype=np.float64))
    except NotSmooth as exc:
        proof.reason = f"the loss is not smooth on the box x +- {radius:.3g}: {exc}"
        return proof
    proof.proved = all(ok for ok, _ in proof.parts.values())
    if not proof.proved:
        proof.reason = "; ".join(detail for ok, detail in proof.parts.values() if not ok)
    return proof
