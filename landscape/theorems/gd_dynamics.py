r"""Gradient-descent dynamics near saddles (seed 002: Lee et al. 2016; Du et al. 2017; Nesterov).

Theorems: ``gd-avoids-strict-saddles`` (the stable set of a strict saddle has measure zero for GD
with step < 1/L), ``gd-exponential-escape-time`` (a chain of saddles that GD needs exponentially
many iterations to pass, perturbed GD polynomially many) and ``gd-first-order-rate`` (GD with
step 1/L reaches ||grad g|| <= eps within 2 L (g(theta_0) - g*)/eps^2 iterations).  Falsified
variants at the end.

Conventions: L is the Lipschitz constant of the gradient (a bound on ||Hessian||_2).  Seed 002
writes the quadratic case as g = theta^T H theta with iteration (1 - gamma lambda_i)^k, which is
the iteration of theta^T H theta / 2; here the quadratic's Hessian is stored, so the modes are
1 - eta h_i with h_i the Hessian's eigenvalues and L = max |h_i|.

On the rate: seed 002 states L (g_0 - g*)/eps^2 iterations.  The textbook argument (Nesterov 2004,
§1.2.3: g_{k+1} <= g_k - ||grad g_k||^2 / (2L)) gives 2 L (g_0 - g*)/eps^2, and the constant 1 is
false: the :class:`~landscape.landscapes.smooth.Sawtooth` needs 4/3 L (g_0 - g*)/eps^2 + 1/3
iterations (the tight bound from the interpolation inequality of L-smooth functions).  The
theorem is encoded with the textbook constant 2; the seed's constant is a falsified variant.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.certificate import Certificate
from landscape.certificates.registry import CheckResult, replayable
from landscape.certificates.replay import replay_data
from landscape.generators.data import regression_data
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.builders import spec_of
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.smooth import (
    Quadratic,
    RidgeLogistic,
    Sawtooth,
    first_stationary,
    gd_iterates,
    smoothness_of,
)
from landscape.landscapes.tube import (
    Tube,
    escape_times,
    growth_verdict,
    measure_table,
    table_from_dict,
    uniform_starts,
)
from landscape.oracles.classify import PointClass, Tolerances, classify, classify_batch
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import refine
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 150  # place in the catalogue (landscape.theorems.catalogue)

SOURCE = "002 (seed 002, sections 'Stable manifold' to 'Smooth counter-example')"
CONTRACTION = 1e-8  # a start "converges" when ||theta_K|| <= CONTRACTION ||theta_0|| ...
GROWTH = 1e6  # ... and "leaves" the saddle when ||theta_K|| >= GROWTH ||theta_0||
SADDLE_RADIUS = 1e-6  # a random start that ends within SADDLE_RADIUS ||theta_0|| of the saddle is stuck at it
STEP_CAP = 20000


def _certificate(theorem_id: str, role: str, claim: str, landscape: Landscape, point: np.ndarray,
                 checks: list[dict[str, Any]], context: Context, facts: dict[str, Any]) -> Certificate | None:
    """A certificate with the given checks, kept only if its JSON form replays."""

    certificate = Certificate(theorem_id=theorem_id, role=role, claim=claim, landscape=spec_of(landscape),
                              point=[float(v) for v in point], checks=checks, tolerances=context.tolerances.as_dict(),
                              facts=facts, seed=context.seed, rigour_note=RUNS_NOTE)
    return certificate if replay_data(certificate.to_json()).passed else None


RUNS_NOTE = ("a claim about gradient-descent runs (iterates, escape times, fitted growth laws), simulated in float64: "
             "no interval enclosure of the runs is implemented")


# -- gd-avoids-strict-saddles ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaddleQuadraticInstance:
    """theta^T H theta with H of ``positive`` positive and d - positive negative eigenvalues
    (magnitudes in [0.5, 2], from ``seed``), GD step ``fraction`` / L; plus a deep linear network
    (``widths``, data from ``seed``) for the second half of the property."""

    dimension: int
    positive: int
    fraction: float
    widths: tuple[int, ...]
    seed: int

    def curvatures(self) -> np.ndarray:
        """Eigenvalues of the Hessian 2H."""
        magnitudes = np.random.default_rng(self.seed).uniform(0.5, 2.0, self.dimension)
        return 2 * magnitudes * np.where(np.arange(self.dimension) < self.positive, 1.0, -1.0)

    def diagonal(self) -> Quadratic:
        return Quadratic(np.diag(self.curvatures()))

    def rotated(self) -> Quadratic:
        basis, _ = np.linalg.qr(np.random.default_rng(self.seed + 1).standard_normal((self.dimension,) * 2))
        matrix = basis @ np.diag(self.curvatures()) @ basis.T
        return Quadratic(np.triu(matrix) + np.triu(matrix, 1).T)

    def deep_linear(self) -> DeepLinear:
        data = regression_data(self.widths[0], self.widths[-1], max(self.widths[0], self.widths[-1]) + 2, self.seed)
        return DeepLinear(self.widths, data.x, data.y)


@st.composite
def saddle_instances(draw: st.DrawFn) -> SaddleQuadraticInstance:
    dimension = draw(st.integers(2, 5))
    depth = draw(st.integers(2, 3))
    widths = tuple(draw(st.integers(1, 2)) for _ in range(depth + 1))
    return SaddleQuadraticInstance(dimension, draw(st.integers(1, dimension - 1)), draw(st.sampled_from((0.25, 0.5, 0.9))),
                                   widths, draw(st.integers(0, 2**16)))


def _steps_to(factor: float, ratio: float) -> int:
    """Iterations for a mode multiplied by ``factor`` per step to change by ``ratio``."""
    return int(min(STEP_CAP, math.ceil(math.log(ratio) / abs(math.log(factor)))))


def _span_starts(instance: SaddleQuadraticInstance, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A start in the span of the positive-curvature eigenvectors (the coordinate subspace of the
    diagonal form) and one with every coordinate non-zero."""
    off = rng.standard_normal(instance.dimension)
    return np.where(instance.curvatures() > 0, off, 0.0), off


