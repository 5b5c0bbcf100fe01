r"""Eliminating bad local minima (seed 001 §VI-A, §VI-B, §VI-C and Claim VII.1).

Theorems (all ``holds``), falsified variants at the end:

* ``full-rank-features-global`` (Claims VI.1, VI.2): at a critical point where the last hidden
  layer's features Z_L(X) (d_L x n) have full column rank n, the loss is 0, the global minimum
  (the last layer alone can fit any Y).  "Full rank" is read as rank n: for d_L < n a full
  *row* rank does not help (a narrow net's least-squares residual is generally positive).
  Checked at every refined critical point of a multi-start search with the residual bound of
  ``modifications_checks``; Claim VI.2 (density) at the random starts, for activations whose
  derivatives sigma^(k)(0), k < n, are all non-zero (decided exactly by sympy).
* ``ntk-full-rank-critical-global`` (Claim VI.3, Claim VII.1): scalar output, squared loss; a
  critical point with full-rank G(theta) has zero loss, with ||e|| <= (n/2)||grad F||/sigma_min(G).
* ``exponential-neuron-no-bad-min`` (Thm VI.1 and the remark after it): see
  :func:`exponential_check`.
* ``requ-cubic-regulariser-coercive`` (Thm VI.2): see :func:`requ_check`.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import sympy
import torch
from hypothesis import strategies as st

from landscape.oracles.classify import classify
from landscape.landscapes.base import DTYPE, Landscape, loss_at
from landscape.oracles.minimum_certificate import (
    better_point_check,
    strict_minimum_radius,
)
from landscape.landscapes.mlp import MLP
from landscape.landscapes.modified_nets import (
    CubicReQUNet,
    ExponentialNeuronNet,
    cubic_bound_minimiser,
    sphere_infimum,
)
from landscape.landscapes.activations import T, activation_named
from landscape.searching.critical_points import search
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.full_rank_variants import square_inputs, square_rank_check
from landscape.theorems.wide_nets import narrow_every_min_global, scalar_inputs
from landscape.theorems.wide_plateaus import duplicate_instances, redundant_minimum_check
from landscape.theorems.modifications_checks import (
    BOUND_SLACK,
    GRADIENT_AGREEMENT,
    gradient_disagreement,
    rank_figures,
    residual_bound,
    scaling_path_figures,
)

POSITION = 140  # place in the catalogue (landscape.theorems.catalogue)

FEATURE_ACTIVATIONS = ("tanh", "sigmoid", "softplus", "asinh", "exp")


def small_search(landscape: Landscape, context: Context, seed: int):  # type: ignore[no-untyped-def]
    """A search scaled down from the budget (an eighth of its starts, a quarter of its descent and
    a third of its refinement steps): every start is refined with full Hessians, and these
    properties judge every end point, so a few well-refined starts per instance suffice."""
    budget = context.budget
    return search(landscape, max(4, budget.restarts // 8), max(50, budget.descent_steps // 4),
                  max(10, budget.refine_steps // 3), seed, context.device)


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


def _inputs(n: int, d: int) -> st.SearchStrategy[tuple[tuple[float, ...], ...]]:
    first = st.lists(st.integers(-4, 4), min_size=n, max_size=n, unique=True).map(lambda v: tuple(k / 2 for k in v))
    other = st.lists(st.tuples(*[st.integers(-4, 4).map(lambda k: k / 2)] * n), min_size=d - 1, max_size=d - 1)
    return st.tuples(first, other).map(lambda pair: (pair[0], *pair[1]))


def net_instances(min_n: int = 2, max_n: int = 4, activations: tuple[str, ...] = FEATURE_ACTIVATIONS,
                  last_offsets: tuple[int, ...] = (-1, 0, 1)) -> st.SearchStrategy[NetInstance]:
    """n in [min_n, max_n], d_0 in 1..2, one or two hidden layers, last width n + offset."""
    def build(n: int, d: int, depth: int) -> st.SearchStrategy[NetInstance]:
        last = st.sampled_from(sorted({max(1, n + k) for k in last_offsets}))
        hidden = st.tuples(*([st.integers(2, 3)] * (depth - 1)), last)
        targets = st.tuples(*[st.integers(-4, 4).filter(bool).map(lambda k: k / 2)] * n)
        return st.builds(NetInstance, hidden, st.sampled_from(activations), _inputs(n, d), targets)

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
            figures = rank_figures(_matrix_of(landscape, point, which))
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


def _matrix_of(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    return (landscape.features(theta) if which == "features" else landscape.output_jacobian(theta))[0].numpy()


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

NTK_FULL_RANK = Theorem(
    id="ntk-full-rank-critical-global",
    title="Scalar output, squared loss: a critical point with full-rank G(theta) has zero loss",
    source="001 Claim VI.3, Claim VII.1",
    statement=(
        "$\\nabla F = \\tfrac2n G(\\theta) e$, so at a critical point with $G$ of rank $n$ the residual vanishes.  Checked at "
        "every refined critical point (and the origin) with $\\|e\\| \\le \\tfrac n2 \\|\\nabla F\\| / \\sigma_{\\min}(G)$; the "
        "sub-optimal critical points found are recorded with their rank-deficient $G$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: net_instances(2, 4, ("tanh", "sigmoid", "asinh"), (-1, 0)),
    check=rank_bound_check("jacobian", "ntk-full-rank-critical-global"),
    hypotheses=("scalar output, squared loss", "n in 2..4"),
)


# -- Thm VI.1: the exponential neuron ---------------------------------------------------------

TEACHER_MARGIN = 0.05  # planted labels need |f_teacher(x_i)| >= this (a margin the path check sees)


@dataclass(frozen=True, slots=True)
class ExponentialInstance:
    """Logistic data labelled by a planted tanh teacher (so f_theta separates it: Thm VI.1's
    realizability hypothesis), one hidden layer of ``hidden`` units, output bias, lambda."""

    hidden: int
    x: tuple[tuple[float, ...], ...]
    teacher_seed: int
    regulariser: float

    def teacher(self) -> tuple[np.ndarray, np.ndarray]:
        """(teacher parameters of the unmodified net, its outputs at X)."""
        base = MLP((len(self.x), self.hidden, 1), "tanh", np.array(self.x), np.ones((1, len(self.x[0]))), "squared", True)
        point = base.random_points(1, torch.Generator().manual_seed(self.teacher_seed), scale=3.0)
        return point[0].numpy(), base.outputs(point)[0, 0].numpy()

    def landscape(self) -> ExponentialNeuronNet:
        _, outputs = self.teacher()
        labels = np.where(outputs >= 0, 1.0, -1.0)
        return ExponentialNeuronNet((len(self.x), self.hidden, 1), "tanh", np.array(self.x), labels[None], self.regulariser)

    def teacher_point(self) -> np.ndarray:
        """The teacher with the exponential neuron off (a = 0, w = 0, b = 0)."""
        point, _ = self.teacher()
        return np.concatenate([point, np.zeros(len(self.x) + 2)])


def _separated(instance: ExponentialInstance) -> bool:
    return bool(np.abs(instance.teacher()[1]).min() >= TEACHER_MARGIN)


def exponential_instances(regularisers: tuple[float, ...] = (0.1, 1.0)) -> st.SearchStrategy[ExponentialInstance]:
    def build(n: int, d: int) -> st.SearchStrategy[ExponentialInstance]:
        return st.builds(ExponentialInstance, st.integers(2, 3), _inputs(n, d), st.integers(0, 2**16),
                         st.sampled_from(regularisers)).filter(_separated)

    return st.tuples(st.integers(3, 5), st.integers(1, 2)).flatmap(lambda t: build(*t))


IDENTITY_SLACK = 1e-6  # relative slack on lambda a^2 <= (|a| + 1) ||grad|| (rounding in the gradient)


def output_layer(landscape: MLP) -> list[int]:
    """Indices of the output layer's weights and bias (the coordinates a scaling path scales)."""
    _, _, start, end = landscape.layers[-1]
    return list(range(start, end))


