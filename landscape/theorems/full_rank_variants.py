r"""Falsified variants of Claims VI.1-VI.3 (seed 001 §VI-A) that fail where the claims bite.

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
  minimum that is not global (``theorems/wide_plateaus``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.landscapes.builders import spec_of
from landscape.certificates.certificate import Certificate
from landscape.certificates.replay import replay_data
from landscape.landscapes.base import DTYPE
from landscape.landscapes.mlp import MLP
from landscape.searching.critical_points import search
from landscape.theorems.common import certified
from landscape.theorems.model import Context, Evidence, Outcome
from landscape.theorems.modifications_checks import rank_figures

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


def checks_certificate(context: Context, claim: str, landscape: MLP, point: np.ndarray,
                       checks: list[dict[str, Any]]) -> Certificate | None:
    """A counterexample certificate carrying only ``checks`` (the claim is about critical points,
    so no classification, whose higher-order probes cost most of the time here), replayed first."""
    certificate = Certificate(theorem_id=context.theorem_id, role="counterexample", claim=claim, landscape=spec_of(landscape),
                              point=[float(v) for v in point], checks=checks, tolerances=context.tolerances.as_dict(),
                              seed=context.seed)
    return certificate if replay_data(certificate.to_json()).passed else None


def _matrix(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    return (landscape.features(theta) if which == "features" else landscape.output_jacobian(theta))[0].numpy()
