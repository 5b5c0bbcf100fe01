r"""Critical points of deep linear networks by rank (seed 001 Thm III.2; seed 003 Thm 1.4).

Theorems: ``deep-linear-critical-points-by-rank`` (Yun-Sra-Jadbabaie) and
``deep-linear-strict-saddle-rank`` (Kawaguchi, third bullet); falsified variants at the end.

Besides random search, both use critical points built from the theory (generalising
:func:`landscape.oracles.critical.subset_critical_point`): for an index set J of eigenvectors of
Sigma, any middle layers W_2, ..., W_{L-1} (product M) and any B with MB of full column rank,

    W_1 = B Q_J^T S_yx S_xx^{-1},   W_L = Q_J (MB)^+

is critical: the product is P_J S_yx S_xx^{-1}, the column space of W_L is span(Q_J) and the row
space of W_1 lies in that of Q_J^T S_yx S_xx^{-1}, which kills every gradient (W_L..)^T G (..W_1)^T
with G = 2(P_J - I) S_yx.  With J empty (W_1 = W_L = 0) the point is critical for any middle.
Random middle layers have full rank, so these saddles meet Thm 1.4's rank hypothesis.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch

from landscape.generators.architectures import architectures
from landscape.certificates.registry import CheckResult, replayable
from landscape.oracles.classify import PointClass, Tolerances
from landscape.oracles.critical import random_invertible, theory_points
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen
from landscape.searching.critical_points import CRITICAL_POINT_MIX
from landscape.theorems.budget import BUDGETS
from landscape.theorems.common import SEARCHED, Survey, certified, certify, survey, with_provenance
from landscape.theorems.linear import LinearInstance, linear_instances
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.properties import NON_MINIMA

QUICK = BUDGETS["quick"]

POSITION = 90  # place in the catalogue (landscape.theorems.catalogue)

# rank decisions: full when sigma_min > FULL_RTOL sigma_max; deficient when sigma_min <= ZERO_RTOL
# sigma_max (or the matrix is 0); in between the point is skipped as numerically ambiguous.
FULL_RTOL = 1e-6
ZERO_RTOL = 1e-10


def rank_status(matrix: np.ndarray, target: int, scale: float) -> str:
    """``full`` (rank = target), ``deficient`` or ``ambiguous``; singular values are compared with
    ``scale``, the size the matrix would have without cancellation (a product of norms)."""
    singular = np.linalg.svd(matrix, compute_uv=False)
    top = max(scale, 1e-300)
    if singular.size == 0 or singular[0] <= ZERO_RTOL * top:
        return "deficient" if target > 0 else "full"
    clear = int((singular > FULL_RTOL * top).sum())
    zero = int((singular <= ZERO_RTOL * top).sum())
    if clear + zero != singular.size:
        return "ambiguous"
    return "full" if clear >= target else "deficient"


def _layers(landscape: DeepLinear, point: np.ndarray) -> list[np.ndarray]:
    return [w[0].numpy() for w in landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None])]


def product_of(layers: list[np.ndarray], size: int) -> np.ndarray:
    """W_k ... W_1 of the given layers (the identity of ``size`` when there are none)."""
    out = np.eye(size)
    for w in layers:
        out = w @ out
    return out


# The middle product's singular values are compared with at least this: starts are Xavier-scaled
# (middles of order 1), and a middle far smaller than that lies next to the origin, where its
# rank is numerically at the boundary (ambiguous), whatever its own shape says.
MIDDLE_SCALE_FLOOR = 1.0


def middle(landscape: DeepLinear, point: np.ndarray) -> tuple[np.ndarray, float]:
    """W_{L-1} ... W_2 (the identity of width d_1 when L = 2) and its scale: the product of the
    layers' norms, at least :data:`MIDDLE_SCALE_FLOOR`."""
    layers = _layers(landscape, point)[1:-1]
    scale = float(np.prod([np.linalg.norm(w, 2) for w in layers]))
    return product_of(layers, landscape.widths[1]), max(scale, MIDDLE_SCALE_FLOOR)


def end_to_end(landscape: DeepLinear, point: np.ndarray) -> tuple[np.ndarray, float]:
    """W_L ... W_1 and its natural scale: the larger of prod ||W_l|| and ||S_yx S_xx^+||."""
    layers = _layers(landscape, point)
    natural = float(np.linalg.norm(landscape.syx @ np.linalg.pinv(landscape.sxx, hermitian=True), 2))
    return product_of(layers, landscape.widths[0]), max(float(np.prod([np.linalg.norm(w, 2) for w in layers])), natural)


