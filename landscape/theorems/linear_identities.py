r"""Identities of linear networks checkable at a point (seed 003 Lemma 1.1; seed 000).

Theorems: ``one-hidden-critical-point-equations`` (003 Lemma 1.1) and ``balancedness-invariant``
(Arora, Cohen, Golowich, Hu, as told in seed 000); falsified variants at the end.  Both come with
replayable checks (``lemma-1-1``, ``balancedness``) that recompute the identity from the
certificate's landscape and point.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch

from landscape.generators.architectures import architectures, one_hidden_layer
from landscape.certificates.registry import CheckResult, replayable
from landscape.theorems.budget import BUDGETS
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.critical import theory_points
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.linear_trajectories import ORACLE_RTOL, autograd_gradient, gd_balancedness, hessian_top_eigenvalue
from landscape.oracles.optimum import optimum_of
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.linear import LinearInstance, linear_instances
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 80  # place in the catalogue (landscape.theorems.catalogue)

QUICK = BUDGETS["quick"]
# An identity that holds exactly is "violated" when its residual exceeds VIOLATION_RTOL times the
# natural scale of its terms; at refined critical points residuals are ~1e-13 relative.
VIOLATION_RTOL = 1e-6
# Singular values below RANK_RTOL x the largest count as zero (full column rank decisions).
RANK_RTOL = 1e-6
SXX_CONDITION_MAX = 1e10


def _norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(a))


def full_column_rank(a: np.ndarray) -> bool:
    singular = np.linalg.svd(a, compute_uv=False)
    return bool(singular.size and singular[-1] > RANK_RTOL * max(singular[0], 1e-300) and a.shape[0] >= a.shape[1])


def lemma_residuals(landscape: DeepLinear, point: np.ndarray, pseudo_inverse: bool = False) -> dict[str, float]:
    r"""Relative residuals of 003 Lemma 1.1 at (U, V) = (W_2, W_1^T).

    (1.15a) U V^T Sxx V = Syx V, (1.15b) Sxx V U^T U = Sxy U always; with Sxx invertible (or, for the
    variant, with Sxx^+ in its place) (i) U = Syx V (V^T Sxx V)^{-1} when V has full column rank,
    (ii) V = Sxx^{-1} Sxy U (U^T U)^{-1} when U has full column rank, (iii) Sigma P_U = P_U Sigma.
    """
    w1, w2 = (w[0].numpy() for w in landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None]))
    u, v = w2, w1.T
    sxx, syx = landscape.sxx, landscape.syx
    sxy = syx.T
    out = {
        "1.15a": _norm(u @ v.T @ sxx @ v - syx @ v) / max(_norm(u) * _norm(v) ** 2 * _norm(sxx) + _norm(syx) * _norm(v), 1e-300),
        "1.15b": _norm(sxx @ v @ u.T @ u - sxy @ u) / max(_norm(sxx) * _norm(v) * _norm(u) ** 2 + _norm(sxy) * _norm(u), 1e-300),
    }
    invertible = np.linalg.cond(sxx) < SXX_CONDITION_MAX
    if not (invertible or pseudo_inverse):
        return out
    sxx_inv = np.linalg.pinv(sxx, hermitian=True)
    if full_column_rank(v) and invertible:
        fitted = syx @ v @ np.linalg.inv(v.T @ sxx @ v)
        out["i"] = _norm(u - fitted) / max(_norm(u), _norm(fitted), 1e-300)
    if full_column_rank(u):
        fitted = sxx_inv @ sxy @ u @ np.linalg.inv(u.T @ u)
        out["ii"] = _norm(v - fitted) / max(_norm(v), _norm(fitted), 1e-300)
        projector = u @ np.linalg.inv(u.T @ u) @ u.T
        sigma = syx @ sxx_inv @ sxy
        out["iii"] = _norm(sigma @ projector - projector @ sigma) / max(_norm(sigma), 1e-300)
    return out


def _is_critical(landscape: Landscape, point: np.ndarray, tol: Tolerances) -> tuple[bool, float]:
    """Criticality judged by the autograd oracle of the raw-data loss (not the closed form the
    search and the classifier use), at the classifier's scale-aware gradient tolerance."""
    weights = [w[0].numpy() for w in landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None])]
    value, grads = autograd_gradient(weights, torch.as_tensor(landscape.x, dtype=DTYPE), torch.as_tensor(landscape.y, dtype=DTYPE))
    norm = float(np.sqrt(sum(float((g**2).sum()) for g in grads)))
    scale = max(landscape.loss_scale(), abs(value)) / max(1.0, float(np.linalg.norm(point)))
    return norm <= tol.gradient * scale, norm


