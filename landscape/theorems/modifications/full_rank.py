r"""Full-rank features and Jacobians (seed 001 §VI-A, Claims VI.1-VI.3 and Claim VII.1).

* ``full-rank-features-global`` (Claims VI.1, VI.2): at a critical point where the last hidden
  layer's features Z_L(X) (d_L x n) have full column rank n, the loss is 0, the global minimum
  (the last layer alone can fit any Y).  "Full rank" is read as rank n: for d_L < n a full
  *row* rank does not help (a narrow net's least-squares residual is generally positive).
  Checked at every refined critical point of a multi-start search with the residual bound
  below; Claim VI.2 (density) at the random starts, for activations whose derivatives
  sigma^(k)(0), k < n, are all non-zero (decided exactly by sympy).
* ``ntk-full-rank-critical-global`` (Claim VI.3, Claim VII.1): scalar output, squared loss; a
  critical point with full-rank G(theta) has zero loss, with ||e|| <= (n/2)||grad F||/sigma_min(G);
  and along fixed-step GD runs from Xavier starts with lambda_min(G^T G(theta(k))) >= c > 0 at
  every iterate, a critical end point has zero loss (Claim VII.1; see
  :mod:`~landscape.theorems.modifications.ntk_trajectories`).

**Numerical rank.**  A matrix M (features Z_L(X), or the output Jacobian G) has *certified full
rank* r = min(rows, cols) when sigma_r(M) > RANK_RTOL x sigma_1(M) x max(rows, cols); it is
*rank-deficient* when sigma_r(M) <= that tolerance.  float64 singular values carry an absolute
error of about eps x sigma_1, so RANK_RTOL = 1e-8 leaves seven orders of magnitude of margin.

**Residual bounds at near-critical points** (squared loss, F = (1/n) ||e||^2, e = f(X) - Y):
the gradient in the last layer is (2/n) e Z^T and the full gradient is (2/n) G e, so

.. math:: \|e\| \le \frac{n}{2}\,\frac{\|\nabla F\|}{\sigma_{\min}(Z)},\qquad
          \|e\| \le \frac{n}{2}\,\frac{\|\nabla F\|}{\sigma_{\min}(G)},

when Z (d_L x n, d_L >= n) or G (P x n) has full column rank n: a critical point there has
zero loss (Claims VI.1, VI.3).  These are the bounds the checks recompute, with the gradient
taken from the closed forms (2/n) e Z^T and (2/n) G e; the properties also compare those with
the autograd gradient of the loss (an independent oracle) at every point they judge.
**Falsified variants** (at the end), each failing where the claims bite:

* **t^2 neurons, scalar input** (Claim VI.2's hypothesis sigma^(k)(0) != 0, k < n, dropped:
  sigma''' = 0).  Every feature (w x + b)^2 lies in span{1, x, x^2}, so Z_L(X) has rank <= 3 and,
  for the outputs f(x) = A x^2 + B x + C, G(theta) has rank <= 3 too, at every theta.  With
  n >= 4 samples whose labels are no quadratic, *every* point has loss >= the least-squares
  residual of a quadratic fit > 0, although d_L >= n.  The variants claim that such a wide net's
  critical points have zero loss; the harness refutes them at critical points *its search
  reaches* (not the origin), each certified critical with rank < n and loss > 0.
* **full row rank is not enough** (d_L = n - 1): the narrow construction of Prop IV.3 is a
  certified strict sub-optimal minimum at which Z_L(X) has full row rank d_L
  (``oracles/wide``).
* **the duplicate-neuron minimum** (rank 1 features, p >= n): a certified non-strict local
  minimum that is not global (``theorems/wide_nets/plateaus``).
* **positivity instead of a uniform bound** (Claim VII.1's c > 0 dropped): a single tilted-sine
  neuron on three points; GD from a Xavier start converges to a critical point with positive
  loss while G has certified rank n at every iterate (lambda_min(K) tends to 0 along the run).
  Refuted by a replayed trajectory (``ntk_trajectories``).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.activations import T, activation_named
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.mlp import MLP
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.ntk_trajectories import RANK_RTOL
from landscape.searching.critical_points import search
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications.common import (
    BOUND_SLACK,
    checks_certificate,
    grid_inputs,
    rows,
    small_search,
)
from landscape.theorems.modifications.ntk_trajectories import (
    horizon,
    neuron_instances,
    positive_gram_check,
    trajectory_count,
    trajectory_evidence,
)
from landscape.theorems.wide_nets import narrow_every_min_global, scalar_inputs
from landscape.theorems.wide_nets.plateaus import (
    duplicate_instances,
    redundant_minimum_check,
)

POSITION = 140  # place in the catalogue (landscape.theorems.catalogue)

GRADIENT_AGREEMENT = 1e-8  # closed-form vs autograd gradient, relative (rounding is ~1e-15)


def singular_values(matrix: np.ndarray) -> np.ndarray:
    return np.linalg.svd(np.asarray(matrix, dtype=np.float64), compute_uv=False)


def rank_figures(matrix: np.ndarray) -> dict[str, float]:
    """sigma_1, sigma_r (r = min shape), the rank tolerance and the numerical rank."""
    values = singular_values(matrix)
    top = float(values[0]) if values.size else 0.0
    tolerance = RANK_RTOL * top * max(matrix.shape)
    return {"sigma_max": top, "sigma_min": float(values[-1]) if values.size else 0.0, "tolerance": tolerance,
            "rank": int((values > tolerance).sum()) if top > 0 else 0, "full": min(matrix.shape)}


def closed_form_gradient(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    """The gradient from the closed forms of the module docstring, without differentiating the
    loss: (2/n) e Z_L^T (the output layer's block, ``features``) or (2/n) G e (all of it,
    ``jacobian``; G from the outputs' derivatives), e = f(X) - Y."""
    theta = rows(point)
    residual = (landscape.outputs(theta) - torch.as_tensor(landscape.y, dtype=DTYPE))[0]  # (1, n)
    scale = 2.0 / landscape.n
    if which == "features":
        return (scale * residual @ landscape.features(theta)[0].T).numpy().reshape(-1)
    return (scale * landscape.output_jacobian(theta)[0] @ residual[0]).numpy()


def gradient_disagreement(landscape: MLP, point: np.ndarray, which: str) -> float:
    """|closed form - autograd| / max(|autograd|, loss scale x 1e-300) on the closed form's block."""
    autograd = landscape.gradient(rows(point))[0].numpy()
    if which == "features":
        _, _, start, end = landscape.layers[-1]
        autograd = autograd[start:end]
    closed = closed_form_gradient(landscape, point, which)
    return float(np.linalg.norm(closed - autograd) / max(float(np.linalg.norm(autograd)), 1e-300))


def residual_bound(landscape: MLP, point: np.ndarray, sigma_min: float, which: str) -> dict[str, float]:
    """Loss, closed-form gradient norm and the loss bound (n/4) ||g||^2 / sigma_min^2 (module docstring)."""
    theta = rows(point)
    loss = float(landscape.loss(theta)[0])
    gradient = float(np.linalg.norm(closed_form_gradient(landscape, point, which)))
    n = landscape.n
    bound = (n / 4.0) * gradient**2 / sigma_min**2 if sigma_min > 0 else math.inf
    return {"loss": loss, "gradient_norm": gradient, "loss_bound": bound}


def _matrix(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    """The features Z_L(X) (``features``) or the output Jacobian G (``jacobian``) at ``point``."""
    theta = rows(point)
    if which == "features":
        return landscape.features(theta)[0].numpy()
    return landscape.output_jacobian(theta)[0].numpy()


@replayable("full-rank-residual-bound")
def _check_rank_bound(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """``which`` (features Z or Jacobian G) has certified full column rank n, yet the loss exceeds
    (n/4) ||grad||^2 / sigma_min^2: the recorded point contradicts the bound."""
    if not isinstance(landscape, MLP):
        return CheckResult("full-rank-residual-bound", False, "needs a fully connected network")
    which = args["which"]
    figures = rank_figures(_matrix(landscape, point, which))
    full = figures["rank"] == landscape.n
    bound = residual_bound(landscape, point, figures["sigma_min"], which)
    violated = bound["loss"] > bound["loss_bound"] * (1 + BOUND_SLACK) + tol.loss * landscape.loss_scale()
    return CheckResult(
        "full-rank-residual-bound", bool(full and violated),
        f"{which}: sigma_min = {figures['sigma_min']:.4g} (rank {figures['rank']}, n = {landscape.n}); loss "
        f"{bound['loss']:.6g} vs bound (n/4)|grad|^2/sigma_min^2 = {bound['loss_bound']:.3g}",
    )


@replayable("rank-deficient-critical")
def _check_rank_deficient(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """A critical point (|grad| <= tolerance) with loss >= ``loss_at_least`` whose ``which``
    matrix has rank < n (its recorded rank or less)."""
    if not isinstance(landscape, MLP):
        return CheckResult("rank-deficient-critical", False, "needs a fully connected network")
    which = args["which"]
    figures = rank_figures(_matrix(landscape, point, which))
    theta = rows(point)
    loss = float(landscape.loss(theta)[0])
    gradient = float(landscape.gradient(theta)[0].norm())
    scale = max(landscape.loss_scale(), loss)
    critical = gradient <= tol.gradient * scale / max(1.0, float(np.linalg.norm(point)))
    passed = critical and loss >= float(args["loss_at_least"]) and figures["rank"] <= int(args["rank"]) < landscape.n
    return CheckResult(
        "rank-deficient-critical", bool(passed),
        f"|grad| = {gradient:.3g} (critical: {critical}); loss {loss:.6g} >= {float(args['loss_at_least']):.3g}; "
        f"{which} rank {figures['rank']} < n = {landscape.n} (sigma_min {figures['sigma_min']:.3g}, "
        f"tolerance {figures['tolerance']:.3g})",
    )


FEATURE_ACTIVATIONS = ("tanh", "sigmoid", "softplus", "asinh", "exp")


@dataclass(frozen=True, slots=True)
class NetInstance:
    """A fully connected net (squared loss, no output bias): hidden widths, activation, data."""

    hidden: tuple[int, ...]
    activation: str
    x: tuple[tuple[float, ...], ...]
    y: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.y)

    def landscape(self) -> MLP:
        widths = (len(self.x), *self.hidden, 1)
        return MLP(widths, self.activation, np.array(self.x), np.array([self.y]))


def net_instances(min_n: int = 2, max_n: int = 4, activations: tuple[str, ...] = FEATURE_ACTIVATIONS,
                  last_offsets: tuple[int, ...] = (-1, 0, 1)) -> st.SearchStrategy[NetInstance]:
    """n in [min_n, max_n], d_0 in 1..2, one or two hidden layers, last width n + offset."""
    def build(n: int, d: int, depth: int) -> st.SearchStrategy[NetInstance]:
        last = st.sampled_from(sorted({max(1, n + k) for k in last_offsets}))
        hidden = st.tuples(*([st.integers(2, 3)] * (depth - 1)), last)
        targets = st.tuples(*[st.integers(-4, 4).filter(bool).map(lambda k: k / 2)] * n)
        return st.builds(NetInstance, hidden, st.sampled_from(activations), grid_inputs(n, d), targets)

    return st.tuples(st.integers(min_n, max_n), st.integers(1, 2), st.integers(1, 2)).flatmap(lambda t: build(*t))


@functools.cache
def derivatives_nonzero_at_zero(activation: str, count: int) -> bool:
    """Claim VI.2's hypothesis, exactly: sigma^(k)(0) != 0 for k = 0..count-1."""
    expression = activation_named(activation).expression
    return all(sympy.simplify(sympy.diff(expression, T, k).subs(T, 0)) != 0 for k in range(count))


def _critical_mask(landscape: Landscape, points: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    theta = torch.as_tensor(points, dtype=DTYPE)
    losses = landscape.loss(theta).numpy()
    gradients = landscape.gradient(theta).norm(dim=1).numpy()
    scale = np.maximum(landscape.loss_scale(), losses) / np.maximum(1.0, np.linalg.norm(points, axis=1))
    return gradients <= context.tolerances.gradient * scale, losses, gradients


def rank_bound_check(which: str, theorem_id: str):  # type: ignore[no-untyped-def]
    """Claims VI.1 / VI.3: at every refined critical point whose ``which`` matrix (features Z or
    Jacobian G) has certified full column rank n, the loss obeys the residual bound (so is 0 up
    to rounding); a point that breaks it is certified as a counterexample."""

    def check_instance(instance: NetInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        landscape = instance.landscape()
        found = small_search(landscape, context, seed)
        restarts = found.starts
        special = [np.zeros(landscape.n_params)] if which == "jacobian" else []
        points = np.concatenate([np.stack(special), found.points]) if special else found.points
        critical, losses, _ = _critical_mask(landscape, points, context)
        counts: Counter[str] = Counter()
        worst = 0.0
        deficient_sigma = []
        for point, is_critical, loss in zip(points, critical, losses):
            if not is_critical:
                counts["not_critical"] += 1
                continue
            disagreement = gradient_disagreement(landscape, point, which)
            if not disagreement <= GRADIENT_AGREEMENT:
                return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: closed-form and autograd gradients differ by "
                                f"{disagreement:.2g} (relative): an oracle is wrong", None, counts, restarts)
            figures = rank_figures(_matrix(landscape, point, which))
            bound = residual_bound(landscape, point, figures["sigma_min"], which)
            if figures["rank"] == landscape.n:
                counts[f"critical, {which} rank n"] += 1
                allowed = bound["loss_bound"] * (1 + BOUND_SLACK) + context.tolerances.loss * landscape.loss_scale()
                worst = max(worst, loss / max(allowed, 1e-300))
                if loss > allowed:
                    return _rank_counterexample(theorem_id, which, instance, landscape, point, figures, bound, context, seed, counts)
            else:
                counts[f"critical, {which} rank < n"] += 1
                if loss > context.tolerances.loss * landscape.loss_scale():
                    deficient_sigma.append(figures["sigma_min"] / max(figures["sigma_max"], 1e-300))
        message = (f"{instance!r}: {restarts} starts; {dict(counts)}; full-rank critical points: loss / bound <= {worst:.3g}; "
                   f"sub-optimal critical points all rank-deficient ({len(deficient_sigma)}, sigma_min/sigma_max <= "
                   f"{max(deficient_sigma, default=0.0):.2g})")
        if which == "features":
            density = _density(landscape, instance, restarts, seed)
            if density is not None and not density[0]:
                return Evidence(Outcome.INCONCLUSIVE, f"{message}; Claim VI.2: {density[1]}", None, counts, restarts)
            message += f"; Claim VI.2: {density[1] if density else 'hypothesis sigma^(k)(0) != 0 fails, not checked'}"
        return Evidence(Outcome.SUPPORTS, message, None, counts, restarts)

    return check_instance


def _density(landscape: MLP, instance: NetInstance, restarts: int, seed: int) -> tuple[bool, str] | None:
    """At the random (Xavier) starts Z_L(X) has rank min(d_L, n), when the hypothesis holds."""
    if not derivatives_nonzero_at_zero(instance.activation, landscape.n):
        return None
    starts = landscape.random_points(restarts, torch.Generator().manual_seed(seed))
    features = landscape.features(starts).numpy()
    ranks = [rank_figures(z) for z in features]
    full = sum(r["rank"] == r["full"] for r in ranks)
    return full == len(ranks), f"features of full rank min(d_L, n) at {full} of {len(ranks)} random points"


def _rank_counterexample(theorem_id, which, instance, landscape, point, figures, bound, context, seed, counts) -> Evidence:  # type: ignore[no-untyped-def]
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    claim = (f"{instance!r}: critical point with {which} of full rank n (sigma_min {figures['sigma_min']:.4g}) and loss "
             f"{bound['loss']:.6g} above the bound {bound['loss_bound']:.3g}")
    checks = [{"name": "full-rank-residual-bound", "args": {"which": which}}]
    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


FULL_RANK_FEATURES = Theorem(
    id="full-rank-features-global",
    title="A critical point (so every local minimum) with full-rank features Z_L(X) is global",
    source="001 Claims VI.1, VI.2",
    statement=(
        "Squared loss, $f_\\theta(x) = W_{L+1} z_L(x)$.  At a critical point where $Z_L(X) \\in \\mathbb R^{d_L \\times n}$ "
        "has rank $n$, the last-layer gradient $\\tfrac2n e Z_L^\\top = 0$ forces $e = 0$: the loss is its global minimum 0. "
        "Checked at every refined critical point with $\\|e\\| \\le \\tfrac n2 \\|\\nabla F\\| / \\sigma_{\\min}(Z_L)$; Claim VI.2 "
        "(density of full rank) at random points when $\\sigma^{(k)}(0) \\ne 0$ for $k < n$."
    ),
    expectation=Expectation.HOLDS,
    instances=net_instances,
    check=rank_bound_check("features", "full-rank-features-global"),
    hypotheses=("squared loss, no output bias", "n in 2..4 distinct inputs", "d_L in {n-1, n, n+1}: both full-rank and rank-deficient cases",
                "'full rank' = rank n (column rank)"),
)

def ntk_check(instance: NetInstance, context: Context) -> Evidence:
    """Claim VI.3 at the searched critical points (:func:`rank_bound_check`), then Claim VII.1
    along GD trajectories (:mod:`~landscape.theorems.modifications.ntk_trajectories`): the
    instance is decided only where a run converged with the uniform bound exercised."""
    pointwise = rank_bound_check("jacobian", "ntk-full-rank-critical-global")(instance, context)
    if pointwise.outcome is not Outcome.SUPPORTS:
        return pointwise
    runs = trajectory_evidence(instance.landscape(), context, context.seed_for(instance), True, "Claim VII.1",
                               trajectory_count(context), horizon(context))
    runs.message = f"{pointwise.message}; {runs.message}"
    runs.candidates.update(pointwise.candidates)
    runs.restarts += pointwise.restarts
    return runs


NTK_FULL_RANK = Theorem(
    id="ntk-full-rank-critical-global",
    title="Scalar output, squared loss: a critical point with full-rank G(theta) has zero loss, and so has a GD limit under a uniform NTK bound",
    source="001 Claim VI.3, Claim VII.1",
    statement=(
        "$\\nabla F = \\tfrac2n G(\\theta) e$, so at a critical point with $G$ of rank $n$ the residual vanishes (Claim VI.3).  "
        "Checked at every refined critical point (and the origin) with $\\|e\\| \\le \\tfrac n2 \\|\\nabla F\\| / \\sigma_{\\min}(G)$; "
        "the sub-optimal critical points found are recorded with their rank-deficient $G$.  Claim VII.1: if "
        "$\\theta(k+1) = \\mathcal A(\\theta(k))$ with $\\lambda_{\\min}(G^\\top G(\\theta(k))) \\ge c > 0$ for all $k$, a critical "
        "limit point is a global minimum with zero value.  Checked along fixed-step GD runs from Xavier starts "
        "($\\eta = 1/\\lambda_{\\max}(\\nabla^2 F(\\theta(0)))$, half the stability edge $2/L$ at the start; runs count when "
        "$\\eta\\lambda_{\\max}(\\nabla^2F) < 2$ at the end too): a run ending at a critical point with "
        "$c = \\min_k \\lambda_{\\min} \\ge 10^{-8} \\max_k \\lambda_{\\max}$ must end at zero loss, "
        "$F \\le \\tfrac n4 \\|\\nabla F\\|^2 / c$ up to the zero-loss tolerance; an instance is decided only where such a run "
        "converged."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: net_instances(2, 4, ("tanh", "sigmoid", "asinh"), (-1, 0)),
    check=ntk_check,
    hypotheses=("scalar output, squared loss", "n in 2..4",
                "GD: fixed step 1/lambda_max(H(theta(0))) per start, Xavier starts, a quarter of the budget's restarts, "
                "five times the budget's descent steps as horizon",
                "uniform bound exercised: min_k lambda_min(K) >= 1e-8 max_k lambda_max(K); end critical to 1e-6 (relative)"),
)


# -- Falsified variants -----------------------------------------------------------------------

SEARCH_STARTS = 4  # starts of the variant's search (every end point is critical and rank-deficient)
CRITICAL_RTOL = 1e-8  # |grad| <= this x loss scale / max(1, |theta|): a critical point (the check's own test)


def square_inputs(min_n: int = 4, max_n: int = 5) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...], int]]:
    """(x, y, d_L): n distinct scalar inputs in [-2, 2], labels that no quadratic fits, d_L in n..n+1."""
    def build(n: int) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...], int]]:
        x = st.lists(st.integers(-8, 8), min_size=n, max_size=n, unique=True).map(lambda v: tuple(k / 4 for k in v))
        y = st.tuples(*[st.integers(-4, 4).map(lambda k: k / 2)] * n)
        return st.tuples(x, y, st.integers(n, n + 1)).filter(lambda t: quadratic_residual(t[0], t[1]) > 1e-3)

    return st.integers(min_n, max_n).flatmap(build)