def _leave_steps(start: np.ndarray, factors: np.ndarray, curvatures: np.ndarray) -> int:
    """Iterations after which the fastest-growing unstable mode present in ``start`` alone makes
    ||theta_K|| >= GROWTH ||theta_0||."""
    growing = np.where((curvatures < 0) & (start != 0), factors, 0.0)
    j = int(np.argmax(growing))
    return _steps_to(float(factors[j]), GROWTH * float(np.linalg.norm(start)) / abs(float(start[j])))


def span_criterion(instance: SaddleQuadraticInstance, step: float, rng: np.random.Generator) -> dict[str, Any]:
    """Exact span criterion on the diagonal form, both directions, and its float replay."""
    landscape, curvatures = instance.diagonal(), instance.curvatures()
    inside, outside = _span_starts(instance, rng)
    factors = np.abs(1 - step * curvatures)
    contraction = float(factors[curvatures > 0].max())
    growth = float(factors[curvatures < 0].min())
    converge_steps = _steps_to(contraction, 1 / CONTRACTION) if contraction < 1 else 200
    leave_steps = _leave_steps(outside, factors, curvatures)
    final_in = gd_iterates(landscape, inside, step, converge_steps)[-1, 0]
    final_out = gd_iterates(landscape, outside, step, leave_steps)[-1, 0]
    with np.errstate(over="ignore", invalid="ignore"):
        converged = bool(np.linalg.norm(final_in) <= CONTRACTION * np.linalg.norm(inside))
        left = not bool(np.linalg.norm(final_out) < GROWTH * np.linalg.norm(outside))
    return {"landscape": landscape, "inside": inside, "outside": outside, "contraction": contraction, "growth": growth,
            "converge_steps": converge_steps, "leave_steps": leave_steps, "converged": converged, "left": left}


def _mode_checks(start: np.ndarray, step: float, expect: str, steps: int) -> list[dict[str, Any]]:
    radius = (CONTRACTION if expect == "converges" else GROWTH) * float(np.linalg.norm(start))
    return [{"name": "quadratic-modes", "args": {"step": step, "expect": expect}},
            {"name": "gd-distance", "args": {"step": step, "steps": steps, "radius": radius,
                                             "expect": "approaches" if expect == "converges" else "leaves"}}]