@replayable("matrix-rank")
def check_matrix_rank(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The rank status of the end-to-end product (``of='product'``, target min(d_0, d_L)) or of the
    middle product W_{L-1}..W_2 (``of='middle'``, target the minimal hidden width) is ``expect``."""
    if not isinstance(landscape, DeepLinear):
        return CheckResult("matrix-rank", False, "needs a deep linear landscape")
    which = args["of"]
    if which == "product":
        (matrix, scale), target = end_to_end(landscape, point), min(landscape.widths[0], landscape.widths[-1])
    else:
        (matrix, scale), target = middle(landscape, point), min(landscape.widths[1:-1])
    status = rank_status(matrix, target, scale)
    singular = np.linalg.svd(matrix, compute_uv=False)
    return CheckResult(
        "matrix-rank", status == args["expect"],
        f"{which}: singular values {np.array2string(singular, precision=4)}, target rank {target}: {status} (expected {args['expect']})",
    )


def general_subset_point(landscape: DeepLinear, subset: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """The critical point of the module docstring for J = ``subset`` with random middle layers."""
    _, q = sigma_eigen(landscape)
    qj = q[:, list(subset)]
    sxx_inv = np.linalg.pinv(landscape.sxx, hermitian=True)
    shapes = landscape.shapes
    middles = [random_invertible(max(r, c), rng)[:r, :c] for r, c in shapes[1:-1]]
    m = product_of(middles, landscape.widths[1])
    b = rng.standard_normal((landscape.widths[1], len(subset)))
    w1 = b @ qj.T @ landscape.syx @ sxx_inv
    wl = qj @ np.linalg.pinv(m @ b) if subset else np.zeros(shapes[-1])
    return np.concatenate([w.reshape(-1) for w in [w1, *middles, wl]])


def special_points(landscape: DeepLinear, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """Theory points (origin, subset points) and subset points with random full-rank middles."""
    points = theory_points(landscape, rng)
    k = min(landscape.widths)
    for label, _ in list(points):
        if label.startswith("J="):
            subset = tuple(int(i) - 1 for i in label[3:-1].split(","))
            if len(subset) <= k:
                points.append((label + ", full-rank middle", general_subset_point(landscape, subset, rng)))
    if landscape.depth >= 3:
        points.append(("W_1 = W_L = 0, full-rank middle", general_subset_point(landscape, (), rng)))
    return points


# Random starts of the two rank theorems: enough for every search mode to get some on small
# instances, three times that on large ones (more saddle strata to reach).
SEARCH_RESTARTS = 8


def _restarts(context: Context, restarts: int) -> int:
    return min(context.budget.restarts, context.budget.sized(restarts, 3 * restarts))


def _report(found: Survey, unresolved: int, checked: int, searched: int, what: str) -> Evidence:
    """Supports only when no candidate was undecided and the search itself reached a candidate the
    claim is about (``searched``): the claim's quantifier was exercised, not only named points."""
    message = f"{checked} critical candidates {what} ({searched} found by the search)"
    if unresolved:
        message += f"; {unresolved} second-order stationary, undecided"
    elif not searched:
        message += f"; no saddle the claim is about reached in {found.restarts} starts"
    outcome = Outcome.SUPPORTS if searched and not unresolved else Outcome.INCONCLUSIVE
    return with_provenance(Evidence(outcome, message, None, found.counts(), found.restarts), found)


def by_rank_check(theorem_id: str, restarts: int = SEARCH_RESTARTS):
    r"""Property of 001 Thm III.2: every critical point whose product W_L..W_1 has full rank is a
    global minimum, and every one with a singular product is a saddle (strict or degenerate)."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        special = special_points(landscape, np.random.default_rng(seed))
        found = survey(landscape, context, seed, special, restarts=_restarts(context, restarts), mix=CRITICAL_POINT_MIX)
        counts, unresolved, checked, searched = found.counts(), 0, 0, 0
        target = min(landscape.widths[0], landscape.widths[-1])
        for (label, point, kind), origin in zip(found.items(), found.provenance):
            if kind.kind is PointClass.NOT_CRITICAL:
                continue
            matrix, scale = end_to_end(landscape, point)
            status = rank_status(matrix, target, scale)
            checked += 1
            searched += origin == SEARCHED and status == "deficient" and kind.kind in NON_MINIMA
            bad = (status == "full" and kind.kind is not PointClass.GLOBAL_MINIMUM) or (status == "deficient" and kind.kind.is_minimum)
            if bad:
                claim = f"{label}: a critical point with {'full-rank' if status == 'full' else 'singular'} product that is a {kind.kind.value}"
                entry = {"name": "matrix-rank", "args": {"of": "product", "expect": status}}
                cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, [entry])
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts, found)
            unresolved += status == "deficient" and kind.kind is PointClass.SECOND_ORDER_STATIONARY
        return _report(found, unresolved, checked, searched, "as Thm III.2 says (full rank: global; singular: saddle)")

    return check


DEEP_LINEAR_CRITICAL_POINTS_BY_RANK = Theorem(
    id="deep-linear-critical-points-by-rank",
    title="Deep linear networks: full-rank critical points are global, singular ones are saddles",
    source="001 Thm III.2 (Yun, Sra, Jadbabaie 2018)",
    statement=(
        "If $XX^\\top$ and $XY^\\top$ have full rank, $YX^\\top(XX^\\top)^{-1}X$ has distinct singular values and the thinnest "
        "layer is the input or the output ($\\min_i d_i = \\min(d_x, d_y)$), every critical point with full-rank product "
        "$W_L\\cdots W_1$ is a global minimum and every critical point with singular product is a saddle."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: linear_instances(
        architectures(min_depth=2, max_depth=budget.sized(3, 6), max_width=budget.sized(2, 6), bottleneck=False)
    ),
    check=by_rank_check("deep-linear-critical-points-by-rank"),
    hypotheses=("no bottleneck: every hidden width >= min(d_0, d_L)", "planted distinct spectrum, full-rank X, S_xy", "depth 2-3, widths 1-2 (quick); depth 2-6, widths 1-6 (standard)"),
)


def strict_rank_check(theorem_id: str, require_rank: bool = True):
    r"""Property of 003 Thm 1.4 (third bullet): a saddle with rank(W_{L-1} .. W_2) equal to the minimal
    hidden width is strict.  The variant drops the rank hypothesis (every saddle is strict)."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        special = special_points(landscape, np.random.default_rng(seed))
        found = survey(landscape, context, seed, special, restarts=_restarts(context, SEARCH_RESTARTS), mix=CRITICAL_POINT_MIX)
        counts, unresolved, checked, searched = found.counts(), 0, 0, 0
        target = min(landscape.widths[1:-1])
        for (label, point, kind), origin in zip(found.items(), found.provenance):
            if not (kind.kind.is_saddle or kind.kind is PointClass.SECOND_ORDER_STATIONARY):
                continue
            matrix, scale = middle(landscape, point)
            status = rank_status(matrix, target, scale)
            if require_rank and status != "full":
                continue
            checked += 1
            searched += origin == SEARCHED
            if kind.kind is PointClass.DEGENERATE_SADDLE:
                claim = f"{label}: a saddle with {status}-rank middle product W_(L-1)..W_2 that is not strict ({kind.level})"
                # The rank is part of the claim only under the rank hypothesis.
                entries = [{"name": "matrix-rank", "args": {"of": "middle", "expect": status}}] if require_rank else []
                cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, entries, exact=True)
                if cert is None and origin == SEARCHED:  # a searched point need not snap to an exact one
                    cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, entries)
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts, found)
            unresolved += kind.kind is PointClass.SECOND_ORDER_STATIONARY
        return _report(found, unresolved, checked, searched, "saddles with full-rank middle product, all strict")

    return check