def quadratic_residual(x: tuple[float, ...], y: tuple[float, ...]) -> float:
    """(1/n) min over quadratics q of sum_i (y_i - q(x_i))^2: a lower bound on the t^2 net's loss."""
    design = np.vander(np.asarray(x), 3)
    fitted = design @ np.linalg.lstsq(design, np.asarray(y), rcond=None)[0]
    return float(((np.asarray(y) - fitted) ** 2).mean())


def square_rank_check(which: str):  # type: ignore[no-untyped-def]
    """A searched critical point of a wide t^2 net with ``which`` (features or Jacobian) of rank
    < n and loss >= the quadratic-fit residual > 0: a counterexample to 'zero loss'."""

    def check_instance(instance: tuple[tuple[float, ...], tuple[float, ...], int], context: Context) -> Evidence:
        x, y, width = instance
        seed = context.seed_for(instance)
        landscape = MLP((1, width, 1), "square", np.array([x]), np.array([y]))
        budget = context.budget
        found = search(landscape, SEARCH_STARTS, max(50, budget.descent_steps // 4), max(10, budget.refine_steps // 3), seed, context.device)
        floor = quadratic_residual(x, y)
        counts: Counter[str] = Counter()
        for index in np.argsort(found.gradient_norms):
            point = found.points[index]
            scale = max(landscape.loss_scale(), float(found.losses[index])) / max(1.0, float(np.linalg.norm(point)))
            if found.gradient_norms[index] > CRITICAL_RTOL * scale:
                counts["not critical"] += 1
                continue
            figures = rank_figures(_matrix(landscape, point, which))
            counts[f"critical, {which} rank {figures['rank']}"] += 1
            checks = [{"name": "loss", "args": {"value": float(found.losses[index])}},
                      {"name": "rank-deficient-critical", "args": {"which": which, "rank": figures["rank"], "loss_at_least": 0.5 * floor}}]
            claim = (f"t^2 net {landscape.widths}, x={x}, y={y}: a searched critical point (|theta| = "
                     f"{np.linalg.norm(point):.3g}) with loss {found.losses[index]:.6g} >= {floor:.4g} (quadratic-fit residual) > 0; "
                     f"{which} rank {figures['rank']} < n = {landscape.n} although d_L = {width} >= n")
            cert = checks_certificate(context, claim, landscape, point, checks)
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.starts)
        return Evidence(Outcome.INCONCLUSIVE, f"t^2 net, x={x}: no search end point is critical", None, counts, found.starts)

    return check_instance


VARIANTS = [
    Theorem(
        id="variant-any-rank-critical-point-global",
        title="(false) Every local minimum is global, whatever the rank of Z_L(X)",
        source="001 Claim VI.1 with the full-rank condition dropped",
        statement=("Dropped hypothesis: the sigmoid duplicate-neuron point ($p \\ge n$, hidden biases) is a certified "
                   "non-strict local minimum with rank-1 features and positive loss; a certified flat path ends lower."),
        expectation=Expectation.HOLDS,
        instances=duplicate_instances,
        check=redundant_minimum_check,
        hypotheses=("sigmoid, scalar inputs, n in 5..6, p in n..n+1", "outputs of the duplicate-neuron construction"),
        falsifies="full-rank-features-global",
    ),
    Theorem(
        id="variant-full-row-rank-features-global",
        title="(false) 'Full rank' may be read as full row rank: d_L = n - 1 suffices",
        source="001 Claim VI.1 with rank n weakened to rank d_L (Prop IV.3's construction)",
        statement=("Wrong reading: at the narrow construction $Z_L(X)$ has full row rank $d_L = n - 1$, yet the point is a "
                   "certified strict local minimum with positive loss while an interpolant of the same width exists."),
        expectation=Expectation.HOLDS,
        instances=scalar_inputs,
        check=narrow_every_min_global,
        hypotheses=("d_L = n - 1", "tilted-sine activation"),
        falsifies="full-rank-features-global",
    ),
    Theorem(
        id="variant-wide-features-without-derivative-condition",
        title="(false) d_L >= n alone makes every critical point global (Claim VI.2's derivative condition dropped)",
        source="001 Claims VI.1-VI.2 with sigma^(k)(0) != 0 dropped (t^2: the third derivative vanishes)",
        statement=("Dropped hypothesis: for $t^2$ neurons and scalar inputs $Z_L(X)$ has rank $\\le 3$ everywhere; with "
                   "$n \\ge 4$ labels no quadratic fits, the search reaches critical points with positive loss."),
        expectation=Expectation.HOLDS,
        instances=square_inputs,
        check=square_rank_check("features"),
        hypotheses=("t^2, scalar inputs, n in 4..5, d_L in n..n+1", "labels with a positive quadratic-fit residual"),
        falsifies="full-rank-features-global",
    ),
    Theorem(
        id="variant-every-critical-point-zero-loss",
        title="(false) Every critical point of a wide scalar squared-loss net has zero loss (full-rank G dropped)",
        source="001 Claim VI.3 with the full-rank condition on G dropped",
        statement=("Dropped hypothesis: for $t^2$ neurons and scalar inputs $G(\\theta)$ has rank $\\le 3$ everywhere; the "
                   "search reaches critical points with positive loss although there are more parameters than samples."),
        expectation=Expectation.HOLDS,
        instances=square_inputs,
        check=square_rank_check("jacobian"),
        hypotheses=("t^2, scalar inputs, n in 4..5, d_L in n..n+1",),
        falsifies="ntk-full-rank-critical-global",
    ),
    Theorem(
        id="variant-positive-ntk-along-gd-global",
        title="(false) If lambda_min(K(theta(k))) > 0 at every GD step, the limit point is global (uniform bound dropped)",
        source="001 Claim VII.1 with the uniform bound c > 0 weakened to positivity at every step",
        statement=("Dropped hypothesis: a single tilted-sine neuron $v\\,\\sigma(wx + b)$ on three points ($P = 3 = n$). "
                   "GD from a Xavier start converges to a critical point with $G$ of certified rank $n$ at every "
                   "iterate; $\\lambda_{\\min}(K)$ tends to 0 along the run, and the limit has positive loss."),
        expectation=Expectation.HOLDS,
        instances=neuron_instances,
        check=positive_gram_check,
        hypotheses=("tilted-sine neuron, no output bias, scalar inputs, n = 3",
                    "lambda_min(K) > 0 at every step: G of certified rank n at every iterate"),
        falsifies="ntk-full-rank-critical-global",
    ),
]

THEOREMS = [FULL_RANK_FEATURES, NTK_FULL_RANK]
