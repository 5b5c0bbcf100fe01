r"""Probes of the empirical findings of seed 001 §V (and seed 002's level-set paths).

These make no claim: they measure, and report statistics (``Expectation.PROBE``; the verdict is
``measured``).  Both train small fully connected networks (:class:`~landscape.landscapes.mlp.MLP`)
on generated data from Xavier initialisations, many runs advanced together as one batch
(:func:`~landscape.searching.critical_points.descend`: GD with per-run Armijo steps, or Adam).  Every
random choice derives from ``context.seed_for(instance)``: same seed, same statistics.

``monotone-linear-interpolation`` (Conjecture V.1, Goodfellow et al. [19]): for each run, the
loss on the segment from its initialisation theta^0 to its trained point theta^T, on a grid of
:data:`SEGMENT_POINTS` values of t, is *monotone* when its largest rise (the largest increase met
walking from theta^0, see :mod:`landscape.oracles.curves`) is at most
:data:`MONOTONE_TOLERANCE` times the loss scale.  Per instance: the fraction of monotone runs,
the largest rise, where it peaks, the final loss and how many runs converged.

``mode-connectivity`` (Conjectures V.3, V.4; seed 002 "finding connected components"): pairs
of runs trained independently; the barrier on the straight segment between the two solutions
and on a quadratic Bezier curve through a fitted control point (Garipov et al. [18]: Adam on
E_{t~U[0,1]} F(gamma_psi(t))).  The curve lies in the plane M(theta_1^*, theta_2^*, psi) of
Conjecture V.4.  A pair is *connected* when its curve's barrier is at most
:data:`LOW_BARRIER` times the loss scale.

Limitations, stated once: training is full-batch (the conjecture speaks of SGD) and stops after
the budget's steps, so the "solutions" are approximate (``converged_fraction`` says how many
reached a small gradient); the loss is inspected on a grid, so a bump narrower than the spacing
can be missed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.oracles.curves import (
    barrier,
    fit_bezier,
    grid,
    largest_rise,
    losses_along,
    segment_losses,
)
from landscape.landscapes.base import DTYPE
from landscape.landscapes.mlp import MLP
from landscape.searching.critical_points import descend
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 160  # place in the catalogue (landscape.theorems.catalogue)

SEGMENT_POINTS = 201  # grid of t on every segment and curve
MONOTONE_TOLERANCE = 1e-9  # a rise up to this x loss scale is rounding, not a bump (float64 losses)
CONVERGED_GRADIENT = 1e-3  # a run has converged when ||grad F|| <= this x loss scale
LOW_BARRIER = 1e-2  # a path is low-loss when its barrier is at most this x loss scale
CURVE_SAMPLES = 8  # stratified t per pair in each step of the Bezier fit
# Training takes this fraction of the budget's descent steps, the Bezier fit half as many again
# (quick: 200 and 100): a step costs the same for 32 runs as for one, so runs are cheap, steps not.
TRAINING_STEPS_FRACTION = 0.5
ARCHITECTURES = ((2, 8, 1), (2, 6, 6, 1))
ACTIVATIONS = ("tanh", "relu", "softplus")
OPTIMISERS = ("gd", "adam")
TARGETS = ("teacher", "random")
TEACHER_WIDTH, TEACHER_NOISE = 4, 0.1


@dataclass(frozen=True, slots=True)
class TrainingProblem:
    """A network (widths, activation), how it is trained, and its data (made from a seed)."""

    widths: tuple[int, ...]
    activation: str
    optimiser: str
    targets: str
    samples: int
    data_seed: int

    @property
    def group(self) -> str:
        """The group its statistics are summarised in: architecture, activation, optimiser."""
        return f"{'-'.join(map(str, self.widths))} {self.activation} {self.optimiser}"

    def landscape(self) -> MLP:
        x, y = generated_data(self.widths[0], self.samples, self.targets, self.data_seed)
        return MLP(self.widths, self.activation, x, y)


def generated_data(d0: int, samples: int, targets: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs (d0 x n) and scalar targets of unit mean square: a random tanh teacher
    of width :data:`TEACHER_WIDTH` plus noise (``teacher``), or pure noise (``random``, which
    the network must memorise)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((d0, samples))
    if targets == "random":
        y = rng.standard_normal((1, samples))
    else:
        hidden = np.tanh(rng.standard_normal((TEACHER_WIDTH, d0)) / math.sqrt(d0) @ x)
        y = rng.standard_normal((1, TEACHER_WIDTH)) @ hidden + TEACHER_NOISE * rng.standard_normal((1, samples))
    return x, y / math.sqrt(float(np.mean(y**2)))


def training_problems() -> st.SearchStrategy[TrainingProblem]:
    return st.builds(
        TrainingProblem,
        widths=st.sampled_from(ARCHITECTURES),
        activation=st.sampled_from(ACTIVATIONS),
        optimiser=st.sampled_from(OPTIMISERS),
        targets=st.sampled_from(TARGETS),
        samples=st.integers(8, 12),
        data_seed=st.integers(0, 2**16),
    )


def training_steps(context: Context) -> int:
    return max(1, round(TRAINING_STEPS_FRACTION * context.budget.descent_steps))


def train(landscape: MLP, runs: int, steps: int, optimiser: str, seed: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``runs`` Xavier initialisations (drawn on the CPU from ``seed``) and the points
    ``steps`` iterations of ``optimiser`` take them to, both ``(runs, P)`` float64 on the CPU."""
    start = landscape.random_points(runs, torch.Generator().manual_seed(seed))
    end = descend(landscape, start.to(device), steps, optimiser=optimiser)
    return start, end.to("cpu", DTYPE)


