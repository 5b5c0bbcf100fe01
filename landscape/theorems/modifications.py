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
from landscape.oracles.landscapes import DTYPE, Landscape, loss_at
from landscape.oracles.minimum_certificate import better_point_check, strict_minimum_radius
from landscape.oracles.mlp import MLP
from landscape.oracles.modified_nets import CubicReQUNet, ExponentialNeuronNet, cubic_bound_minimiser, sphere_infimum
from landscape.oracles.networks import T
from landscape.oracles.search import search
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications_checks import (
    BOUND_SLACK,
    rank_figures,
    residual_bound,
    scaling_path_figures,
)

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


@functools.lru_cache(maxsize=None)
def derivatives_nonzero_at_zero(activation: str, count: int) -> bool:
    """Claim VI.2's hypothesis, exactly: sigma^(k)(0) != 0 for k = 0..count-1."""
    from landscape.oracles.mlp import network_activation

    expression = network_activation(activation).expression
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
            figures = rank_figures(_matrix_of(landscape, point, which))
            bound = residual_bound(landscape, point, figures["sigma_min"])
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
