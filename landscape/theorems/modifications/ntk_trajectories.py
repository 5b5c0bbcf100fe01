r"""Claim VII.1 along GD trajectories (seed 001 §VII-C), for ``ntk-full-rank-critical-global``.

**Claim VII.1.**  Scalar output, squared loss; theta(k + 1) = A(theta(k)) with A continuous;
lambda_min(K(theta(k))) >= c > 0 for every k (K = G^T G, the NTK Gram matrix); a limit point
theta* that is critical is a global minimum with F(theta*) = 0.  (By continuity
lambda_min(K(theta*)) >= c, and Claim VI.3 applies.)

**What is run.**  A is fixed-step GD, eta_b = 1 / lambda_max(H(theta_b(0))) per start (half the
stability edge 2/L at the start; :mod:`landscape.oracles.ntk_trajectories`), from Xavier
starts.  A run *converges* when an iterate theta(T) is critical to within
TRAJECTORY_GRADIENT_RTOL; it counts only if eta lambda_max(H(theta(T))) < 2 (the step is below
2/L at the end point too, so theta(T) is no repelling point of the map) and the closed form
(2/n) G e matched the autograd gradient at every iterate.  Whether F decreased at every step is
recorded, not required (the claim is about any continuous A).  Its recorded bound is
c = min_{k <= T} lambda_min(K(theta(k))).  The batch stops once half of its runs have ended
(ENDED_FRACTION): the runs still going then are counted as not converged, not judged.

**Judgement.**  The uniform bound is *exercised* when c >= UNIFORM_BOUND_RTOL x
max_k lambda_max(K(theta(k))) (the scale of G along the run).  Then theta(T) being critical, the
residual obeys ||e||^2 <= (n/2)^2 ||grad F||^2 / lambda_min(K(theta(T))) <= (n/2)^2 ||grad F||^2 / c,
so F(theta(T)) may not exceed (n/4) ||grad F||^2 / c (1 + BOUND_SLACK) plus the zero-loss
tolerance (tol.loss x loss scale).  For a loss bounded away from 0 that allowance is tiny
(||grad F|| is at most 1e-6 of max(loss scale, F)), so a run with c above the threshold ending
at a critical point with positive loss contradicts the claim.  An instance is decided only where
some run converged with the bound exercised.

**The variant** drops the uniform bound: "lambda_min(K(theta(k))) > 0 at every step (certified:
G of rank n at every iterate) => the limit is global with zero value".  A single tilted-sine
neuron f(x) = v sigma(w x + b) on three points (P = 3 = n) has critical points with
positive loss that GD from Xavier starts converges to (its neuron is not monotone); at such a
limit G e = 0 with e != 0, so lambda_min(K(theta(k))) > 0 falls towards 0 as the run converges
(like ||grad F||^2), and the variant's "zero value" fails.  Its search stops at the first such limit (the
runs still going are then counted as not converged); the claim's runs all go to their end.

**Replay** (``ntk-trajectory``) re-runs GD from the recorded start with the recorded step for the
recorded number of steps and re-derives every figure (the bound, certified rank at every
iterate, the edge at the end, criticality and loss of the end point, which
must be the certificate's point), then re-judges.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import Landscape
from landscape.landscapes.mlp import MLP
from landscape.oracles.classify import Tolerances
from landscape.oracles.linear_trajectories import ORACLE_RTOL
from landscape.oracles.ntk_trajectories import (
    GramRun,
    gram_runs,
    replay_run,
    starting_steps,
)
from landscape.theorems.common import certified
from landscape.theorems.model import Context, Evidence, Outcome
from landscape.theorems.modifications.common import BOUND_SLACK, checks_certificate

# c >= UNIFORM_BOUND_RTOL x max_k lambda_max(K): sigma_min(G) / sigma_max(G) >= 1e-4 along the run,
# two orders of magnitude above the rank floor RANK_RTOL x max(P, n) (<= 1e-6 here) at every
# iterate, so the bound is a real margin, not rounding.
UNIFORM_BOUND_RTOL = 1e-8
BAD_LIMIT_FLOOR = 1e-3  # the variant: F(theta(T)) >= this x loss scale is bounded away from 0
EDGE = 2.0  # eta lambda_max(H) below this: the step is below 2/L at the end point


def trajectory_count(context: Context) -> int:
    """A quarter of the budget's restarts: GD's cost per step hardly grows with the batch here."""
    return max(4, context.budget.restarts // 4)


# The variant's runs per instance (P = 3: a batch of 32 costs what one does), each of at most the
# budget's descent steps: most runs that reach a bad limit do so within a few hundred.
NEURON_TRAJECTORIES = 32


HORIZON_FACTOR = 5  # GD steps per run: five times the budget's descent steps (converging runs here take 10-2000)


# The batch stops once this fraction of its runs has ended: the slowest runs would set the cost
# of the whole batch, and the claim is judged run by run.
ENDED_FRACTION = 0.5


def horizon(context: Context) -> int:
    return HORIZON_FACTOR * context.budget.descent_steps


def usable(run: GramRun) -> bool:
    """Converged with the step below the edge at the end (theta(T) is no repelling point of
    the map) and the oracles agreeing.  Monotone decrease is recorded, not required: the claim
    holds for any continuous A, and fixed-step GD is one whatever its step."""
    return run.converged and run.edge < EDGE and run.oracle_gap <= ORACLE_RTOL


def exercised(run: GramRun, uniform: bool) -> bool:
    """The run's hypothesis holds: the uniform bound (the claim) or positivity at every step (the variant)."""
    if not usable(run):
        return False
    return run.relative_bound >= UNIFORM_BOUND_RTOL if uniform else run.positive


