"""Deep linear networks with squared loss (seed 001 §III; seed 003 §1.3; seed 000), and with a
convex loss of the product (Laurent-Brecht; seed 003 §1.3.2 end).

Theorems: ``deep-linear-no-bad-local-min``, ``one-hidden-strict-saddles``,
``deep-linear-degenerate-saddle-at-zero``; falsified variants at the end.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable, run_check
from landscape.generators.architectures import architectures, one_hidden_layer
from landscape.generators.data import Dataset, datasets
from landscape.landscapes.base import Landscape
from landscape.theorems.convex_instances import convex_loss_instances, rank_one_traps
from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen
from landscape.oracles.classify import Classification, PointClass, Tolerances, classify
from landscape.oracles.critical import random_invertible, theory_points
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import CRITICAL_POINT_MIX
from landscape.theorems.budget import BUDGETS
from landscape.theorems.common import (
    SEARCHED,
    certified,
    certify,
    survey,
    with_provenance,
)
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.properties import unexercised

QUICK = BUDGETS["quick"]

POSITION = 10  # place in the catalogue (landscape.theorems.catalogue)


@dataclass(frozen=True, slots=True)
class LinearInstance:
    """A deep linear network: widths (d_0, ..., d_L) and its data."""

    widths: tuple[int, ...]
    data: Dataset

    def landscape(self) -> DeepLinear:
        return DeepLinear(self.widths, self.data.x, self.data.y)

    def special_points(self, landscape: DeepLinear, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
        """The origin and the subset critical points of the theory (:func:`theory_points`)."""
        return theory_points(landscape, rng)

    def __repr__(self) -> str:
        return f"LinearInstance(widths={self.widths}, {self.data!r})"


def linear_instances(
    shapes: st.SearchStrategy[tuple[int, ...]], spectrum: str = "distinct", x_rank: str = "full", max_condition: float = 1.0
) -> st.SearchStrategy[LinearInstance]:
    """Instances with the given architectures and planted-spectrum data (S_xx conditioned up to
    about ``max_condition``^2)."""
    return shapes.flatmap(
        lambda widths: datasets(widths[0], widths[-1], spectrum=spectrum, x_rank=x_rank, max_condition=max_condition).map(
            lambda data: LinearInstance(widths, data)
        )
    )


# -- deep-linear-no-bad-local-min ------------------------------------------------------------


def no_bad_local_min(theorem_id: str):
    """Property: every certified local minimum has the optimal value (within tolerance).

    Instances are :class:`LinearInstance` (squared loss) or
    :class:`~landscape.theorems.convex_instances.ConvexLossInstance` (a convex loss of the
    product); each names its special points.  The search mixes descent with the saddle-seeking modes, so the non-global critical points it
    classifies (saddles, degenerate ones included) are found, not only named.  An instance is
    decided only where the search reached a minimum, and a second-order stationary candidate
    (which could be a spurious minimum) leaves it undecided."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        special = instance.special_points(landscape, np.random.default_rng(seed))
        found = survey(landscape, context, seed, special, mix=CRITICAL_POINT_MIX)
        counts = found.counts()
        for label, point, kind in found.items():
            if kind.kind is PointClass.LOCAL_MINIMUM:
                claim = f"{label}: a local minimum ({kind.level}) with loss {kind.loss:.6g} > optimum {kind.optimum:.6g}"
                cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed)
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts, found)
        unresolved = counts.get(PointClass.SECOND_ORDER_STATIONARY.value, 0)
        message = f"{len(found.classes)} candidates: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        reason = unexercised(found, [PointClass.LOCAL_MINIMUM])
        if unresolved or reason is not None:
            why = f"{unresolved} second-order stationary, undecided" if unresolved else reason
            return with_provenance(Evidence(Outcome.INCONCLUSIVE, f"{message}; {why}", None, counts, found.restarts), found)
        return with_provenance(Evidence(Outcome.SUPPORTS, message, None, counts, found.restarts), found)

    return check