def random_start_endpoints(landscape: Quadratic, step: float, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """GD from ``count`` Gaussian starts for long enough that the weakest unstable mode grows by
    1e12: (starts, final iterates, steps)."""
    curvatures = np.linalg.eigvalsh(landscape.matrix)
    steps = _steps_to(1 + step * float(np.abs(curvatures[curvatures < 0]).min()), 1e12)
    starts = rng.standard_normal((count, landscape.n_params))
    with np.errstate(over="ignore", invalid="ignore"):
        return starts, gd_iterates(landscape, starts, step, steps)[-1], steps


def deep_linear_endpoints(landscape: DeepLinear, context: Context, seed: int) -> dict[str, Any]:
    """GD from random starts with a step below 1/L on the visited region (||Hessian||_2 checked at
    every HESSIAN_EVERY-th iterate and at the end); the end points where GD has converged
    (||grad|| <= CONVERGED relative to the loss scale) are refined (LM) and classified."""
    generator = torch.Generator().manual_seed(seed)
    theta = landscape.random_points(DEEP_LINEAR_STARTS, generator)
    norm = lambda t: torch.linalg.matrix_norm(landscape.hessian(t), ord=2)
    step = DEEP_LINEAR_STEP / float(norm(theta).max().clamp_min(1e-12))
    starts, largest = theta.clone(), norm(theta)
    steps = 2 * context.budget.descent_steps
    for k in range(1, steps + 1):
        theta = theta - step * landscape.gradient(theta)
        if k % HESSIAN_EVERY == 0 or k == steps:
            largest = torch.maximum(largest, norm(theta))
    within = (step * largest < 1.0).numpy()
    converged = (landscape.gradient(theta).norm(dim=1) <= CONVERGED * max(1.0, landscape.loss_scale())).numpy()
    scale = max(1.0, landscape.loss_scale())
    refined = refine(landscape, theta[converged], context.budget.refine_steps, tolerance=1e-3 * context.tolerances.gradient * scale)
    optimum = optimum_of(landscape)
    classes = classify_batch(landscape, refined.numpy(), None if optimum is None else optimum.value, context.tolerances, seed)
    distance = (refined - theta[converged]).norm(dim=1).numpy() / (1 + refined.norm(dim=1).numpy())
    return {"starts": starts.numpy()[converged], "step": step, "steps": steps, "within": within[converged],
            "refined": refined.numpy(), "classes": classes, "close": distance <= 1e-6, "unconverged": int((~converged).sum()),
            "outside": int((~within).sum())}


HESSIAN_EVERY = 50
DEEP_LINEAR_STARTS = 16
CONVERGED = 1e-6
DEEP_LINEAR_STEP = 0.9  # over the largest ||Hessian||_2 at the starts; checked below 1/||Hessian||_2 along the way


def saddle_check(theorem_id: str, claim: str = "theorem"):
    r"""Property of Lee et al. (seed 002): for theta^T H theta with mixed-sign H and step < 1/L,
    GD converges to the strict saddle 0 iff theta_0 lies in the span of the positive eigenvectors
    (exact, on the diagonal form, plus the float replay), no Gaussian start of the rotated form
    ends at the saddle, and no random start of a deep linear network ends at a strict saddle.
    Variants: ``any-step`` (step 2.5/h_+ instead of < 1/L: the span start must still converge)
    and ``random-converges`` (GD from a random start converges to the saddle)."""

    def check(instance: SaddleQuadraticInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        rng = np.random.default_rng(seed)
        curvatures = instance.curvatures()
        lipschitz = float(np.abs(curvatures).max())
        step = 2.5 / float(curvatures.max()) if claim == "any-step" else instance.fraction / lipschitz
        span = span_criterion(instance, step, rng)
        counts = Counter(trajectories=2)
        if claim in ("theorem", "any-step") and not span["converged"]:
            statement = (f"GD with step {step:.4g} (L = {lipschitz:.4g}) from a start in the positive eigenspace does not converge "
                         f"to the saddle: the mode factor |1 - eta h| = {span['contraction']:.4g} >= 1")
            checks = _mode_checks(span["inside"], step, "diverges", _steps_to(span["contraction"], GROWTH))
            cert = _certificate(theorem_id, "counterexample", statement, span["landscape"], span["inside"], checks, context,
                                {"step": step, "lipschitz": lipschitz, "contraction": span["contraction"]})
            return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, 0)
        if not span["left"]:
            statement = f"GD from a start off the positive eigenspace did not leave the saddle (growth factor {span['growth']:.4g})"
            checks = _mode_checks(span["outside"], step, "converges", span["converge_steps"])
            cert = _certificate(theorem_id, "counterexample", statement, span["landscape"], span["outside"], checks, context, {})
            return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, 0)
        if claim == "random-converges":
            statement = (f"GD with step {step:.4g} < 1/L from a random start leaves the strict saddle 0: ||theta_K|| >= "
                         f"{GROWTH:g} ||theta_0|| after {span['leave_steps']} steps (exact: growing mode factor {span['growth']:.6g})")
            checks = _mode_checks(span["outside"], step, "diverges", span["leave_steps"])
            cert = _certificate(theorem_id, "counterexample", statement, span["landscape"], span["outside"], checks, context,
                                {"step": step, "lipschitz": lipschitz, "growth": span["growth"]})
            return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, 0)
        rotated = instance.rotated()
        starts, finals, steps = random_start_endpoints(rotated, step, context.budget.restarts, rng)
        with np.errstate(invalid="ignore"):
            stuck = np.linalg.norm(finals, axis=1) <= SADDLE_RADIUS * np.linalg.norm(starts, axis=1)
        saddle = classify(rotated, np.zeros(instance.dimension), None, context.tolerances, seed)
        counts.update({saddle.kind.value: 1, "trajectories": len(starts)})
        if stuck.any():
            index = int(np.argmax(stuck))
            statement = f"GD (step {step:.4g} < 1/L) from random start {index} ends within {SADDLE_RADIUS:g} ||theta_0|| of the strict saddle 0"
            radius = SADDLE_RADIUS * float(np.linalg.norm(starts[index]))
            checks = [{"name": "gd-distance", "args": {"step": step, "steps": steps, "radius": radius, "expect": "approaches"}}]
            cert = _certificate(theorem_id, "counterexample", statement, rotated, starts[index], checks, context, {})
            return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, len(starts))
        network = instance.deep_linear()
        ends = deep_linear_endpoints(network, context, seed)
        ends_seen = Counter({"gd-not-converged": ends["unconverged"], "step-not-below-1/L": ends["outside"]})
        for index, found in enumerate(ends["classes"]):
            if not ends["within"][index]:
                continue
            ends_seen[found.kind.value] += 1
            if found.kind is PointClass.STRICT_SADDLE and ends["close"][index]:
                return _deep_linear_counterexample(theorem_id, network, ends, index, context, seed, counts + ends_seen)
        message = (f"span criterion exact both ways (contraction {span['contraction']:.3g}, growth {span['growth']:.3g}); "
                   f"0 of {len(starts)} random starts at the saddle 0 ({saddle.kind.value}) after {steps} steps; deep linear "
                   f"{instance.widths}, {DEEP_LINEAR_STARTS} starts, {ends['steps']} steps: end points {dict(+ends_seen)}")
        counts.update(ends_seen)
        return Evidence(Outcome.SUPPORTS, message, None, counts, len(starts) + DEEP_LINEAR_STARTS)

    return check