def allowed_loss(run: GramRun, n: int, loss_scale: float, tol: Tolerances, uniform: bool) -> float:
    """The largest end loss the claim allows (module docstring); the variant claims zero value."""
    zero = tol.loss * loss_scale
    if not uniform:
        return zero
    return (n / 4.0) * run.gradient_norm**2 / run.bound * (1.0 + BOUND_SLACK) + zero


def violates(run: GramRun, n: int, loss_scale: float, tol: Tolerances, uniform: bool) -> bool:
    """An exercised run whose end loss the claim forbids (for the variant: bounded away from 0)."""
    if not exercised(run, uniform):
        return False
    if not uniform and run.loss < BAD_LIMIT_FLOOR * loss_scale:
        return False
    return run.loss > allowed_loss(run, n, loss_scale, tol, uniform)


def distribution(values: list[float]) -> str:
    if not values:
        return "none"
    low, mid, high = np.quantile(values, [0.0, 0.5, 1.0])
    return f"min {low:.2g}, median {mid:.2g}, max {high:.2g}"


def trajectory_evidence(landscape: MLP, context: Context, seed: int, uniform: bool, label: str, count: int,
                        steps: int) -> Evidence:
    """Run ``count`` trajectories of at most ``steps`` steps on ``landscape`` and judge them (module docstring)."""
    starts = landscape.random_points(count, torch.Generator().manual_seed(seed + 1))
    # The variant's search may stop at the first bad limit; the claim's runs all go to their end.
    floor = None if uniform else BAD_LIMIT_FLOOR * landscape.loss_scale()
    runs = gram_runs(landscape, starts.numpy(), starting_steps(landscape, starts), steps, floor, ENDED_FRACTION)
    counts = Counter(trajectories=len(runs), converged=sum(r.converged for r in runs),
                     usable=sum(usable(r) for r in runs), decreasing=sum(r.converged and r.monotone for r in runs), exercised=sum(exercised(r, uniform) for r in runs))
    wrong = [r for r in runs if r.converged and not r.oracle_gap <= ORACLE_RTOL]
    if wrong:
        return Evidence(Outcome.INCONCLUSIVE, f"{label}: closed-form (2/n) G e and autograd gradients differ by "
                        f"{wrong[0].oracle_gap:.2g} (relative) along a run: an oracle is wrong", None, counts, len(runs))
    scale = landscape.loss_scale()
    bad = next((r for r in runs if violates(r, landscape.n, scale, context.tolerances, uniform)), None)
    if bad is not None:
        return _counterexample(landscape, context, bad, uniform, label, counts, len(runs))
    bounds = [r.relative_bound for r in runs if usable(r)]
    judged = [r for r in runs if exercised(r, uniform)]
    worst = max((r.loss / allowed_loss(r, landscape.n, scale, context.tolerances, uniform) for r in judged), default=0.0)
    highest = max((r.loss / scale for r in judged), default=0.0)
    hypothesis = f"c >= {UNIFORM_BOUND_RTOL:g} max lambda_max(K)" if uniform else "lambda_min(K) > 0 at every step"
    message = (f"{label}: {len(runs)} GD runs, {counts['converged']} converged ({counts['usable']} with the step below the edge "
               f"at the end, {counts['decreasing']} with F decreasing at every step), {len(judged)} with {hypothesis}; "
               f"c / max lambda_max(K) over them: "
               f"{distribution(bounds)}; end loss / allowed <= {worst:.3g}, end loss / loss scale <= {highest:.3g}")
    if not judged:
        return Evidence(Outcome.INCONCLUSIVE, f"{message}: no run converged with the hypothesis exercised", None, counts, len(runs))
    return Evidence(Outcome.SUPPORTS, message, None, counts, len(runs))