def exponential_check(instance: ExponentialInstance, context: Context) -> Evidence:
    r"""Thm VI.1 with the logistic loss on realizable data: (ii) via the identity
    lambda a^2 = a d_a L - d_b L <= (|a| + 1) ||grad|| at every search end point (so a -> 0 as the
    gradient does); (i)/(iii): realizable data make inf L~ = 0 unattained (L~ > 0), so a local
    minimum cannot exist, and none may be certified (a strict one would be a counterexample);
    the remark: the teacher with a = 0 starts a path (output layer times c) along which L~
    decreases strictly to 0, unattained, while ||theta|| -> infinity."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    found = small_search(landscape, context, seed)
    theta = torch.as_tensor(found.points, dtype=DTYPE)
    a = found.points[:, landscape.a_index]
    slack = (np.abs(a) + 1.0) * found.gradient_norms * (1 + IDENTITY_SLACK) + 1e-13 * np.maximum(1.0, landscape.regulariser * a**2)
    counts: Counter[str] = Counter({"end point": found.starts})
    if np.any(landscape.regulariser * a**2 > slack):
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the gradient identity fails numerically (implementation fault?)",
                        None, counts, found.starts)
    eigenvalues = torch.linalg.eigvalsh(landscape.hessian(theta)).numpy()
    for point, lowest in zip(found.points, eigenvalues[:, 0]):
        if lowest > 0 and strict_minimum_radius(landscape, point, seed) is not None:
            return _exponential_minimum(instance, landscape, point, context, seed, counts)
    figures = scaling_path_figures(landscape, instance.teacher_point(), output_layer(landscape), 1)
    if not (figures["margins"] > 0).all() or not (np.diff(figures["losses"]) < 0).all():
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the teacher path is not decreasing", None, counts, found.starts)
    small = found.gradient_norms <= 1e-6
    counts["decreasing path to infinity"] += 1
    return Evidence(
        Outcome.SUPPORTS,
        f"{instance!r}: lambda a^2 <= (|a|+1)|grad| at all {found.starts} end points (|a| <= {np.abs(a[small]).max(initial=0):.2g} "
        f"where |grad| <= 1e-6, {int(small.sum())} points); no certified local minimum (inf L~ = 0 unattained); min L~ found "
        f"{found.losses.min():.3g}; teacher path: L~ {figures['losses'][0]:.4g} -> {figures['losses'][-1]:.3g} strictly",
        None, counts, found.starts,
    )


def _exponential_minimum(instance, landscape, point, context, seed, counts) -> Evidence:  # type: ignore[no-untyped-def]
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    strict = strict_minimum_radius(landscape, point, seed)
    checks = [{"name": "strict-minimum-radius", "args": {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}}]
    claim = (f"{instance!r}: a certified strict local minimum of L~ (a = {point[landscape.a_index]:.3g}, L~ = {found.loss:.6g}) "
             "although realizable data leave inf L~ = 0 unattained")
    cert = certify("exponential-neuron-no-bad-min", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


EXPONENTIAL_NEURON = Theorem(
    id="exponential-neuron-no-bad-min",
    title="An exponential neuron plus lambda a^2/2: a = 0 at critical points, no bad minimum; yet a decreasing path to infinity",
    source="001 Thm VI.1 (Liang et al. [36]) and the remark after it",
    statement=(
        "$\\tilde L = \\frac1n\\sum_i \\log(1 + e^{-y_i(f_\\theta(x_i) + a e^{w^\\top x_i + b})}) + \\lambda a^2/2$ on data that "
        "$f_\\theta$ separates.  Every critical point has $a = 0$ ($\\lambda a^2 = a\\partial_a\\tilde L - \\partial_b\\tilde L$, checked "
        "as $\\lambda a^2 \\le (|a|+1)\\|\\nabla\\tilde L\\|$ at every end point).  With the logistic loss the infimum 0 is not "
        "attained, so the local minima of (iii) cannot exist and none may be certified; and along the teacher's output "
        "layer scaled by $c \\to \\infty$ (with $a = 0$) $\\tilde L$ decreases strictly to 0: a decreasing path to infinity."
    ),
    expectation=Expectation.HOLDS,
    instances=exponential_instances,
    check=exponential_check,
    hypotheses=("labels planted by a tanh teacher of the same architecture (realizability)", "logistic loss (seed's eq. (7))",
                "lambda in {0.1, 1}", "n in 3..5, d_0 in 1..2, 2..3 hidden units"),
)


# -- Thm VI.2: the cubic-regularised ReQU network ---------------------------------------------

SPHERE_RADII = (1.0, 4.0, 16.0, 64.0)
SPHERE_STARTS = 16
GLOBAL_RTOL = 1e-6  # a certified minimum counts as global when F - F_best <= this x loss scale
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True, slots=True)
class RequInstance:
    """Distinct inputs (first coordinate), labels +-1, width m >= n + 1, lambda_j = scale x
    (1 + frac(j x golden ratio)): small, and off any fixed rational pattern."""

    x: tuple[tuple[float, ...], ...]
    y: tuple[float, ...]
    extra: int
    scale: float

    @property
    def width(self) -> int:
        return len(self.y) + 1 + self.extra

    def lambdas(self) -> np.ndarray:
        return self.scale * (1.0 + (np.arange(1, self.width + 1) * GOLDEN) % 1.0)

    def landscape(self, regularised: bool = True) -> CubicReQUNet:
        lambdas = self.lambdas() if regularised else np.zeros(self.width)
        return CubicReQUNet(np.array(self.x), np.array([self.y]), self.width, lambdas)


def requ_instances(scales: tuple[float, ...] = (1e-3, 3e-4)) -> st.SearchStrategy[RequInstance]:
    def build(n: int, d: int) -> st.SearchStrategy[RequInstance]:
        labels = st.tuples(*[st.sampled_from((1.0, -1.0))] * n)
        return st.builds(RequInstance, _inputs(n, d), labels, st.integers(0, 1), st.sampled_from(scales))

    return st.tuples(st.integers(2, 3), st.integers(1, 2)).flatmap(lambda t: build(*t))


def coercivity_figures(landscape: CubicReQUNet, seed: int) -> list[dict[str, float]]:
    """Per radius: the numerical inf of F on the sphere, the analytic bound c |theta|^3 there,
    and the penalty at the bound's minimiser (it must equal c R^3: the bound is tight)."""
    constant = landscape.coercivity_constant()
    rows = []
    for index, radius in enumerate(SPHERE_RADII):
        value, point = sphere_infimum(landscape, radius, SPHERE_STARTS, seed + index, steps=150)
        tight = float(landscape.penalty(torch.as_tensor(cubic_bound_minimiser(landscape, radius))[None])[0])
        rows.append({"radius": radius, "infimum": value, "bound": constant * float(np.linalg.norm(point)) ** 3,
                     "tight": tight, "point": point})
    return rows