def _deep_linear_counterexample(theorem_id: str, network: DeepLinear, ends: dict[str, Any], index: int,
                                context: Context, seed: int, counts: Counter[str]) -> Evidence:
    refined, start = ends["refined"][index], ends["starts"][index]
    found = ends["classes"][index]
    statement = f"GD (step {ends['step']:.4g}) from a random start of a deep linear network ends at a strict saddle"
    radius = 1e-6 * (1 + float(np.linalg.norm(refined)))
    replay = {"name": "gd-distance", "args": {"step": ends["step"], "steps": ends["steps"], "radius": radius,
                                               "expect": "approaches", "target": refined.tolist(), "start": start.tolist()}}
    cert = certify(theorem_id, "counterexample", statement, network, refined, found, context, seed, [replay])
    return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, len(ends["classes"]))


GD_AVOIDS_STRICT_SADDLES = Theorem(
    id="gd-avoids-strict-saddles",
    title="GD with step < 1/L avoids strict saddles from random initialisation",
    source=f"{SOURCE}: 'Intuition: quadratic case', 'Gradient descent avoids strict saddles' (Lee et al. 2016)",
    statement=(
        "For $g(\\theta) = \\theta^\\top H\\theta$ with mixed-sign $H$ and step $\\gamma < 1/L$, gradient descent converges "
        "to the strict saddle 0 iff $\\theta_0 \\in \\operatorname{span}\\{e_i : \\lambda_i > 0\\}$; the stable set of the strict "
        "saddles has measure zero, so GD from a random start does not converge to a strict saddle (also on deep linear losses)."
    ),
    expectation=Expectation.HOLDS,
    instances=saddle_instances,
    check=saddle_check("gd-avoids-strict-saddles"),
    hypotheses=("H with s in [1, d-1] positive eigenvalues, magnitudes in [0.5, 2], d <= 5",
                "step gamma = fraction / L, fraction in {0.25, 0.5, 0.9}",
                "deep linear: step 0.9/||Hessian|| at the starts, checked < 1/||Hessian|| every 50 iterates"),
)


# -- gd-exponential-escape-time -------------------------------------------------------------------

TUBE_STEP = 0.05
TUBE_DIMENSIONS = {"quick": 9, "standard": 10, "thorough": 11}  # largest d; the table starts at d = 2
TUBE_STARTS = {"quick": 8, "standard": 16, "thorough": 32}


@dataclass(frozen=True, slots=True)
class TubeInstance:
    """The tube's stable curvature coefficient L (the unstable one is 1, step 0.05)."""

    stable: float


def tube_instances() -> st.SearchStrategy[TubeInstance]:
    return st.sampled_from((0.5, 0.7)).map(TubeInstance)


def _budget_key(context: Context) -> str:
    return next((name for name in TUBE_DIMENSIONS if context.budget.name.startswith(name)), "quick")