def _median(values: torch.Tensor) -> float:
    return float(np.median(values.numpy()))


def measure_monotone_interpolation(problem: TrainingProblem, context: Context) -> Evidence:
    """Train ``restarts`` runs; measure the loss on each segment theta^0 -> theta^T."""
    landscape = problem.landscape()
    runs, scale = context.budget.restarts, landscape.loss_scale()
    start, end = train(landscape, runs, training_steps(context), problem.optimiser, context.seed_for(problem), context.device)
    t = grid(SEGMENT_POINTS)
    losses = segment_losses(landscape, start, end, t)
    if not bool(torch.isfinite(losses).all()):
        return Evidence(Outcome.INCONCLUSIVE, f"{problem.group}: the loss overflowed on a segment", restarts=runs)
    rise, peak = largest_rise(losses)
    rise = rise / scale
    monotone = rise <= MONOTONE_TOLERANCE
    gradient_norms = landscape.gradient(end).norm(dim=1) / scale
    statistics: dict[str, float | int | bool] = {
        "runs": runs,
        "monotone_fraction": float(monotone.double().mean()),
        "largest_rise_median": _median(rise),
        "largest_rise_max": float(rise.max()),
        "final_loss_median": _median(losses[:, -1] / scale),
        "decreased_fraction": float((losses[:, -1] < losses[:, 0]).double().mean()),
        "converged_fraction": float((gradient_norms <= CONVERGED_GRADIENT).double().mean()),
    }
    if not bool(monotone.all()):
        statistics["rise_peak_t_median"] = _median(t[peak[~monotone]])
    message = f"{problem.group}: {int(monotone.sum())} of {runs} runs monotone, largest rise {statistics['largest_rise_max']:.3g}"
    return Evidence(Outcome.MEASURED, message, restarts=runs, statistics=statistics, group=problem.group)