DEEP_LINEAR_NO_BAD_LOCAL_MIN = Theorem(
    id="deep-linear-no-bad-local-min",
    title="Deep linear networks: every local minimum is global",
    source="001 Thm III.1 (Lu-Kawaguchi); 003 Thm 1.4 (Kawaguchi); 003 §1.3.2 end (Laurent-Brecht)",
    statement=(
        "If $X$ and $Y$ have full row rank, every local minimum of "
        "$\\|Y - W_L \\cdots W_1 X\\|_F^2$ (any depth, any widths) is a global minimum.  "
        "Laurent-Brecht: if every hidden width is $\\ge \\min(d_0, d_L)$, every local minimum of "
        "$\\ell(W_L \\cdots W_1)$ is global for any convex differentiable $\\ell$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: st.one_of(
        linear_instances(architectures(min_depth=2, max_depth=budget.sized(4, 6), max_width=budget.sized(3, 8))),
        convex_loss_instances(architectures(min_depth=2, max_depth=budget.sized(3, 4), max_width=budget.sized(3, 5), bottleneck=False)),
    ),
    check=no_bad_local_min("deep-linear-no-bad-local-min"),
    hypotheses=(
        ("squared loss: X and Y have full row rank (n > max(d_0, d_L), planted spectrum), depth 2-4, widths 1-3 (quick); "
         "depth 2-6, widths 1-8 (standard)"),
        ("Laurent-Brecht instances, a convex loss of the product: l(W) = (1/n) sum_ij psi_ij((W X - Y)_ij), psi a weighted "
         "square m_ij r^2 (weights log-uniform in [0.25, 4]), pseudo-Huber delta^2 (sqrt(1 + r^2/delta^2) - 1) or log-cosh "
         "delta^2 log cosh(r/delta), delta 0.3, 1 or 3"),
        ("Laurent-Brecht instances: no bottleneck (every hidden width >= min(d_0, d_L)), X of full row rank, depth 2-3, "
         "widths 1-3 (quick); depth 2-4, widths 1-5 (standard)"),
        "Laurent-Brecht optimum: min_W l(W) by Newton's method, bracketed by a duality gap in ball arithmetic",
    ),
)


# -- one-hidden-strict-saddles -----------------------------------------------------------------


def thm_1_2_point(landscape: DeepLinear, subset: tuple[int, ...], c: np.ndarray) -> np.ndarray:
    """(U, V) = (Q_J C, S_xx^{-1} S_xy Q_J C^{-T}) of 003 eq. (1.24), as (W_1, W_2) = (V^T, U)."""
    _, q = sigma_eigen(landscape)
    qj = q[:, list(subset)]
    u = qj @ c
    v = np.linalg.solve(landscape.sxx, landscape.syx.T) @ qj @ np.linalg.inv(c).T
    return np.concatenate([v.T.reshape(-1), u.reshape(-1)])


def thm_1_2_direction(landscape: DeepLinear, subset: tuple[int, ...], k: int, c: np.ndarray) -> np.ndarray:
    """The direction of the proof of 003 Thm 1.2 (ii): Delta_U = q_k e_{n1}^T C,
    Delta_V = S_xx^{-1} S_xy q_k e_{n1}^T C^{-T} (subset sorted, so its last element is J = max)."""
    _, q = sigma_eigen(landscape)
    n1 = len(subset)
    e = np.zeros((1, n1))
    e[0, -1] = 1.0
    qk = q[:, [k]]
    du = qk @ e @ c
    dv = np.linalg.solve(landscape.sxx, landscape.syx.T) @ qk @ e @ np.linalg.inv(c).T
    return np.concatenate([dv.T.reshape(-1), du.reshape(-1)])


EIGEN_GROUP_RTOL = 1e-9  # eigenvalues of Sigma within this x lambda_max are one eigenvalue (a repeated one)
ALIGNMENT_RTOL = 1e-6  # singular values of P_lambda U V^T above this x |S_yx S_xx^+| count towards its rank