NEWTON_STEPS = 8  # Newton steps after L-BFGS: quadratic convergence where the Hessian is definite
LBFGS_ITERATIONS = 100  # L-BFGS iterations from each search end point (strong Wolfe line search)


def converge(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
    """Drive a search end point to a critical point: L-BFGS (float64, strong Wolfe), then
    Newton steps while they lower |grad F| (the radius certificate needs |grad| < m rho / 2,
    with m ~ lambda |a| tiny: first-order descent alone stalls far above that)."""
    theta = torch.tensor(point, dtype=DTYPE, requires_grad=True)
    optimiser = torch.optim.LBFGS([theta], lr=1.0, max_iter=LBFGS_ITERATIONS, tolerance_grad=1e-15,
                                  tolerance_change=1e-20, history_size=50, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = landscape.loss(theta[None])[0]
        value.backward()
        return value

    optimiser.step(closure)
    current = theta.detach().numpy().copy()
    if not np.all(np.isfinite(current)):
        return np.asarray(point, dtype=np.float64)
    for _ in range(NEWTON_STEPS):
        at = torch.as_tensor(current, dtype=DTYPE)[None]
        gradient, hessian = landscape.gradient(at)[0].numpy(), landscape.hessian(at)[0].numpy()
        try:
            candidate = current - np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        if not float(landscape.gradient(torch.as_tensor(candidate, dtype=DTYPE)[None]).norm()) < np.linalg.norm(gradient):
            break
        current = candidate
    return current


def requ_check(instance: RequInstance, context: Context) -> Evidence:
    r"""Thm VI.2 (1): F >= c ||theta||^3 (Hoelder, ``oracles/modified_nets``) against the numerical
    inf over spheres (a point below the bound is a certified counterexample) and the bound's
    tightness.  (2): the search's end points are converged (:func:`converge`) and every certified
    strict local minimum (radius certificate on a ball free of ReQU kinks:
    ``CubicReQUNet.smooth_radius``) must have zero training error (all y_i f(x_i) > 0) and F within
    GLOBAL_RTOL of the best point found; else a certified counterexample (better point recorded).
    theta = 0 is a kink of every neuron: no ball there is smooth, so it is never certified (its
    higher-order classification costs minutes at ten parameters).  With no certified minimum only (1) was tested, and the
    evidence says so (counted as "(2) not exercised")."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    counts: Counter[str] = Counter()
    rows = coercivity_figures(landscape, seed)
    for row in rows:
        if row["infimum"] < row["bound"] * (1 - BOUND_SLACK):
            return _below_bound(instance, landscape, row, context, seed)
        if abs(row["tight"] - landscape.coercivity_constant() * row["radius"] ** 3) > 1e-9 * row["tight"]:
            return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the cubic bound is not attained by its minimiser", None, counts)
    counts["sphere"] += len(rows)
    found = small_search(landscape, context, seed)
    points = np.stack([converge(landscape, point) for point in found.points])
    theta = torch.as_tensor(points, dtype=DTYPE)
    losses = landscape.loss(theta).numpy()
    margins = (landscape.y[0][None, :] * landscape.outputs(theta)[:, 0, :].numpy()).min(axis=1)
    best = int(np.argmin(losses))
    eigenvalues = torch.linalg.eigvalsh(landscape.hessian(theta)).numpy()
    minima, others = [], []
    for index, (point, lowest) in enumerate(zip(points, eigenvalues[:, 0])):
        if lowest > 0 and strict_minimum_radius(landscape, point, seed) is not None:
            minima.append(index)
        else:
            others.append(index)
    counts["certified strict local minimum"] += len(minima)
    for index in minima:
        gap = losses[index] - losses[best]
        if margins[index] <= 0 or gap > GLOBAL_RTOL * landscape.loss_scale():
            return _requ_bad_minimum(instance, landscape, points[index], points[best], context, seed, counts, margins[index])
    counts["converged end point not certified"] += len(others)
    values = ", ".join(f"R={r['radius']:g}: {r['infimum']:.4g} >= {r['bound']:.4g}" for r in rows)
    message = (f"{instance!r}: inf F on spheres vs c R^3 ({values}); {len(minima)} certified strict minima of {found.starts} "
               f"converged end points (smooth radius >= {min((landscape.smooth_radius(points[i]) for i in minima), default=0.0):.2g})")
    if not minima:  # (1) was tested; (2) was not: say so, and count it
        counts["(2) not exercised: no certified minimum"] += 1
        return Evidence(Outcome.SUPPORTS, f"{message}; (1) only: no certified minimum, so (2) was not exercised "
                        f"(smooth radius at the converged end points {min(landscape.smooth_radius(points[i]) for i in others):.2g})",
                        None, counts, found.starts)
    return Evidence(
        Outcome.SUPPORTS,
        f"{message}; all with margins > 0 (min {margins[minima].min():.3g}) and F = best found {losses[best]:.6g}",
        None, counts, found.starts,
    )


def _below_bound(instance, landscape, row, context, seed) -> Evidence:  # type: ignore[no-untyped-def]
    point = row["point"]
    found = classify(landscape, point, None, context.tolerances, seed)
    claim = f"{instance!r}: F = {row['infimum']:.6g} < c |theta|^3 = {row['bound']:.6g} on the sphere of radius {row['radius']:g}"
    checks = [{"name": "sphere-below-cubic-bound", "args": {}}]
    cert = certify("requ-cubic-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"sphere": 1}), 0)


def _requ_bad_minimum(instance, landscape, point, better, context, seed, counts, margin) -> Evidence:  # type: ignore[no-untyped-def]
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    strict = strict_minimum_radius(landscape, point, seed)
    checks = [{"name": "strict-minimum-radius", "args": {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}}]
    better_value = loss_at(landscape, better)
    if found.loss - better_value > 0:
        checks.append(better_point_check(found.loss, better, better_value, "best end point of the search", seed,
                                         strict["value_lower_bound_drop"]))
    claim = (f"{instance!r}: certified strict local minimum with F = {found.loss:.6g} (best found {better_value:.6g}), "
             f"min margin {margin:.3g}")
    cert = certify("requ-cubic-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


REQU_CUBIC = Theorem(
    id="requ-cubic-regulariser-coercive",
    title="ReQU, m >= n + 1, cubic regulariser: F is coercive and every local minimum is global with zero training error",
    source="001 Thm VI.2",
    statement=(
        "$F = \\frac1n\\sum_i \\log(1 + e^{-y_i f(x_i)}) + \\frac13\\sum_j\\lambda_j(|a_j|^3 + 2(\\|w_j\\|^2 + b_j^2)^{3/2})$, "
        "$f = \\sum_j a_j \\max(w_j^\\top x + b_j, 0)^2$.  Coercive: $F \\ge \\|\\theta\\|^3/\\sqrt{11.25\\sum_j\\lambda_j^{-2}}$ "
        "(Hoelder), compared with the numerical infimum over spheres.  Every certified strict local minimum of a search "
        "classifies all samples correctly and has the lowest value found."
    ),
    expectation=Expectation.HOLDS,
    instances=requ_instances,
    check=requ_check,
    hypotheses=("m in {n+1, n+2}", "distinct inputs, labels +-1, n in 2..3", ("lambda_j in [s, 2s), s in {1e-3, 3e-4}, "
                 "golden-ratio spread (the threshold lambda_0(D) is not computable: 'small' is an assumption)")),
)


# -- Falsified variants -----------------------------------------------------------------------


def _coercive_claim_check(instance: ExponentialInstance, context: Context) -> Evidence:
    """The modified loss is coercive?  The teacher (a = 0) with its output layer scaled by c."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    point = instance.teacher_point()
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "scaling-path-decrease", "args": {"coordinates": output_layer(landscape), "degree": 1}}]
    claim = (f"{instance!r}: along the teacher's output layer times c (a = 0) L~ decreases strictly from {found.loss:.6g} "
             "towards 0 while ||theta|| -> infinity: not coercive")
    cert = certify("variant-exponential-neuron-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"decreasing path to infinity": 1}), 0)


@dataclass(frozen=True, slots=True)
class BalancedMeans:
    """Positives at +-s_k (k = 1..K), one negative at 0: equal class means, class sizes 2K and 1."""

    spreads: tuple[float, ...]

    def landscape(self) -> ExponentialNeuronNet:
        x = [0.0] + [s for s in self.spreads] + [-s for s in self.spreads]
        y = [-1.0] + [1.0] * (2 * len(self.spreads))
        return ExponentialNeuronNet((1, 2, 1), "tanh", np.array([x]), np.array([y]), 0.0)


def _no_regulariser_check(instance: BalancedMeans, context: Context) -> Evidence:
    r"""lambda = 0: at theta = 0 (tanh: Z = 0), w = 0, b = 0 and a = log(n_+/n_-), the a- and
    b-derivatives vanish (n_+ sigma(-a) = n_- sigma(a)) and so does the w-derivative (equal class
    means): a critical point with a != 0.  (The data stay separable by f_theta: a tanh bump.)"""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    point = np.zeros(landscape.n_params)
    a = math.log(2 * len(instance.spreads))
    point[landscape.a_index] = a
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "exp-neuron-active-critical", "args": {"a_at_least": 0.5 * a}}]
    claim = f"{instance!r}, lambda = 0: a critical point ({found.kind.value}) with a = log(n+/n-) = {a:.6g} != 0"
    cert = certify("variant-exponential-neuron-no-regulariser", "counterexample", claim, landscape, point, found, context, seed,
                   extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({found.kind.value: 1}), 0)