def escape_check(theorem_id: str, claim: str = "theorem"):
    r"""Property of Du et al. (seed 002): on the tube (see :mod:`landscape.landscapes.tube`) the
    median escape time of GD from uniform [-1, 1]^d grows exponentially in d (log T linear in d,
    R^2 >= 0.97, better than log T linear in log d) while perturbed GD's grows polynomially
    (log-log fit better, degree <= 2).  Variant ``pgd-exponential``: noise does not help, PGD's
    escape time is exponential too."""

    def check(instance: TubeInstance, context: Context) -> Evidence:
        key = _budget_key(context)
        seed = context.seed_for(instance)
        table = measure_table(list(range(2, TUBE_DIMENSIONS[key] + 1)), instance.stable, TUBE_STEP, TUBE_STARTS[key], seed, STEP_CAP)
        gd, pgd = table.fits()
        verdict = growth_verdict(table)
        figures = (f"L = {instance.stable}: GD median T {table.gd[0]:g} -> {table.gd[-1]:g} over d = 2..{table.dimensions[-1]}, "
                   f"base {gd.base:.3g}/dim (R^2 exp {gd.r2_exponential:.3f} vs poly {gd.r2_polynomial:.3f}); PGD {table.pgd[0]:g} -> "
                   f"{table.pgd[-1]:g}, T ~ d^{pgd.exponent:.2f} (R^2 poly {pgd.r2_polynomial:.3f} vs exp {pgd.r2_exponential:.3f})")
        counts = Counter(trajectories=2 * len(table.dimensions) * table.starts, saddles=len(table.dimensions))
        expect = ["pgd-polynomial"] if claim == "pgd-exponential" else ["gd-exponential", "pgd-polynomial"]
        if not all(verdict[name] for name in expect):
            outcome = Outcome.SUPPORTS if claim == "pgd-exponential" else Outcome.INCONCLUSIVE
            return Evidence(outcome, f"criteria {verdict}: {figures}", None, counts, 0)
        tube = Tube(table.dimensions[-1], instance.stable)
        starts = uniform_starts(tube.n_params, table.starts, seed + tube.n_params)
        times = escape_times(tube, starts, TUBE_STEP, STEP_CAP)
        median = int(np.argsort(times)[len(times) // 2])
        checks = [{"name": "tube-saddles", "args": {}},
                  {"name": "tube-escape-time", "args": {"step": TUBE_STEP, "cap": STEP_CAP, "time": int(times[median])}},
                  {"name": "tube-escape-table", "args": {"table": table.as_dict(), "expect": expect}}]
        role, outcome = ("counterexample", Outcome.COUNTEREXAMPLE) if claim == "pgd-exponential" else ("witness", Outcome.WITNESS)
        statement = ("perturbed GD escapes the tube in polynomial time: " if claim == "pgd-exponential"
                     else "GD's escape time grows exponentially with d, perturbed GD's polynomially: ") + figures
        facts = {"table": table.as_dict(), "gd_fit": gd.__repr__(), "pgd_fit": pgd.__repr__()}
        cert = _certificate(theorem_id, role, statement, tube, starts[median], checks, context, facts)
        # all saddles of the chain classified: counted as candidates
        counts.update({PointClass.STRICT_SADDLE.value: tube.n_params, PointClass.GLOBAL_MINIMUM.value: 1})
        return certified(outcome, statement, cert, counts, 0)

    return check


GD_EXPONENTIAL_ESCAPE_TIME = Theorem(
    id="gd-exponential-escape-time",
    title="A chain of saddles that GD escapes in exponential time and perturbed GD in polynomial time",
    source=f"{SOURCE}: 'Smooth counter-example', 'Intuition' (Du et al. 2017; Jin et al. 2017)",
    statement=(
        "There is a smooth $g$ on $\\mathbb R^d$ (a tube through a chain of $d$ strict saddles) such that GD from the uniform "
        "distribution on $[-1, 1]^d$ needs $e^{\\Omega(d)}$ iterations to pass the saddles, while perturbed GD needs "
        "$\\mathrm{poly}(d)$.  Simplified construction (the seed only sketches Du et al.'s tube): see `landscape.landscapes.tube`."
    ),
    expectation=Expectation.WITNESSED,
    instances=tube_instances,
    check=escape_check("gd-exponential-escape-time"),
    hypotheses=("tube with stable curvature L in {0.5, 0.7}, unstable 1, step 0.05",
                "median over 8 (quick) uniform starts per d, d = 2..9 (quick), 10 (standard), 11 (thorough)"),
)


# -- gd-first-order-rate --------------------------------------------------------------------------

RATE_KINDS = ("quadratic", "logistic", "sawtooth")
RATE_STARTS = 8


@dataclass(frozen=True, slots=True)
class RateInstance:
    """An L-smooth function with a known infimum (or certified lower bound): a PSD quadratic
    (possibly singular), a ridge logistic regression, or the sawtooth worst case."""

    kind: str
    dimension: int
    seed: int

    def landscape(self) -> Landscape:
        rng = np.random.default_rng(self.seed)
        d = self.dimension
        if self.kind == "quadratic":
            basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
            values = rng.uniform(0.0, 4.0, d) * (rng.random(d) > 0.25)
            values[0] = rng.uniform(1.0, 4.0)  # L > 0
            matrix = basis @ np.diag(values) @ basis.T
            matrix = np.triu(matrix) + np.triu(matrix, 1).T
            return Quadratic(matrix, matrix @ rng.standard_normal(d))
        if self.kind == "logistic":
            x = rng.standard_normal((3 * d, d))
            return RidgeLogistic(x, np.where(rng.random(3 * d) < 0.5, -1.0, 1.0), float(rng.uniform(0.01, 0.3)))
        return Sawtooth(4 + self.seed % 37, float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.5, 4.0)))


@st.composite
def rate_instances(draw: st.DrawFn, kinds: tuple[str, ...] = RATE_KINDS) -> RateInstance:
    return RateInstance(draw(st.sampled_from(kinds)), draw(st.integers(1, 6)), draw(st.integers(0, 2**16)))


