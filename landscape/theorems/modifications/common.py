"""What the §VI families share: a search scaled down from the budget, the scaling paths theta(c)
along which a logistic loss falls towards an unattained infimum (Thm VI.1 with the logistic loss,
the cubic regulariser dropped from Thm VI.2), with their replayable check, and certificates that
carry only a family's own checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.certificate import FLOAT64_NOTE, Certificate
from landscape.certificates.registry import CheckResult, replayable
from landscape.certificates.replay import replay_data
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.builders import spec_of
from landscape.landscapes.mlp import MLP
from landscape.oracles.classify import Tolerances
from landscape.searching.critical_points import search
from landscape.theorems.model import Context

BOUND_SLACK = 1e-6  # relative slack on the residual bounds (rounding in the gradient and SVD)
MARGIN_FLOOR = 1e-9  # margins y_i f(x_i) must exceed this x max(1, |f|) to count as positive
PATH_GRID = np.geomspace(1.0, 1e3, 40)  # scale factors c of the scaling paths (default grid)
PATH_MARGIN_END = 30.0  # the scaling-path grid stops where c^k min_i m_i reaches this


def small_search(landscape: Landscape, context: Context, seed: int):  # type: ignore[no-untyped-def]
    """A search scaled down from the budget (an eighth of its starts, a quarter of its descent and
    a third of its refinement steps): every start is refined with full Hessians, and these
    properties judge every end point, so a few well-refined starts per instance suffice."""
    budget = context.budget
    return search(landscape, max(4, budget.restarts // 8), max(50, budget.descent_steps // 4),
                  max(10, budget.refine_steps // 3), seed, context.device)


def rows(point: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None]


def scaled_points(point: np.ndarray, coordinates: list[int] | None, grid: np.ndarray = PATH_GRID) -> np.ndarray:
    """theta(c): the chosen coordinates (all when None) multiplied by c, for c in ``grid``."""
    mask = np.ones(point.size) if coordinates is None else np.isin(np.arange(point.size), coordinates).astype(float)
    factors = 1.0 + (grid[:, None] - 1.0) * mask[None, :]
    return point[None, :] * factors


def scaling_path_figures(landscape: MLP, point: np.ndarray, coordinates: list[int] | None, degree: int) -> dict[str, Any]:
    """Margins at c = 1, outputs (must be c^degree times), penalty (must stay put), losses, norms."""
    start = landscape.outputs(rows(point))[0, 0].numpy()
    smallest = float((landscape.y[0] * start).min())
    # c up to where the smallest margin reaches PATH_MARGIN_END: beyond it softplus(-c^k m)
    # underflows to 0 in float64 and the grid could not show the (still strict) decrease.
    top = max(2.0, PATH_MARGIN_END / smallest) ** (1.0 / degree) if smallest > 0 else 2.0
    grid = np.geomspace(1.0, top, PATH_GRID.size)
    points = scaled_points(point, coordinates, grid)
    theta = torch.as_tensor(points, dtype=DTYPE)
    outputs = landscape.outputs(theta)[:, 0, :].numpy()
    margins = (landscape.y[0] * outputs[0])
    predicted = grid[:, None] ** degree * outputs[0][None, :]
    homogeneity = float(np.abs(outputs - predicted).max() / max(1e-300, float(np.abs(predicted).max())))
    penalties = landscape.penalty(theta).numpy()
    losses = landscape.loss(theta).numpy()
    return {"margins": margins, "homogeneity_error": homogeneity, "penalty_change": float(np.abs(penalties - penalties[0]).max()),
            "losses": losses, "norms": np.linalg.norm(points, axis=1), "outputs_scale": float(np.abs(outputs[0]).max())}


@replayable("scaling-path-decrease")
def _check_scaling_path(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    r"""Along theta(c) (``coordinates`` times c, c >= 1) the outputs are c^k f_i and the penalty is
    constant, so with margins m_i = y_i f_i > 0 the logistic loss has
    dF/dc = -(1/n) sum_i k c^{k-1} m_i sigma(-c^k m_i) < 0 for every c >= 1 (exact argument; the
    float64 part checks the margins, the homogeneity and the penalty, and evaluates F on a grid):
    a strictly decreasing path to infinity whose values tend to inf = 0, never attained."""
    if not isinstance(landscape, MLP) or landscape.loss_name != "logistic":
        return CheckResult("scaling-path-decrease", False, "needs a logistic-loss fully connected network")
    coordinates = args.get("coordinates")
    figures = scaling_path_figures(landscape, point, coordinates, int(args["degree"]))
    floor = MARGIN_FLOOR * max(1.0, figures["outputs_scale"])
    margins_ok = bool((figures["margins"] > floor).all())
    homogeneous = figures["homogeneity_error"] <= 1e-10
    flat_penalty = figures["penalty_change"] <= 1e-12 * max(1.0, float(figures["losses"][0]))
    losses = figures["losses"]
    decreasing = bool((np.diff(losses) < 0).all()) and bool((np.diff(figures["norms"]) > 0).all())
    passed = margins_ok and homogeneous and flat_penalty and decreasing and losses[-1] > 0
    return CheckResult(
        "scaling-path-decrease", passed,
        f"min margin y_i f(x_i) = {figures['margins'].min():.6g} > 0; outputs scale as c^{args['degree']} (rel. error "
        f"{figures['homogeneity_error']:.2g}), penalty constant (change {figures['penalty_change']:.2g}); F falls from "
        f"{losses[0]:.6g} to {losses[-1]:.6g} > 0 as |theta| grows from {figures['norms'][0]:.3g} to {figures['norms'][-1]:.3g}",
    )


def grid_inputs(n: int, d: int) -> st.SearchStrategy[tuple[tuple[float, ...], ...]]:
    """d rows of n inputs on the half-integer grid in [-2, 2], the first row without repeats."""
    first = st.lists(st.integers(-4, 4), min_size=n, max_size=n, unique=True).map(lambda v: tuple(k / 2 for k in v))
    other = st.lists(st.tuples(*[st.integers(-4, 4).map(lambda k: k / 2)] * n), min_size=d - 1, max_size=d - 1)
    return st.tuples(first, other).map(lambda pair: (pair[0], *pair[1]))


def checks_certificate(context: Context, claim: str, landscape: Landscape, point: np.ndarray,
                       checks: list[dict[str, Any]], rigour_note: str = FLOAT64_NOTE) -> Certificate | None:
    """A float64 counterexample certificate carrying only ``checks`` (the claim rests on them alone,
    so no generic classification, whose higher-order probes cost most of the time), replayed first;
    ``None`` when the replay fails.  ``rigour_note`` says what the float64 claim rests on."""
    certificate = Certificate(theorem_id=context.theorem_id, role="counterexample", claim=claim, landscape=spec_of(landscape),
                              point=[float(v) for v in point], checks=checks, tolerances=context.tolerances.as_dict(),
                              seed=context.seed, rigour="float64", rigour_note=rigour_note)
    return certificate if replay_data(certificate.to_json()).passed else None