@dataclass(frozen=True, slots=True)
class Labels:
    """Which index sets J of (1.24) fit a critical point's U = Q_J C, over every ordered eigenbasis
    Q of Sigma (with a repeated eigenvalue the basis, and so J, is not unique).

    Attributes:
        aligned: U V^T has rank n1 and its column space is spanned by eigenvectors (the sum over
            eigenvalues of rank(P_lambda U V^T) is n1).
        first: J = [n1] fits.
        other: some J != [n1] fits (one is ``example``, 1-based).
    """

    aligned: bool
    first: bool
    other: bool
    example: tuple[int, ...]
    detail: str


def one_hidden_labels(landscape: DeepLinear, point: np.ndarray) -> Labels:
    """:class:`Labels` of ``point`` = (W_1, W_2) = (V^T, U): per group G of equal eigenvalues,
    d_G = rank(P_G U V^T); J fits iff |J & G| = d_G for every G (rank U V^T = n1 needed).  [n1]
    fits iff d_G = |G & [n1]| for all G; a J != [n1] fits iff [n1] does not, or some 0 < d_G < |G|."""
    n0, n1, n2 = landscape.widths
    vt = np.asarray(point[: n1 * n0], dtype=np.float64).reshape(n1, n0)
    u = np.asarray(point[n1 * n0 :], dtype=np.float64).reshape(n2, n1)
    # Ranks and column spaces are read from the product U V^T, on the scale of the least-squares
    # map S_yx S_xx^+ (invariant under U -> U C, V -> V C^-T, so a tiny C does not fake a rank).
    product = u @ vt
    values, q = sigma_eigen(landscape)
    scale = max(abs(float(values[0])), 1e-300)
    groups: list[list[int]] = []
    for index, value in enumerate(values):
        if groups and abs(values[groups[-1][0]] - value) <= EIGEN_GROUP_RTOL * scale:
            groups[-1].append(index)
        else:
            groups.append([index])
    norm = max(float(np.linalg.norm(landscape.syx @ np.linalg.pinv(landscape.sxx, hermitian=True), 2)), 1e-300)
    ranks = []
    for group in groups:
        projected = q[:, group].T @ product
        singular = np.linalg.svd(projected, compute_uv=False) if projected.size else np.zeros(0)
        ranks.append(int((singular > ALIGNMENT_RTOL * norm).sum()))
    aligned = sum(ranks) == n1 == np.linalg.matrix_rank(product, tol=ALIGNMENT_RTOL * norm)
    first = aligned and all(d == len([i for i in g if i < n1]) for g, d in zip(groups, ranks))
    other = aligned and (not first or any(0 < d < len(g) for g, d in zip(groups, ranks)))
    example: list[int] = []
    if other:
        for group, d in zip(groups, ranks):  # the last d indices of each group: != [n1] where a choice exists
            example += group[len(group) - d :]
    detail = (f"eigenvalue groups {[[i + 1 for i in g] for g in groups]} with rank(P_G U V^T) = {ranks}"
              f" (eigenvalues {', '.join(f'{v:.12g}' for v in values)})")
    return Labels(bool(aligned), bool(first), bool(other), tuple(i + 1 for i in sorted(example)), detail)