def _rate_starts(instance: RateInstance, landscape: Landscape, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Starts and tolerances eps: the sawtooth from 0 with eps just below its level; the others
    from Gaussian starts with eps a log-uniform fraction in [1e-3, 0.3] of the initial gradient norm."""
    if isinstance(landscape, Sawtooth):
        return np.zeros((1, 1)), np.array([landscape.level / (1 + rng.uniform(0.001, 0.05))])
    starts = 2 * rng.standard_normal((RATE_STARTS, landscape.n_params))
    norms = landscape.gradient(torch.as_tensor(starts, dtype=DTYPE)).norm(dim=1).numpy()
    return starts, norms * 10 ** rng.uniform(-3, math.log10(0.3), RATE_STARTS)


def rate_check(theorem_id: str, constant: float = 2.0):
    r"""Property of Nesterov's rate (seed 002): GD with step 1/L reaches ||grad g|| <= eps within
    ``constant`` L (g_0 - g*)/eps^2 iterations (g* or a certified lower bound; L known in closed
    form).  The theorem uses the textbook constant 2; the variant the seed's constant 1."""

    def check(instance: RateInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        rng = np.random.default_rng(context.seed_for(instance))
        lipschitz, optimum = smoothness_of(landscape), optimum_of(landscape)
        starts, eps = _rate_starts(instance, landscape, rng)
        initial = landscape.loss(torch.as_tensor(starts, dtype=DTYPE)).numpy()
        bounds = constant * lipschitz * (initial - optimum.value) / eps**2
        first = first_stationary(landscape, starts, 1.0 / lipschitz, eps, np.floor(bounds).astype(np.int64))
        counts = Counter(trajectories=len(starts), **{"first-order-stationary": int((first >= 0).sum())})
        if (first < 0).any():
            index = int(np.argmax(first < 0))
            statement = (f"{instance.kind} (L = {lipschitz:.4g}): GD with step 1/L keeps ||grad|| > eps = {eps[index]:.4g} for all "
                         f"{int(bounds[index])} iterations allowed by {constant:g} L (g_0 - g*)/eps^2 = {bounds[index]:.5g}")
            checks = [{"name": "first-order-rate", "args": {"eps": float(eps[index]), "constant": constant, "expect": "exceeds"}}]
            cert = _certificate(theorem_id, "counterexample", statement, landscape, starts[index], checks, context,
                                {"lipschitz": lipschitz, "infimum": optimum.value, "bound": float(bounds[index])})
            return certified(Outcome.COUNTEREXAMPLE, statement, cert, counts, len(starts))
        worst = float((first / np.maximum(bounds, 1e-300)).max())
        message = (f"{instance.kind} d={landscape.n_params}: all {len(starts)} starts reached eps within the bound; "
                   f"largest K / bound = {worst:.3g} ({optimum.method})")
        return Evidence(Outcome.SUPPORTS, message, None, counts, len(starts))

    return check


GD_FIRST_ORDER_RATE = Theorem(
    id="gd-first-order-rate",
    title="GD with step 1/L reaches an eps-first-order stationary point within 2L(g_0 - g*)/eps^2 iterations",
    source=f"{SOURCE}: 'First-order stationary points in gradient descent' (Nesterov); constant from Nesterov 2004 §1.2.3",
    statement=(
        "For $L$-smooth $g$ bounded below, gradient descent with step $1/L$ reaches $\\|\\nabla g(\\theta_k)\\| \\le \\epsilon$ "
        "for some $k \\le 2L(g(\\theta_0) - g^*)/\\epsilon^2$.  Seed 002 states the constant 1; that is false (see the variant)."
    ),
    expectation=Expectation.HOLDS,
    instances=rate_instances,
    check=rate_check("gd-first-order-rate"),
    hypotheses=(("PSD quadratics (some zero eigenvalues), ridge logistic regression (certified lower bound on g*), "
                "the sawtooth worst case"), "eps a fraction of the initial gradient norm"),
)


VARIANTS = [
    Theorem(
        id="variant-gd-saddle-span-any-step",
        title="(false) GD from the positive eigenspace converges to the saddle for any step size",
        source=f"{SOURCE} with the step hypothesis gamma < 1/L dropped",
        statement="Dropped hypothesis: step $2.5/h_+$ ($h_+$ the largest positive curvature), above the stability limit $2/h_+$.",
        expectation=Expectation.HOLDS,
        instances=saddle_instances,
        check=saddle_check("variant-gd-saddle-span-any-step", claim="any-step"),
        hypotheses=("step 2.5 / h_+",),
        falsifies="gd-avoids-strict-saddles",
    ),
    Theorem(
        id="variant-gd-converges-to-saddle-from-random-start",
        title="(false) GD with step < 1/L from a random start converges to the strict saddle",
        source=f"{SOURCE} with the conclusion reversed",
        statement="Wrong conclusion: a Gaussian start converges to the strict saddle 0 of $\\theta^\\top H\\theta$.",
        expectation=Expectation.HOLDS,
        instances=saddle_instances,
        check=saddle_check("variant-gd-converges-to-saddle-from-random-start", claim="random-converges"),
        hypotheses=("step < 1/L",),
        falsifies="gd-avoids-strict-saddles",
    ),
    Theorem(
        id="variant-pgd-exponential-escape",
        title="(false) Perturbed GD also needs exponentially many iterations to escape the tube",
        source=f"{SOURCE} (Du et al.'s second bullet negated)",
        statement="Wrong conclusion: noise does not help; perturbed GD's escape time grows exponentially with $d$ too.",
        expectation=Expectation.HOLDS,
        instances=tube_instances,
        check=escape_check("variant-pgd-exponential-escape", claim="pgd-exponential"),
        hypotheses=("refuted when PGD's log-log fit beats the exponential fit with degree <= 2",),
        falsifies="gd-exponential-escape-time",
    ),
    Theorem(
        id="variant-gd-rate-seed-constant",
        title="(false, as stated in seed 002) GD with step 1/L reaches eps within L(g_0 - g*)/eps^2 iterations",
        source=f"{SOURCE}: the constant as the seed states it",
        statement="Constant 1 instead of 2: refuted by the sawtooth, which needs $\\tfrac43 L(g_0 - g^*)/\\epsilon^2 + \\tfrac13$ iterations.",
        expectation=Expectation.HOLDS,
        instances=lambda: rate_instances(kinds=("sawtooth",)),
        check=rate_check("variant-gd-rate-seed-constant", constant=1.0),
        hypotheses=("the sawtooth worst case, eps just below its gradient level",),
        falsifies="gd-first-order-rate",
    ),
]

THEOREMS = [GD_AVOIDS_STRICT_SADDLES, GD_EXPONENTIAL_ESCAPE_TIME, GD_FIRST_ORDER_RATE]


@replayable("tube-escape-table")
def check_escape_table(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Re-measure every row of the recorded table (same seeds: identical medians), re-fit, and
    check the recorded criteria ``expect`` (a list of names from :func:`growth_verdict`)."""
    recorded = table_from_dict(args["table"])
    table = measure_table(list(recorded.dimensions), recorded.stable, recorded.step, recorded.starts, recorded.seed, recorded.cap)
    same = table.gd == recorded.gd and table.pgd == recorded.pgd
    verdict = growth_verdict(table)
    passed = same and all(verdict[name] for name in args["expect"])
    gd, pgd = table.fits()
    return CheckResult(
        "tube-escape-table", passed,
        f"re-measured table {'equals' if same else 'DIFFERS FROM'} the record; GD: base {gd.base:.4g}/dim, R^2 exp {gd.r2_exponential:.4f} "
        f"vs poly {gd.r2_polynomial:.4f}; PGD: exponent {pgd.exponent:.3g}, R^2 poly {pgd.r2_polynomial:.4f} vs exp "
        f"{pgd.r2_exponential:.4f}; criteria {verdict} (expected {args['expect']})",
    )


@replayable("tube-escape-time")
def check_escape_time(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Re-run GD (or PGD with ``noise_seed``) from the point on the certificate's tube and
    compare the escape time with the recorded ``time`` (float64 GD is deterministic)."""
    if not isinstance(landscape, Tube):
        return CheckResult("tube-escape-time", False, "not a tube landscape")
    noise = args.get("noise_seed")
    time = int(escape_times(landscape, point[None], float(args["step"]), int(args["cap"]), None if noise is None else int(noise))[0])
    passed = time == int(args["time"]) and time <= int(args["cap"])
    return CheckResult("tube-escape-time", passed,
                       f"{'PGD' if noise is not None else 'GD'} escape time {time} (recorded {int(args['time'])}), d = {landscape.n_params}")


@replayable("tube-saddles")
def check_tube_saddles(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The chain z_0, ..., z_{d-1} are strict saddles of index 1 and z_d is the global minimum:
    gradient 0 (within tolerance), Hessian eigenvalues (one batched autograd Hessian) with exactly
    one below -tolerance at z_k, k < d, whose eigenvector decreases g at four step lengths, and
    g(z_d) equal to the closed-form infimum."""
    if not isinstance(landscape, Tube):
        return CheckResult("tube-saddles", False, "not a tube landscape")
    d = landscape.n_params
    chain = torch.as_tensor(np.stack([landscape.chain(k) for k in range(d + 1)]), dtype=DTYPE)
    scale = landscape.loss_scale()
    gradient = float(Landscape.gradient(landscape, chain).norm(dim=1).max())
    eigenvalues, vectors = torch.linalg.eigh(landscape.hessian(chain))
    zero = tol.eigenvalue * float(eigenvalues.abs().max())
    index = (eigenvalues < -zero).sum(1).numpy()
    steps = torch.tensor([1e-3, 1e-2, 1e-1, 0.5], dtype=DTYPE)
    drops = [landscape.loss(chain[k] + steps[:, None] * vectors[k, :, 0]) - landscape.loss(chain[k : k + 1]) for k in range(d)]
    descends = all(bool((drop < -tol.descent * scale).all()) for drop in drops)
    optimum = -scale  # loss_scale is d gamma c^2 / 2 = -inf g
    at_minimum = abs(float(landscape.loss(chain[d:])[0]) - optimum) <= tol.loss * scale
    passed = gradient <= tol.gradient * scale and bool((index[:d] == 1).all()) and index[d] == 0 and descends and at_minimum
    return CheckResult(
        "tube-saddles", passed,
        f"max |grad| on the chain {gradient:.3g} (autograd); Hessian indices {index.tolist()}; min eigenvalue "
        f"{float(eigenvalues[:, 0].min()):.4g}; descent along the negative eigenvectors {'confirmed' if descends else 'NOT confirmed'}; "
        f"g(z_d) {'=' if at_minimum else '!='} {optimum:.6g}",
    )


@replayable("first-order-rate")
def check_first_order_rate(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Replay GD with step ``step_factor``/L from the point (L, g* recomputed from the landscape)
    and compare the first iteration K with ||grad|| <= ``eps`` against ``constant`` L (g_0 - g*)/eps^2:
    ``expect`` is ``within`` (K <= bound) or ``exceeds`` (no such K <= floor(bound))."""

    lipschitz = smoothness_of(landscape)
    optimum = optimum_of(landscape)
    if optimum is None:
        return CheckResult("first-order-rate", False, "no infimum (or lower bound) for this landscape")
    eps, constant = float(args["eps"]), float(args["constant"])
    step = float(args.get("step_factor", 1.0)) / lipschitz
    start = np.asarray(point, dtype=np.float64)
    initial = float(landscape.loss(torch.as_tensor(start, dtype=DTYPE)[None])[0])
    bound = constant * lipschitz * (initial - optimum.value) / eps**2
    horizon = math.floor(bound)
    first = int(first_stationary(landscape, start, step, np.array([eps]), np.array([horizon]))[0])
    passed = (first >= 0) if args["expect"] == "within" else (first < 0)
    shown = f"first ||grad|| <= eps at k = {first}" if first >= 0 else f"||grad|| > eps at every k <= {horizon}"
    return CheckResult(
        "first-order-rate", passed,
        f"L = {lipschitz:.6g}, g_0 - g* <= {initial - optimum.value:.6g}, eps = {eps:.3g}: bound {constant:g} L (g_0 - g*)/eps^2 "
        f"= {bound:.6g}; {shown} (expected {args['expect']})",
    )


@replayable("gd-distance")
def check_gd_distance(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Replay ``steps`` of GD with ``step`` from ``start`` (default: the point); ``expect``
    ``approaches``: ||theta_T - target|| <= ``radius``; ``leaves``: ||theta_T - target|| >= ``radius``
    (``target`` default: 0)."""
    point = np.asarray(args.get("start", point), dtype=np.float64)
    target = np.asarray(args.get("target", np.zeros_like(point)), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        final = gd_iterates(landscape, point, float(args["step"]), int(args["steps"]))[-1, 0]
    distance = float(np.linalg.norm(final - target)) if np.all(np.isfinite(final)) else math.inf
    radius = float(args["radius"])
    passed = distance <= radius if args["expect"] == "approaches" else distance >= radius
    return CheckResult(
        "gd-distance", passed,
        f"GD step {float(args['step']):.6g}, {int(args['steps'])} steps: ||theta_T - target|| = {distance:.6g} "
        f"(start {float(np.linalg.norm(point - target)):.6g}; expected {args['expect']} radius {radius:.3g})",
    )


@replayable("quadratic-modes")
def check_quadratic_modes(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (rational arithmetic on the stored floats) for a *diagonal* quadratic with b = 0:
    GD theta_k = diag(1 - step h_i)^k theta_0, so theta_k -> 0 iff |1 - step h_i| < 1 for every i
    with theta_0,i != 0 (``expect`` = ``converges``); some such i with |1 - step h_i| > 1 makes
    |theta_k,i| -> infinity (``expect`` = ``diverges``)."""
    if not isinstance(landscape, Quadratic) or np.any(landscape.linear != 0):
        return CheckResult("quadratic-modes", False, "needs a quadratic family with b = 0")
    matrix = landscape.matrix
    if np.count_nonzero(matrix - np.diag(np.diag(matrix))):
        return CheckResult("quadratic-modes", False, "H is not exactly diagonal")
    step = Fraction(float(args["step"]))
    factors = [abs(1 - step * Fraction(float(h))) for h in np.diag(matrix)]
    active = [i for i, v in enumerate(point) if v != 0.0]
    contracting = all(factors[i] < 1 for i in active)
    growing = [i for i in active if factors[i] > 1]
    passed = contracting if args["expect"] == "converges" else bool(growing)
    detail = ", ".join(f"|1 - step h_{i}| = {float(factors[i]):.6g}" for i in active)
    return CheckResult("quadratic-modes", passed, f"exact: active coordinates {active}: {detail} (expected {args['expect']})")