@replayable("lemma-1-1")
def check_lemma(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point is critical and identity ``identity`` of 003 Lemma 1.1 is violated there."""
    if not isinstance(landscape, DeepLinear) or landscape.depth != 2:
        return CheckResult("lemma-1-1", False, "Lemma 1.1 concerns one-hidden-layer linear networks")
    critical, norm = _is_critical(landscape, point, tol)
    name = str(args["identity"])
    residual = lemma_residuals(landscape, point, bool(args.get("pseudo_inverse", False))).get(name)
    violated = residual is not None and residual > VIOLATION_RTOL
    return CheckResult(
        "lemma-1-1", critical and violated,
        f"|grad| = {norm:.3g} (critical: {critical}); relative residual of ({name}) = "
        f"{'n/a' if residual is None else f'{residual:.3g}'} (violated above {VIOLATION_RTOL:g})",
    )


LEMMA_RESTARTS = 16  # random starts searched per instance (capped by the budget's)
LEMMA_SUBSETS = 12  # subsets J drawn for the named points (there are 2^{n_2} - 1 of them)


def lemma_check(theorem_id: str, pseudo_inverse: bool = False):
    """Property of 003 Lemma 1.1: every critical point the search finds (and the theory's points)
    satisfies (1.15) and, with Sxx invertible, (i)-(iii); criticality is confirmed by the autograd
    oracle, independent of the closed-form gradient the search descends.  An instance is decided
    only when at least one *searched* critical point was checked.  The variant drops 'Sxx
    invertible' and uses Sxx^+; it names no point: its counterexamples are searched ones (a random
    start's component in ker Sxx is never moved by the gradient)."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        special = [] if pseudo_inverse else theory_points(landscape, np.random.default_rng(seed), max_subsets=LEMMA_SUBSETS)
        found = survey(landscape, context, seed, special, restarts=min(context.budget.restarts, LEMMA_RESTARTS))
        counts = found.counts()
        checked: Counter[str] = Counter()
        for label, point, kind in found.items():
            if kind.kind is PointClass.NOT_CRITICAL or not _is_critical(landscape, point, context.tolerances)[0]:
                continue
            checked["searched" if label.startswith("start") else "named"] += 1
            for name, residual in lemma_residuals(landscape, point, pseudo_inverse).items():
                if residual > VIOLATION_RTOL:
                    claim = f"{label}: a critical point ({kind.kind.value}) violating Lemma 1.1 ({name}), relative residual {residual:.3g}"
                    entry = {"name": "lemma-1-1", "args": {"identity": name, "pseudo_inverse": pseudo_inverse}}
                    cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, [entry])
                    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts)
        message = (f"(1.15) and (i)-(iii) hold at {checked['searched']} searched and {checked['named']} named critical "
                   "points (criticality confirmed by autograd)")
        outcome = Outcome.SUPPORTS if checked["searched"] else Outcome.INCONCLUSIVE
        return Evidence(outcome, message, None, counts, found.restarts)

    return check