def _counterexample(landscape: MLP, context: Context, run: GramRun, uniform: bool, label: str,
                    counts: Counter[str], restarts: int) -> Evidence:
    hypothesis = (f"c / max lambda_max(K) = {run.relative_bound:.3g} >= {UNIFORM_BOUND_RTOL:g}" if uniform else
                  f"G of certified rank n at all {run.end_step + 1} iterates (c / max lambda_max(K) = {run.relative_bound:.3g})")
    claim = (f"{label}: GD from a Xavier start (eta = {run.step:.4g}, eta lambda_max(H) at the end {run.edge:.3g} < 2, F decreasing "
             f"at every step: {run.monotone}) "
             f"reaches after {run.end_step} steps a critical point (|grad F| = {run.gradient_norm:.3g}) with loss {run.loss:.6g} > 0; "
             f"{hypothesis}; lambda_min(K) at the end {run.end_lambda_min:.3g}")
    args = {"start": [float(v) for v in run.start], "step": run.step, "steps": run.end_step, "uniform": uniform,
            "loss_at_least": 0.5 * run.loss}
    checks = [{"name": "loss", "args": {"value": run.loss}}, {"name": "ntk-trajectory", "args": args}]
    replayed = checks_certificate(context, claim, landscape, run.end, checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, replayed, counts, restarts)


END_POINT_RTOL = 1e-8  # the replayed end point equals the recorded one to this (relative; rounding ~1e-15)


@replayable("ntk-trajectory")
def check_ntk_trajectory(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """GD from ``start`` (``step``, ``steps``) re-run and re-judged: the run converges to the
    certificate's point, is usable (step below the edge at the end, oracles agreeing), has
    the hypothesis (``uniform``: the uniform bound; else G of rank n at every iterate) and ends
    with a loss >= ``loss_at_least`` that the claim forbids."""
    if not isinstance(landscape, MLP) or landscape.widths[-1] != 1 or landscape.loss_name != "squared":
        return CheckResult("ntk-trajectory", False, "needs a scalar-output squared-loss fully connected network")
    start = np.asarray(args["start"], dtype=np.float64)
    if start.shape != (landscape.n_params,):
        return CheckResult("ntk-trajectory", False, "start has the wrong number of coordinates")
    run = replay_run(landscape, start, float(args["step"]), int(args["steps"]))
    uniform = bool(args["uniform"])
    same = bool(np.linalg.norm(run.end - point) <= END_POINT_RTOL * max(1.0, float(np.linalg.norm(point))))
    forbidden = violates(run, landscape.n, landscape.loss_scale(), tol, uniform)
    passed = same and forbidden and run.loss >= float(args["loss_at_least"])
    return CheckResult(
        "ntk-trajectory", passed,
        f"{run.end_step} GD steps at eta = {run.step:.4g}: ends at the recorded point {same}; converged {run.converged} "
        f"(|grad F| = {run.gradient_norm:.3g}), F decreasing {run.monotone}, eta lambda_max(H) = {run.edge:.3g}, oracle gap "
        f"{run.oracle_gap:.2g}; c / max lambda_max(K) = {run.relative_bound:.3g}, rank n at every iterate {run.positive}; "
        f"loss {run.loss:.6g} (>= {float(args['loss_at_least']):.3g}) vs allowed "
        f"{allowed_loss(run, landscape.n, landscape.loss_scale(), tol, uniform):.3g}",
    )


def neuron_instances(min_n: int = 3, max_n: int = 3) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    """(x, y) for the variant: n distinct scalar inputs on the half-integer grid of [-2, 2] and
    non-zero half-integer labels in [-2, 2]."""
    def build(n: int) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
        x = st.lists(st.integers(-4, 4), min_size=n, max_size=n, unique=True).map(lambda v: tuple(k / 2 for k in v))
        y = st.tuples(*[st.integers(-4, 4).filter(bool).map(lambda k: k / 2)] * n)
        return st.tuples(x, y)

    return st.integers(min_n, max_n).flatmap(build)


def positive_gram_check(instance: tuple[tuple[float, ...], tuple[float, ...]], context: Context) -> Evidence:
    """The variant's property: runs with lambda_min(K) > 0 at every step end at zero loss."""
    x, y = instance
    landscape = MLP((1, 1, 1), "tilted-sine", np.array([x]), np.array([y]))
    return trajectory_evidence(landscape, context, context.seed_for(instance), False, f"tilted-sine neuron, x={x}, y={y}",
                               NEURON_TRAJECTORIES, context.budget.descent_steps)