def measure_mode_connectivity(problem: TrainingProblem, context: Context) -> Evidence:
    """Train ``restarts // 4`` pairs (at least 2); barriers on segments and fitted Bezier curves."""
    landscape = problem.landscape()
    pairs, scale = max(2, context.budget.restarts // 4), landscape.loss_scale()
    seed = context.seed_for(problem)
    _, ends = train(landscape, 2 * pairs, training_steps(context), problem.optimiser, seed, context.device)
    a, b = ends[0::2], ends[1::2]
    steps = max(1, training_steps(context) // 2)
    generator = torch.Generator().manual_seed(seed + 1)
    control = fit_bezier(landscape, a.to(context.device), b.to(context.device), steps, CURVE_SAMPLES, generator).to("cpu", DTYPE)
    t = grid(SEGMENT_POINTS)
    straight_losses = segment_losses(landscape, a, b, t)
    curve_losses = losses_along(landscape, a, control, b, t)
    if not bool(torch.isfinite(straight_losses).all() and torch.isfinite(curve_losses).all()):
        return Evidence(Outcome.INCONCLUSIVE, f"{problem.group}: the loss overflowed on a path", restarts=2 * pairs)
    straight, curve = barrier(straight_losses, t) / scale, barrier(curve_losses, t) / scale
    endpoints = torch.cat([straight_losses[:, 0], straight_losses[:, -1]]) / scale
    distance = (a - b).norm(dim=1) / (0.5 * (a.norm(dim=1) + b.norm(dim=1)))
    connected = curve <= LOW_BARRIER
    statistics: dict[str, float | int | bool] = {
        "pairs": pairs,
        "connected_fraction": float(connected.double().mean()),
        "linearly_connected_fraction": float((straight <= LOW_BARRIER).double().mean()),
        "straight_barrier_median": _median(straight),
        "straight_barrier_max": float(straight.max()),
        "curve_barrier_median": _median(curve),
        "curve_barrier_max": float(curve.max()),
        "endpoint_loss_median": _median(endpoints),
        "endpoint_distance_median": _median(distance),
    }
    message = (
        f"{problem.group}: {int(connected.sum())} of {pairs} pairs connected by a Bezier curve; "
        f"median barrier {statistics['straight_barrier_median']:.3g} straight, {statistics['curve_barrier_median']:.3g} curved"
    )
    return Evidence(Outcome.MEASURED, message, restarts=2 * pairs, statistics=statistics, group=problem.group)


TRAINING_HYPOTHESES = (
    "fully connected networks 2-8-1 or 2-6-6-1 (biases in the hidden layers), tanh, ReLU or softplus",
    "8 to 12 Gaussian inputs; targets from a random tanh teacher plus noise, or random (memorisation)",
    "Xavier initialisation; full-batch GD (Armijo steps) or Adam for the budget's descent steps",
)

THEOREMS = [
    Theorem(
        id="monotone-linear-interpolation",
        title="How often is the loss monotone on the segment from initialisation to the trained point?",
        source="001 Conj V.1",
        statement=(
            r"For a random initial point $\theta^0$ and the point $\theta^T$ training reaches, "
            r"$F((1-t)\theta^0 + t\theta^T)$ is conjectured to decrease on $t \in [0, 1]$ "
            r"(Goodfellow et al.: except, sometimes, a small bump near the initial point). "
            r"Measured: the fraction of runs whose loss on the segment never rises by more than "
            r"$10^{-9}$ of the loss scale, the largest rise, where it peaks, and the final loss."
        ),
        expectation=Expectation.PROBE,
        instances=training_problems,
        check=measure_monotone_interpolation,
        hypotheses=TRAINING_HYPOTHESES,
        headline="monotone_fraction",
    ),
    Theorem(
        id="mode-connectivity",
        title="Are independently trained solutions joined by a low-loss (Bezier) path?",
        source="001 Conj V.3, V.4; 002 level-set paths",
        statement=(
            r"Two solutions $\theta_1^*, \theta_2^*$ trained from independent initialisations: the "
            r"barrier $\max_t F(\gamma(t)) - ((1-t)F(\theta_1^*) + tF(\theta_2^*))$ on the straight "
            r"segment, and on the quadratic Bezier curve "
            r"$\gamma_\psi(t) = (1-t)^2\theta_1^* + 2t(1-t)\psi + t^2\theta_2^*$ with $\psi$ fitted "
            r"by minimising $E_{t \sim U[0,1]} F(\gamma_\psi(t))$ (the curve lies in the plane "
            r"$M(\theta_1^*, \theta_2^*, \psi)$ of Conjecture V.4). Measured: barrier statistics "
            r"and the fraction of pairs whose curve's barrier is at most $10^{-2}$ of the loss scale."
        ),
        expectation=Expectation.PROBE,
        instances=training_problems,
        check=measure_mode_connectivity,
        hypotheses=TRAINING_HYPOTHESES + ("pairs of runs from independent initialisations",),
        headline="connected_fraction",
    ),
]

VARIANTS: list[Theorem] = []  # probes claim nothing, so there is nothing to falsify