ONE_HIDDEN_CRITICAL_POINT_EQUATIONS = Theorem(
    id="one-hidden-critical-point-equations",
    title="One hidden layer: the critical point equations of Lemma 1.1",
    source="003 Lemma 1.1 (Baldi-Hornik 1989)",
    statement=(
        "At any critical point $UV^\\top\\Sigma_{xx}V = \\Sigma_{yx}V$ and $\\Sigma_{xx}VU^\\top U = \\Sigma_{xy}U$; with "
        "$\\Sigma_{xx}$ invertible, (i) $U = \\Sigma_{yx}V(V^\\top\\Sigma_{xx}V)^{-1}$ for full-rank $V$, (ii) "
        "$V = \\Sigma_{xx}^{-1}\\Sigma_{xy}U(U^\\top U)^{-1}$ for full-rank $U$, (iii) $\\Sigma P_U = P_U\\Sigma$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: linear_instances(one_hidden_layer(max_width=budget.sized(3, 8)), max_condition=budget.sized(1, 10)),
    check=lemma_check("one-hidden-critical-point-equations"),
    hypotheses=("S_xx invertible (full row rank X)", "n_1 <= n_2 <= n_0",
                "quick: widths <= 3, S_xx well conditioned; standard: widths <= 8, condition of X up to 10"),
)


# -- balancedness-invariant ------------------------------------------------------------------

TRAJECTORY_STARTS = 3  # starts per instance: one near-balanced small start, the others generic
TRAJECTORY_STEPS = 100
STEP_FRACTION = 0.5  # eta = STEP_FRACTION / lambda_max(H(theta_0)): below the 2/lambda_max stability edge
STEP_HALVINGS = 4
SMALL_INIT = 0.3  # Arora et al.'s "small random perturbations centred at zero"


def _trajectory_starts(landscape: DeepLinear, seed: int) -> list[tuple[str, np.ndarray]]:
    generator = torch.Generator().manual_seed(seed)
    small = landscape.random_points(1, generator, scale=SMALL_INIT)[0].numpy()
    generic = landscape.random_points(TRAJECTORY_STARTS - 1, generator).numpy()
    return [("small start", small)] + [(f"start {i + 1}", p) for i, p in enumerate(generic)]


def stable_trajectory(landscape: DeepLinear, start: np.ndarray, swapped: bool):
    """The GD trajectory from ``start``; the step is halved (at most STEP_HALVINGS times) while the
    iterates overflow: curvature grows along the way from a small start.  None if it never settles."""
    eta = step_for(landscape, start)
    for _ in range(STEP_HALVINGS + 1):
        if eta is None:
            return None
        run = gd_balancedness(landscape, start, eta, TRAJECTORY_STEPS, swapped)
        if run.finite:
            return run
        eta /= 2.0
    return None


def step_for(landscape: DeepLinear, point: np.ndarray) -> float | None:
    """STEP_FRACTION / lambda_max(H(point)); None where the Hessian has no positive eigenvalue."""
    top = hessian_top_eigenvalue(landscape, point)
    return STEP_FRACTION / top if top > 0 else None


@replayable("balancedness-trajectory")
def check_balancedness_trajectory(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """GD from ``point`` (step ``eta``, ``steps`` steps, autograd gradients) breaks the drift bound
    ||D_j(t) - D_j(0)|| <= eta^2 sum_{s<t} (|G_{j+1}|^2 + |G_j|^2) for layer pair ``layer``."""
    if not isinstance(landscape, DeepLinear) or not 0 <= int(args["layer"]) < landscape.depth - 1:
        return CheckResult("balancedness-trajectory", False, "needs a deep linear landscape and a layer j with j + 1 < L")
    run = gd_balancedness(landscape, point, float(args["eta"]), int(args["steps"]), bool(args.get("swapped", False)))
    record = run.worst[int(args["layer"])]
    detail = (f"step {record.step}: ||D(t) - D(0)|| = {record.drift:.6g} against the bound {record.bound:.6g}; "
              f"autograd vs closed-form gradient {run.oracle_gap:.2g}")
    return CheckResult("balancedness-trajectory", run.finite and record.violated and run.oracle_gap < ORACLE_RTOL, detail)


def balancedness_check(theorem_id: str, swapped: bool = False):
    """Property of seed 000 (Arora et al.'s trajectory characterisation): along whole GD
    trajectories, with gradients from the autograd oracle (checked against the closed form at
    every step), every D_j drifts by at most eta^2 sum |G|^2 -- and, where each step decreased the
    loss sufficiently, by at most 2 eta (F(0) - F(t)).  The variant swaps the transposes."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        counts: Counter[str] = Counter()
        worst_ratio, descents = 0.0, 0
        for label, start in _trajectory_starts(landscape, seed):
            run = stable_trajectory(landscape, start, swapped)
            if run is None:
                counts["diverged or flat"] += 1
                continue
            if run.oracle_gap > ORACLE_RTOL:
                message = f"{label}: autograd and closed-form gradients differ by {run.oracle_gap:.2g}"
                return Evidence(Outcome.INCONCLUSIVE, message, None, counts, 0)
            counts["trajectories"] += 1
            descents += run.sufficient_decrease
            record = run.violation
            if record is not None:
                return _drift_counterexample(theorem_id, landscape, start, label, run, record, swapped, context, seed, counts)
            worst_ratio = max([worst_ratio] + [r.ratio for r in run.worst])
        if not counts["trajectories"]:
            return Evidence(Outcome.INCONCLUSIVE, "no trajectory run", None, counts, 0)
        message = (f"{counts['trajectories']} GD trajectories of {TRAJECTORY_STEPS} steps (eta = {STEP_FRACTION}/lambda_max): "
                   f"drift <= eta^2 sum |G|^2 (worst ratio {worst_ratio:.3g}); {descents} with sufficient decrease throughout")
        return Evidence(Outcome.SUPPORTS, message, None, counts, 0)

    return check


def _drift_counterexample(theorem_id, landscape, start, label, run, record, swapped, context, seed, counts) -> Evidence:
    """Certify the start of a trajectory whose imbalance left the drift bound."""
    which = "swapped " if swapped else ""
    claim = (f"{label}: along GD (eta = {run.eta:.4g}) the {which}imbalance of layers ({record.layer + 1}, {record.layer + 2}) "
             f"drifts by {record.drift:.4g} > {record.bound:.4g} = eta^2 sum |G|^2 at step {record.step}")
    found = classify(landscape, start, optimum_of(landscape).value, context.tolerances, seed)
    entry = {"name": "balancedness-trajectory",
             "args": {"layer": record.layer, "eta": run.eta, "steps": record.step, "swapped": swapped}}
    cert = certify(theorem_id, "counterexample", claim, landscape, start, found, context, seed, [entry])
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


BALANCEDNESS_INVARIANT = Theorem(
    id="balancedness-invariant",
    title="Deep linear networks: GD keeps the imbalance within eta^2 sum |G|^2 of its start",
    source="000 (Arora, Cohen, Golowich, Hu 2018: trajectory characterisation)",
    statement=(
        "Along gradient descent with step $\\eta$, $D_j = W_{j+1}^\\top W_{j+1} - W_jW_j^\\top$ satisfies "
        "$\\|D_j(t) - D_j(0)\\|_F \\le \\eta^2\\sum_{s<t}(\\|G_{j+1}(s)\\|_F^2 + \\|G_j(s)\\|_F^2)$ "
        "($\\le 2\\eta(F(0) - F(t))$ under sufficient decrease): approximately balanced starts stay approximately "
        "balanced, because $W_{j+1}^\\top\\,\\partial F/\\partial W_{j+1} = \\partial F/\\partial W_j\\,W_j^\\top$ "
        "cancels the first-order drift.  Checked along whole trajectories ($\\eta = 0.5/\\lambda_{\\max}(H(\\theta_0))$) "
        "with gradients from autograd of $\\frac1n\\|Y - W_L\\cdots W_1X\\|_F^2$, compared with the closed form at every step."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=QUICK: linear_instances(
        architectures(min_depth=2, max_depth=budget.sized(4, 8), max_width=budget.sized(3, 16)), max_condition=budget.sized(1, 1000)
    ),
    check=balancedness_check("balancedness-invariant"),
    hypotheses=("any widths, squared loss", "quick: depth 2-4, widths <= 3; standard: depth 2-8, widths <= 16, condition of X up to 1000"),
)

VARIANTS = [
    Theorem(
        id="variant-lemma-1-1-pseudo-inverse",
        title="(false) Lemma 1.1 (ii) with a singular S_xx and its pseudo-inverse",
        source="003 Lemma 1.1 with 'S_xx invertible' dropped",
        statement="Dropped hypothesis: with rank-deficient $X$, $V = \\Sigma_{xx}^{+}\\Sigma_{xy}U(U^\\top U)^{-1}$ at critical "
        "points; the critical points the search reaches keep their start's kernel component of $V$ (invisible to the "
        "gradient), which refutes it.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(one_hidden_layer(min_width=1, max_width=3), x_rank="deficient"),
        check=lemma_check("variant-lemma-1-1-pseudo-inverse", pseudo_inverse=True),
        hypotheses=("X rank deficient",),
        falsifies="one-hidden-critical-point-equations",
    ),
    Theorem(
        id="variant-balancedness-swapped",
        title="(false) GD keeps W_{j+1} W_{j+1}^T - W_j^T W_j within eta^2 sum |G|^2 of its start",
        source="seed 000's invariant with the transposes swapped",
        statement="Wrong conclusion: the Gram matrices on the outer sides of the layers obey the trajectory drift "
        "bound; their first-order drift does not cancel, so a GD trajectory leaves the bound.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(
            architectures(min_depth=2, max_depth=3, min_width=2, max_width=2)
        ),
        check=balancedness_check("variant-balancedness-swapped", swapped=True),
        hypotheses=("uniform width 2",),
        falsifies="balancedness-invariant",
    ),
]

THEOREMS = [ONE_HIDDEN_CRITICAL_POINT_EQUATIONS, BALANCEDNESS_INVARIANT]