@replayable("one-hidden-labels")
def _check_labels(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point's U is Q_J C for an ordered eigenbasis Q of Sigma and some J != [n1] (``other``), or
    only for J = [n1] (``first``), recomputed from the landscape's data (:func:`one_hidden_labels`)."""
    if not isinstance(landscape, DeepLinear) or len(landscape.widths) != 3:
        return CheckResult("one-hidden-labels", False, "needs a one-hidden-layer linear network")
    labels = one_hidden_labels(landscape, point)
    wanted = args["expect"]
    passed = labels.aligned and (labels.other if wanted == "other" else labels.first and not labels.other)
    return CheckResult("one-hidden-labels", bool(passed),
                       f"{labels.detail}: J = [n1] fits: {labels.first}, some J != [n1] fits: {labels.other} (e.g. J = {set(labels.example)})")


def _label_counterexample(label: str, landscape: DeepLinear, point: np.ndarray, kind: Classification) -> tuple[str, list[dict]] | None:
    """For a searched critical point with full-rank U: the claim it breaks, with the labels check,
    where (1.24) says otherwise (J != [n1] fits but it is no strict saddle; only [n1] fits but it is
    no global minimum); None where it agrees."""
    labels = one_hidden_labels(landscape, point)
    if not labels.aligned:
        return None  # not of the form (1.24) to this tolerance: the rank-deficient and not-critical cases
    if labels.other and kind.kind is not PointClass.STRICT_SADDLE:
        claim = (f"{label}: a searched critical point of the form (1.24) with J = {set(labels.example)} != [n1] "
                 f"(for an ordered eigenbasis of Sigma) is a {kind.kind.value}, not a strict saddle; {labels.detail}")
        return claim, [{"name": "one-hidden-labels", "args": {"expect": "other"}}]
    if labels.first and not labels.other and kind.kind is not PointClass.GLOBAL_MINIMUM:
        claim = f"{label}: a searched critical point of the form (1.24) with J = [n1] is a {kind.kind.value}, not a global minimum"
        return claim, [{"name": "one-hidden-labels", "args": {"expect": "first"}}]
    return None


def one_hidden_check(theorem_id: str, require_distinct: bool = True):
    r"""Property of 003 Thm 1.2 / 1.3.

    Every critical point of (1.24) with J = [n1] is a global minimum; every other J is a strict
    saddle whose second directional derivative along the proof's direction is exactly
    2(lambda_J - lambda_k) < 0 — twice (1.26), which is the t^2 coefficient of R(x + t Delta);
    rank-deficient critical points are strict saddles; and no critical point found by search is
    a non-global point without negative curvature.
    """

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        rng = np.random.default_rng(seed)
        n0, n1, n2 = instance.widths
        eigenvalues, _ = sigma_eigen(landscape)
        optimum = optimum_of(landscape)
        counts: Counter[str] = Counter()
        subsets = itertools.combinations(range(n2), n1) if context.named_points else ()
        for subset in subsets:
            c = random_invertible(n1, rng)
            point = thm_1_2_point(landscape, subset, c)
            found = classify(landscape, point, optimum.value, context.tolerances, seed)
            counts[found.kind.value] += 1
            label = "J={" + ",".join(str(i + 1) for i in subset) + "}"
            if subset == tuple(range(n1)):
                if found.kind is not PointClass.GLOBAL_MINIMUM:
                    claim = f"(1.24) with {label} = [n1] is not a global minimum: {found.kind.value}"
                    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed)
                    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
                continue
            k = min(set(range(n1)) - set(subset))
            direction = thm_1_2_direction(landscape, subset, k, c)
            expected = 2.0 * (eigenvalues[max(subset)] - eigenvalues[k])
            curvature = {"name": "curvature", "args": {"direction": direction.tolist(), "expected": float(expected)}}
            if found.kind is not PointClass.STRICT_SADDLE or expected >= 0:
                claim = (
                    f"(1.24) with {label} != [n1] is a {found.kind.value}, not a strict saddle "
                    f"(lambda_J - lambda_k = {expected / 2:.6g})"
                )
                cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed)
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)

            verdict = run_check(curvature, landscape, point, context.tolerances)
            if not verdict.passed:
                claim = f"(1.24) with {label}: curvature along the proof's direction is not 2(lambda_J - lambda_k): {verdict.detail}"
                cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed)
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
        special = [(f"rank-deficient U, J={{{','.join(str(i + 1) for i in s)}}}", _rank_deficient(landscape, s, n1, rng))
                   for r in range(0, n1) for s in itertools.combinations(range(n2), r)]
        named = Counter(counts)  # the points (1.24), one per subset J: distinct by construction
        found = survey(landscape, context, seed, special, mix=CRITICAL_POINT_MIX)
        counts.update(found.counts())
        for (label, point, kind), origin in zip(found.items(), found.provenance):
            not_strict = kind.kind in (PointClass.LOCAL_MINIMUM, PointClass.DEGENERATE_SADDLE, PointClass.SECOND_ORDER_STATIONARY)
            checks: list[dict] = []
            if not_strict:
                claim = f"{label}: a non-global critical point without negative curvature ({kind.kind.value})"
            elif origin == SEARCHED and kind.kind is not PointClass.NOT_CRITICAL:
                # The closed form (1.24) checked on what the search reached, not only on the points
                # built from it: the point's own U says which J it is.
                broken = _label_counterexample(label, landscape, point, kind)
                if broken is None:
                    continue
                claim, checks = broken
            else:
                continue
            cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, extra_checks=checks)
            evidence = certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts, found)
            evidence.named.update(named)
            return evidence
        message = f"all {sum(counts.values())} critical points as Thm 1.2 says: " + ", ".join(
            f"{k} {v}" for k, v in sorted(counts.items())
        )
        reason = unexercised(found, [PointClass.STRICT_SADDLE])
        outcome = Outcome.SUPPORTS if reason is None else Outcome.INCONCLUSIVE
        evidence = with_provenance(Evidence(outcome, message + ("" if reason is None else f"; {reason}"), None, counts, found.restarts), found)
        evidence.named.update(named)
        return evidence

    return check