DEEP_LINEAR_STRICT_SADDLE_RANK = Theorem(
    id="deep-linear-strict-saddle-rank",
    title="Deep linear networks: saddles with full-rank middle product are strict",
    source="003 Thm 1.4 (third bullet; Kawaguchi 2016)",
    statement=(
        "Under Thm 1.4's assumptions, a saddle point with $\\operatorname{rank}(W^{[L-1]}\\cdots W^{[2]}) = \\min_{1\\le l\\le L-1} n_l$ "
        "is strict: the Hessian has a negative eigenvalue."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: linear_instances(
        architectures(min_depth=2, max_depth=budget.sized(4, 6), max_width=budget.sized(2, 6), max_output_width=budget.sized(2, 4))
    ),
    check=strict_rank_check("deep-linear-strict-saddle-rank"),
    hypotheses=("S_xx, S_xy full rank, d_L <= d_0, Sigma with distinct eigenvalues", "depth 2-4, widths 1-2 (quick); depth 2-6, widths 1-6 (standard)"),
)

VARIANTS = [
    Theorem(
        id="variant-by-rank-with-bottleneck",
        title="(false) Thm III.2 with a bottleneck: singular critical points are saddles",
        source="001 Thm III.2 with 'the thinnest layer is the input or the output' dropped",
        statement="Dropped hypothesis: with a hidden layer narrower than $\\min(d_x, d_y)$ every product is singular, and the "
        "global minimum refutes 'singular => saddle'.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(architectures(min_depth=2, max_depth=3, max_width=3, bottleneck=True)),
        check=by_rank_check("variant-by-rank-with-bottleneck", restarts=4),
        hypotheses=("a hidden width < min(d_0, d_L)",),
        falsifies="deep-linear-critical-points-by-rank",
    ),
    Theorem(
        id="variant-strict-saddle-any-rank",
        title="(false) Every saddle of a deep linear network is strict, whatever the middle rank",
        source="003 Thm 1.4 with the rank hypothesis of the third bullet dropped",
        statement="Dropped hypothesis: saddles with $\\operatorname{rank}(W^{[L-1]}\\cdots W^{[2]}) < \\min_l n_l$ are claimed "
        "strict; the fourth bullet's degenerate saddles refute it.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(architectures(min_depth=3, max_depth=4, max_width=2, max_output_width=2)),
        check=strict_rank_check("variant-strict-saddle-any-rank", require_rank=False),
        hypotheses=("depth 3-4",),
        falsifies="deep-linear-strict-saddle-rank",
    ),
]

THEOREMS = [DEEP_LINEAR_CRITICAL_POINTS_BY_RANK, DEEP_LINEAR_STRICT_SADDLE_RANK]