def interpolating_requ_point(landscape: CubicReQUNet) -> np.ndarray:
    """ReQU bumps max(x_1 - t_j, 0)^2 with thresholds between the sorted first coordinates: a
    triangular feature matrix, solved for a so that f(x_i) = y_i; extra neurons dead, a = 0."""
    first = landscape.x[0]
    order = np.argsort(first)
    sorted_x = first[order]
    n, width, d = landscape.n, landscape.width, landscape.widths[0]
    thresholds = np.concatenate([[sorted_x[0] - 1.0], 0.5 * (sorted_x[1:] + sorted_x[:-1])])
    features = np.maximum(first[:, None] - thresholds[None, :], 0.0) ** 2
    a = np.linalg.solve(features, landscape.y[0])
    weights = np.zeros((width, d))
    weights[:, 0] = 1.0
    biases = np.full(width, -(first.max() + 1.0))
    biases[:n] = -thresholds
    outputs = np.zeros(width)
    outputs[:n] = a
    return np.concatenate([weights.reshape(-1), biases, outputs])


def _requ_unregularised_check(instance: RequInstance, context: Context) -> Evidence:
    """Without the regulariser F(c theta) (outputs times c^3) decreases strictly to 0 from an
    interpolating point: a decreasing path to infinity, so F is not coercive."""
    seed = context.seed_for(instance)
    landscape = instance.landscape(regularised=False)
    point = interpolating_requ_point(landscape)
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "scaling-path-decrease", "args": {"coordinates": None, "degree": 3}}]
    claim = f"{instance!r}, lambda = 0: from an interpolating point F(c theta) falls strictly from {found.loss:.6g} towards 0 as c -> infinity"
    cert = certify("variant-requ-no-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"decreasing path to infinity": 1}), 0)


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
        id="variant-exponential-neuron-no-regulariser",
        title="(false) Without lambda a^2/2 the exponential neuron is still inactive at every critical point",
        source="001 Thm VI.1 with the regulariser dropped",
        statement="Dropped hypothesis ($\\lambda = 0$): with equal class means and unequal class sizes there is a critical point with $a = \\log(n_+/n_-) \\ne 0$.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.builds(BalancedMeans, st.lists(st.integers(1, 6).map(lambda k: k / 2), min_size=1, max_size=2,
                                                            unique=True).map(tuple)),
        check=_no_regulariser_check,
        hypotheses=("positives at +-s_k, one negative at 0",),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-exponential-neuron-coercive",
        title="(false) The exponential-neuron modification also makes the loss coercive",
        source="001 §VI-B remark after Thm VI.1 (wrong conclusion)",
        statement="Wrong conclusion: the modified loss has a strictly decreasing path to infinity (the teacher's output layer scaled up).",
        expectation=Expectation.HOLDS,
        instances=exponential_instances,
        check=_coercive_claim_check,
        hypotheses=("realizable data (planted teacher)",),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-requ-no-regulariser-coercive",
        title="(false) Without the cubic regulariser the ReQU loss is still coercive",
        source="001 Thm VI.2 with the regulariser dropped",
        statement="Dropped hypothesis ($\\lambda = 0$): from an interpolating point $F(c\\theta)$ decreases strictly to 0 as $c \\to \\infty$.",
        expectation=Expectation.HOLDS,
        instances=requ_instances,
        check=_requ_unregularised_check,
        hypotheses=("m >= n + 1, distinct first coordinates",),
        falsifies="requ-cubic-regulariser-coercive",
    ),
]

THEOREMS = [FULL_RANK_FEATURES, NTK_FULL_RANK, EXPONENTIAL_NEURON, REQU_CUBIC]