def _rank_deficient(landscape: DeepLinear, subset: tuple[int, ...], n1: int, rng: np.random.Generator) -> np.ndarray:
    """(1.24) for |J| = r < n1, padded with zero columns: a critical point with rank U = r < n1."""
    n0, n2 = landscape.widths[0], landscape.widths[-1]
    u = np.zeros((n2, n1))
    v = np.zeros((n0, n1))
    if subset:
        r = len(subset)
        c = random_invertible(r, rng)
        _, q = sigma_eigen(landscape)
        qj = q[:, list(subset)]
        u[:, :r] = qj @ c
        v[:, :r] = np.linalg.solve(landscape.sxx, landscape.syx.T) @ qj @ np.linalg.inv(c).T
    return np.concatenate([v.T.reshape(-1), u.reshape(-1)])


ONE_HIDDEN_STRICT_SADDLES = Theorem(
    id="one-hidden-strict-saddles",
    title="One hidden layer: every non-global critical point is a strict saddle",
    source="003 Thm 1.2 and Thm 1.3 (Baldi-Hornik; Nouiehed-Razaviyayn; Zhu et al.)",
    statement=(
        "One hidden layer linear net $x \\mapsto UV^\\top x$, $n_1 \\le \\min(n_0, n_2)$, $\\Sigma_{xx}$ invertible, "
        "$\\Sigma = \\Sigma_{yx}\\Sigma_{xx}^{-1}\\Sigma_{xy}$ with distinct eigenvalues: the full-column-rank critical "
        "points are $U = Q_J C$, $V = \\Sigma_{xx}^{-1}\\Sigma_{xy} Q_J C^{-\\top}$; $J = [n_1]$ are global minima; every "
        "other $J$ is a strict saddle with Hessian form $\\lambda_J - \\lambda_k < 0$ along the proof's direction "
        "(that is (1.26), half the second directional derivative); rank-deficient critical points are strict saddles."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: linear_instances(one_hidden_layer(max_width=budget.sized(4, 8))),
    check=one_hidden_check("one-hidden-strict-saddles"),
    hypotheses=("n_1 <= n_2 <= n_0", "S_xx invertible", "Sigma with distinct eigenvalues (gaps >= 0.5)",
                "widths up to 4 (quick), up to 8 (standard)"),
)


# -- deep-linear-degenerate-saddle-at-zero -----------------------------------------------------


def origin_check(theorem_id: str, expect_for_depth, role_if_expected: str = "witness"):
    """Classify the origin and compare with ``expect_for_depth(L)`` (a PointClass)."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        origin = np.zeros(landscape.n_params)
        optimum = optimum_of(landscape)
        found = classify(landscape, origin, optimum.value, context.tolerances, seed, context.budget.probe_directions)
        counts = Counter({found.kind.value: 1})
        expected = expect_for_depth(landscape.depth)
        claim = (
            f"origin of widths {instance.widths} (L={landscape.depth}): {found.kind.value}"
            + (f", leading order {found.order}" if found.order else "")
            + f" [{found.level}]"
        )
        matches = found.kind is expected
        if not matches and found.kind is PointClass.SECOND_ORDER_STATIONARY:
            return Evidence(Outcome.INCONCLUSIVE, claim, None, counts, 0)
        outcome = (Outcome.WITNESS if role_if_expected == "witness" else Outcome.SUPPORTS) if matches else Outcome.COUNTEREXAMPLE
        if outcome is Outcome.SUPPORTS:
            return Evidence(outcome, claim, None, counts, 0)
        role = "witness" if matches else "counterexample"
        cert = certify(theorem_id, role, claim, landscape, origin, found, context, seed, exact=True)
        evidence = certified(outcome, claim, cert, counts, 0)
        evidence.priority = found.order or 0
        return evidence

    return check


def _degenerate_if_deep(depth: int) -> PointClass:
    return PointClass.DEGENERATE_SADDLE if depth >= 3 else PointClass.STRICT_SADDLE


DEEP_LINEAR_DEGENERATE_SADDLE_AT_ZERO = Theorem(
    id="deep-linear-degenerate-saddle-at-zero",
    title="Deep linear networks: the origin is a degenerate saddle (strict for one hidden layer)",
    source="003 Thm 1.4 (last bullet) and eq. (1.31); 000 (Kawaguchi 2016)",
    statement=(
        "With $L \\ge 3$ weight layers the origin is a critical point whose Hessian is exactly zero, yet it is a "
        "saddle whenever $\\Sigma_{yx} \\ne 0$; with $L = 2$ it is a strict saddle.  Second-order information "
        "alone cannot tell the first case from a minimum: a higher-order test must."
    ),
    expectation=Expectation.WITNESSED,
    instances=lambda: linear_instances(architectures(min_depth=2, max_depth=5, max_width=2)),
    check=origin_check("deep-linear-degenerate-saddle-at-zero", _degenerate_if_deep),
    hypotheses=("S_yx != 0 (planted Sigma with eigenvalues >= 1.5)", "depth 2-5, widths 1-2"),
)


# -- falsified variants ------------------------------------------------------------------------

VARIANTS = [
    Theorem(
        id="variant-deep-linear-every-saddle-strict",
        title="(false) Every saddle of a depth-3 linear network is strict",
        source="negation of 003 Thm 1.4 (last bullet)",
        statement="Wrong conclusion: with $L = 3$, every saddle has a negative Hessian eigenvalue.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(architectures(min_depth=3, max_depth=3, max_width=2)),
        check=origin_check(
            "variant-deep-linear-every-saddle-strict",
            lambda depth: PointClass.STRICT_SADDLE,
            role_if_expected="supports",
        ),
        hypotheses=("depth 3",),
        falsifies="deep-linear-degenerate-saddle-at-zero",
    ),
    Theorem(
        id="variant-one-hidden-origin-degenerate",
        title="(false) The origin of a one-hidden-layer linear network is a degenerate saddle",
        source="negation of 003 Thm 1.2 (iii) / Thm 1.4 for L = 2",
        statement="Wrong conclusion: with $L = 2$ the origin is a saddle with positive semidefinite Hessian.",
        expectation=Expectation.WITNESSED,
        instances=lambda: linear_instances(architectures(min_depth=2, max_depth=2, max_width=3)),
        check=origin_check("variant-one-hidden-origin-degenerate", lambda depth: PointClass.DEGENERATE_SADDLE),
        hypotheses=("depth 2",),
        falsifies="deep-linear-degenerate-saddle-at-zero",
    ),
    Theorem(
        id="variant-origin-saddle-without-signal",
        title="(false) The origin is a saddle even when S_yx = 0",
        source="003 Thm 1.4 with the hypothesis S_yx != 0 dropped",
        statement="Dropped hypothesis: with $\\Sigma_{yx} = 0$ the origin is claimed to be a (degenerate) saddle.",
        expectation=Expectation.WITNESSED,
        instances=lambda: linear_instances(architectures(min_depth=3, max_depth=3, max_width=2), spectrum="zero"),
        check=origin_check("variant-origin-saddle-without-signal", _degenerate_if_deep),
        hypotheses=("S_yx = 0 (Y orthogonal to X)",),
        falsifies="deep-linear-degenerate-saddle-at-zero",
    ),
    Theorem(
        id="variant-one-hidden-repeated-eigenvalues",
        title="(false) Thm 1.2's strict saddles without distinct eigenvalues",
        source="003 Thm 1.2 with the hypothesis 'distinct eigenvalues' dropped",
        statement=(
            "Dropped hypothesis: with $\\lambda_1 = \\lambda_2$, the critical points (1.24) with $J \\ne [n_1]$ are "
            "claimed to be strict saddles.  With $n_1 = 1$, $J = \\{2\\}$ is a global minimum instead."
        ),
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(
            st.integers(2, 3).flatmap(lambda n2: st.integers(n2, 3).map(lambda n0: (n0, 1, n2))), spectrum="repeated"
        ),
        check=one_hidden_check("variant-one-hidden-repeated-eigenvalues"),
        hypotheses=("n_1 = 1", "lambda_1 = lambda_2"),
        falsifies="one-hidden-strict-saddles",
    ),
    Theorem(
        id="variant-convex-loss-with-bottleneck",
        title="(false) Laurent-Brecht with a bottleneck: no bad local minimum of a convex loss of the product",
        source="003 §1.3.2 end (Laurent-Brecht) with the hypothesis 'every hidden width >= min(d_0, d_L)' dropped",
        statement=(
            "Dropped hypothesis: with a hidden width 1 < min(d_0, d_L) = 2, every local minimum of a weighted squared "
            "loss of $W_L \\cdots W_1 X - Y$ is claimed global.  The products are the rank-one matrices, over which a "
            "diagonal target with heavy off-diagonal weights has two local minima of different values."
        ),
        expectation=Expectation.HOLDS,
        instances=rank_one_traps,
        check=no_bad_local_min("variant-convex-loss-with-bottleneck"),
        hypotheses=("d_0 = d_L = n = 2, one hidden width 1", "Y diagonal, m_12 m_21 above both local-minimum thresholds"),
        falsifies="deep-linear-no-bad-local-min",
    ),
    Theorem(
        id="variant-deep-linear-second-order-minimum",
        title="(false) A second-order stationary point of a deep linear network is a local minimum",
        source="the step 'PSD Hessian => minimum' that 003 §1.3.2 warns against",
        statement=(
            "Wrong inference: every critical point with positive semidefinite Hessian is a local minimum, hence "
            "(by the theorem) global.  The depth-3 origin refutes it."
        ),
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(architectures(min_depth=3, max_depth=4, max_width=2)),
        check=origin_check(
            "variant-deep-linear-second-order-minimum", lambda depth: PointClass.GLOBAL_MINIMUM, role_if_expected="supports"
        ),
        hypotheses=("depth 3-4",),
        falsifies="deep-linear-no-bad-local-min",
    ),
]

THEOREMS = [DEEP_LINEAR_NO_BAD_LOCAL_MIN, ONE_HIDDEN_STRICT_SADDLES, DEEP_LINEAR_DEGENERATE_SADDLE_AT_ZERO]
