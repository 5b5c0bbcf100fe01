r"""Measured power: plant counterexamples the search is not told about, and count how many it certifies.

Mutation testing breaks code on purpose to see whether the tests notice; a power run breaks a
landscape on purpose (:mod:`landscape.landscapes.planted`) to see whether the verification notices.
For each instance the verification draws (same strategy, same seed), and for each radius of a
log-spaced sweep, a few plants of the claim's kind are placed at independent random centres —
drawn like the search's starts, or at a random point of a descent path from such a start — and
the theorem's own ``check`` judges the planted instance with the verification's budget and
seeds.  A plant is *detected* only when the check returns a certified counterexample (the
normal certificate path: classified, written, replayed) whose point lies inside the plant's
ball; a certified counterexample outside it would be one of the base landscape, and is counted
apart (``elsewhere``).

Radii are relative to the median norm of the search's starts in the instance, so ``r95 = 0.5``
reads "a planted counterexample whose ball has radius half the typical start's norm is
certified in at least 95% of plants".  The search modes are the budget's: a power run measures
the search that the verification runs, whatever it is.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from landscape.engine.draws import seed_only_draws
from landscape.errors import InvalidArgument
from landscape.landscapes.base import Landscape, loss_at
from landscape.landscapes.builders import instance_key
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.factorisation import MatrixFactorisation, residual_at
from landscape.landscapes.planted import KINDS, Plant, Planted
from landscape.oracles.classify import PointClass
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import descend
from landscape.theorems.budget import Budget
from landscape.theorems.model import Context, Expectation, Outcome, Theorem
from landscape.theorems.properties import landscape_of

RADII = tuple(float(r) for r in np.geomspace(0.02, 2.0, 8))  # relative radii: 1/50 to twice a start's norm
PLANTS_PER_RADIUS = 2  # plants per (instance, radius): 6 instances x 2 = 12 per radius on quick
DEPTH_FRACTION = 0.5  # D = half of f(c) - f*: the plant's bottom stays half-way above the optimum
MIN_GAP = 1e-3  # centres with f(c) - f* below this x loss scale are redrawn (no room for a plant)
MAX_DRAWS = 20  # centre draws per plant before the plant is skipped
SCALE_SAMPLE = 256  # starts drawn to measure the median start norm
LOCATIONS = ("start", "path")
ERRORS_KEPT = 3  # messages of plants whose check raised kept in the record (all are counted)
SCALE_NOTE = "median Euclidean norm of the search's random starts in the instance"

CentreMap = Callable[[Landscape, np.ndarray], "np.ndarray | None"]


@dataclass(frozen=True, slots=True)
class PowerPlan:
    """What to plant for a claim.

    Attributes:
        kind: one of :data:`~landscape.landscapes.planted.KINDS`.
        centre: maps a drawn point to a centre that breaks this claim (None: redraw), for
            claims about special points (e.g. minima with a zero column); identity by default.
    """

    kind: str
    centre: CentreMap | None = None


@dataclass(frozen=True, slots=True)
class PowerSettings:
    """How a power run plants.

    Attributes:
        kind: the kind to plant (default: the claim's, see :func:`plan_for`).
        radii: relative radii of the sweep.
        plants: plants per (instance, radius).
        location: ``start`` (centres drawn like the search's starts) or ``path`` (a random
            point of a gradient-descent path from such a start).
    """

    kind: str | None = None
    radii: tuple[float, ...] = RADII
    plants: int = PLANTS_PER_RADIUS
    location: str = "start"

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidArgument(f"power kind={self.kind!r} must be one of {KINDS}")
        if self.location not in LOCATIONS:
            raise InvalidArgument(f"power location={self.location!r} must be one of {LOCATIONS}")
        if not isinstance(self.plants, int) or self.plants < 1:
            raise InvalidArgument(f"power plants={self.plants!r} must be a positive integer")
        if not self.radii or any(not (r > 0) for r in self.radii):
            raise InvalidArgument(f"power radii={self.radii!r} must be positive numbers")


@dataclass(slots=True)
class Tally:
    """Counts of one power run (see :func:`power_record`)."""

    detected: dict[float, int] = field(default_factory=dict)
    planted: dict[float, int] = field(default_factory=dict)
    elsewhere: int = 0
    skipped: int = 0
    instances: int = 0
    instances_skipped: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    scales: list[float] = field(default_factory=list)


# -- which claims get which plant ------------------------------------------------------------


def zero_column_centre(landscape: Landscape, point: np.ndarray) -> np.ndarray | None:
    r"""For 003 Thm 1.5: a point with a zero column pair at which Cor 1.6 (i),
    <Y - UV^T, UV^T> = lambda/2 (||U||^2 + ||V||^2), holds (it holds at every critical point of
    (1.33), and the property reads a point where it fails as numerical trouble, not as a finding).

    U is the drawn point's U with its last column zeroed, V = Y^T U a (a balancing ||U|| = ||V||),
    then both are scaled by t with t^2 = (<Y, M> - lambda N/2)/||M||^2 (M = UV^T, N = ||U||^2 +
    ||V||^2).  That needs <Y, M> > lambda N/2, possible only when sigma_1(Y) > lambda; otherwise
    None.  A bowl there is a sub-optimal local minimum with a zero column pair, which Thm 1.5 rules
    out."""
    base = getattr(landscape, "base", landscape)
    if not isinstance(base, MatrixFactorisation) or base.width < 2:
        return None
    u, _, _ = residual_at(base, point)
    u[:, -1] = 0.0
    v = base.y.T @ u
    if not np.any(v):
        return None
    balance = np.sqrt(np.linalg.norm(v) / np.linalg.norm(u))
    u, v = u * balance, v / balance
    product = u @ v.T
    excess = float((base.y * product).sum()) - 0.5 * base.lam * float((u**2).sum() + (v**2).sum())
    if excess <= 0:
        return None
    t = (excess / float((product**2).sum())) ** 0.5
    return base.flatten(t * u, t * v)


PLANS: dict[str, PowerPlan] = {
    "deep-linear-no-bad-local-min": PowerPlan("bowl"),
    "one-hidden-strict-saddles": PowerPlan("bowl"),
    "mf-weight-decay-global-certificate": PowerPlan("bowl", zero_column_centre),
    "wide-net-no-bad-basin": PowerPlan("bowl"),
}
KIND_OF_CLASS = {
    PointClass.LOCAL_MINIMUM: "bowl",
    PointClass.DEGENERATE_SADDLE: "monkey-saddle",
    PointClass.STRICT_SADDLE: "strict-saddle",
}


def plan_for(theorem: Theorem) -> PowerPlan | str:
    """The plan for ``theorem``, or why it has none.  ``api.forbid`` claims get one from the
    kinds they forbid (a forbidden local minimum first: it is what a descent search finds)."""
    if theorem.is_variant:
        return "a falsified variant is already false: power is measured on the claims believed true"
    if theorem.expectation is not Expectation.HOLDS:
        return f"an {theorem.expectation.value} claim asserts existence or measures: a plant would add what it looks for"
    if theorem.id in PLANS:
        return PLANS[theorem.id]
    forbidden = getattr(theorem.check, "forbidden", None)
    if forbidden:
        for point_class, kind in KIND_OF_CLASS.items():
            if point_class in forbidden:
                return PowerPlan(kind)
        return "it forbids only kinds no plant makes (a planted global minimum would move the optimum)"
    return ("no planting operator for this property: its claim is an identity, a path, dynamics or a bound, "
            "not which kinds of critical point exist")


# -- one power run ---------------------------------------------------------------------------


def measure_power(theorem: Theorem, budget: Budget, seed: int = 0, device: str = "cpu",
                  power: PowerSettings = PowerSettings()) -> dict[str, Any]:
    """The record's ``power`` object for ``theorem`` (see :func:`power_record`)."""
    plan = plan_for(theorem)
    if isinstance(plan, str):
        return {"applicable": False, "reason": plan}
    kind = power.kind or plan.kind
    started = time.perf_counter()
    tally = Tally({r: 0 for r in power.radii}, {r: 0 for r in power.radii})
    context = Context(budget=budget, seed=seed, device=device, theorem_id=theorem.id)
    for instance in draw_instances(theorem, budget, seed):
        plant_instance(theorem, instance, context, PowerPlan(kind, plan.centre), power, tally)
    return power_record(kind, power, budget, tally, time.perf_counter() - started)


def draw_instances(theorem: Theorem, budget: Budget, seed: int) -> list[Any]:
    """The instances the verification draws: its strategy under the same Hypothesis settings and seed."""
    drawn: list[Any] = []

    def keep(instance: Any) -> None:
        drawn.append(instance)

    test = settings(
        parent=settings.get_profile("default"), max_examples=budget.instances, database=None, deadline=None,
        derandomize=False, verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
    )(given(theorem.strategy_for(budget))(keep))
    with seed_only_draws():
        hypothesis_seed(seed)(test)()
    return drawn


def plant_instance(theorem: Theorem, instance: Any, context: Context, plan: PowerPlan, power: PowerSettings,
                   tally: Tally) -> None:
    """Plant ``power.plants`` of ``plan.kind`` at each radius into ``instance`` and judge each; an
    instance with no landscape of its own (a construction judged by name) is counted and skipped."""
    try:
        base = landscape_of(instance)
    except InvalidArgument:
        tally.instances_skipped += 1
        return
    tally.instances += 1
    scale = start_scale(base, context.seed)
    tally.scales.append(scale)
    key = instance_key(instance)
    for index, radius in enumerate(power.radii):
        for number in range(power.plants):
            rng = np.random.default_rng(_digest(f"{context.seed}|power|{key}|{index}|{number}"))
            plant = draw_plant(base, plan, radius * scale, power.location, rng, context.budget)
            if plant is None:
                tally.skipped += 1
                continue
            tally.planted[radius] += 1
            found = judge(theorem, instance, plant, context, tally)
            tally.detected[radius] += int(found)


def judge(theorem: Theorem, instance: Any, plant: Plant, context: Context, tally: Tally) -> bool:
    """Whether the check certifies a counterexample inside the plant's ball."""
    planted = planted_instance(instance, plant)
    try:
        evidence = theorem.check(planted, context)
    except Exception as exc:  # a crash is not a detection; all are counted, the first few kept whole
        tally.error_count += 1
        if len(tally.errors) < ERRORS_KEPT:
            tally.errors.append(f"{type(exc).__name__}: {exc}")
        return False
    certificate = evidence.certificate
    if evidence.outcome is not Outcome.COUNTEREXAMPLE or certificate is None:
        return False
    if plant.contains(np.asarray(certificate.point)):
        return True
    tally.elsewhere += 1
    return False


def start_scale(landscape: Landscape, seed: int) -> float:
    """The median norm of :data:`SCALE_SAMPLE` starts drawn like the search's."""
    points = landscape.random_points(SCALE_SAMPLE, torch.Generator().manual_seed(_digest(f"{seed}|scale")))
    return max(float(points.norm(dim=1).median()), 1e-12)


def draw_plant(base: Landscape, plan: PowerPlan, radius: float, location: str, rng: np.random.Generator,
               budget: Budget) -> Plant | None:
    """A plant of ``plan.kind`` and absolute ``radius`` at a centre that leaves room above the optimum."""
    optimum = optimum_of(base)
    floor = None if optimum is None else optimum.value
    for _ in range(MAX_DRAWS):
        point = draw_point(base, location, rng, budget)
        centre = point if plan.centre is None else plan.centre(base, point)
        if centre is None:
            continue
        if optimum is not None and optimum.point is not None and not minimiser_outside(base, optimum.point, centre, radius):
            continue  # the optimum must stay attained outside the ball, or its oracle would be wrong
        level = loss_at(base, centre)
        if floor is not None and level - floor <= MIN_GAP * base.loss_scale():
            continue
        # without an optimum oracle only saddles are judged (a minimum claim needs the optimum),
        # and their depth is set by the loss scale
        room = level - floor if floor is not None else abs(level) + base.loss_scale()
        return Plant(plan.kind, tuple(float(v) for v in centre), radius, DEPTH_FRACTION * room, _axes(plan.kind, base.n_params, rng))
    return None


def minimiser_outside(base: Landscape, point: np.ndarray, centre: np.ndarray, radius: float) -> bool:
    """Whether a global minimiser of ``base`` lies outside the ball: ``point`` itself, or for a deep
    linear network the same product with W_1 scaled by a and W_L by 1/a (a = 2^k, |k| <= 30), which
    leaves the loss exactly the optimum's up to rounding; a compact minimiser set (weight decay) has
    no such orbit, and a ball that covers ``point`` is refused."""
    if np.linalg.norm(point - centre) >= radius:
        return True
    if not isinstance(base, DeepLinear) or base.depth < 2:
        return False
    first, last = base.shapes[0][0] * base.shapes[0][1], base.shapes[-1][0] * base.shapes[-1][1]
    for power in [k for j in range(1, 31) for k in (j, -j)]:
        moved = np.array(point, dtype=np.float64)
        moved[:first] *= 2.0**power
        moved[len(moved) - last:] /= 2.0**power
        if np.linalg.norm(moved - centre) >= radius:
            return True
    return False


def draw_point(base: Landscape, location: str, rng: np.random.Generator, budget: Budget) -> np.ndarray:
    """A point drawn like the search's starts, or a random iterate of descent from one."""
    generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
    start = base.random_points(1, generator)
    if location == "path":
        start = descend(base, start, int(rng.integers(1, budget.descent_steps + 1)))
    return start[0].numpy().astype(np.float64)


def _axes(kind: str, size: int, rng: np.random.Generator) -> tuple[tuple[float, ...], ...]:
    count = {"bowl": 0, "strict-saddle": 1, "monkey-saddle": 2}[kind]
    if count == 0 or size < count:
        return ()
    q, _ = np.linalg.qr(rng.standard_normal((size, count)))
    return tuple(tuple(float(v) for v in column) for column in q.T)


def planted_instance(instance: Any, plant: Plant) -> Any:
    """The instance with ``plant`` in its landscape: a :class:`Planted` landscape when the instance
    is a landscape, else a :class:`PlantedInstance` whose ``landscape()`` is planted."""
    if isinstance(instance, Landscape):
        return Planted(instance, plant)
    return PlantedInstance(instance, plant)


class PlantedInstance:
    """An instance whose ``landscape()`` carries a plant; every other attribute is the base's."""

    def __init__(self, base: Any, plant: Plant) -> None:
        self.unplanted = base
        self.plant = plant

    def landscape(self) -> Planted:
        return Planted(landscape_of(self.unplanted), self.plant)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("unplanted", "plant"):
            raise AttributeError(name)
        return getattr(self.unplanted, name)

    def __repr__(self) -> str:
        return f"PlantedInstance({self.unplanted!r}, {self.plant.kind}, radius={self.plant.radius:.3g})"


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


# -- the record ------------------------------------------------------------------------------


def power_record(kind: str, power: PowerSettings, budget: Budget, tally: Tally, seconds: float) -> dict[str, Any]:
    """The record's ``power`` object.

    ``kind``; ``by_radius`` (relative radius, 3 significant digits -> [detected, planted]);
    ``r50`` and ``r95``, the smallest radius from which on every radius was detected in at
    least 50% / 95% of its plants (null if even the largest was not); ``scale`` (what radii are relative to, with the instances' median start
    norms); ``plants`` per (instance, radius); ``instances`` planted in and ``instances_skipped``
    (no landscape to plant in); ``location``; ``search`` (the budget the checks
    ran with); ``elsewhere`` (certified counterexamples outside the plant's ball); ``skipped``
    (plants with no centre above the optimum); ``errors`` (the first messages of checks that
    raised on a planted instance) and ``error_count``; ``seconds``.
    """
    rates = [(r, tally.detected[r], tally.planted[r]) for r in sorted(power.radii)]
    return {
        "applicable": True,
        "kind": kind,
        "by_radius": {f"{r:.3g}": [found, planted] for r, found, planted in rates},
        "r50": _smallest(rates, 0.5),
        "r95": _smallest(rates, 0.95),
        "scale": {"relative_to": SCALE_NOTE, "median_norms": [round(s, 6) for s in tally.scales]},
        "plants": power.plants,
        "instances": tally.instances,
        "instances_skipped": tally.instances_skipped,
        "location": power.location,
        "search": {"budget": budget.name, "restarts": budget.restarts, "descent_steps": budget.descent_steps,
                   "refine_steps": budget.refine_steps},
        "elsewhere": tally.elsewhere,
        "skipped": tally.skipped,
        "errors": list(tally.errors),
        "error_count": tally.error_count,
        "seconds": round(seconds, 3),
    }


def _smallest(rates: list[tuple[float, int, int]], level: float) -> float | None:
    """The smallest radius from which on every radius with plants was detected at ``level`` or
    more (so "r95 = 0.3" reads "plants of radius 0.3 or more: at least 95% certified"); None when
    the largest radius falls short."""
    smallest = None
    for radius, found, planted in reversed(rates):
        if not planted:
            continue
        if found < level * planted:
            break
        smallest = float(f"{radius:.3g}")
    return smallest


def power_line(power: dict[str, Any]) -> str:
    """One line a reader can follow: the curve's r50/r95 and rates, or why it does not apply."""
    if "error" in power:
        return f"power: the run failed ({power['error']})"
    if not power.get("applicable"):
        return f"power: not applicable ({power.get('reason', '')})"
    curve = ", ".join(f"{r}: {f}/{p}" for r, (f, p) in power["by_radius"].items())
    return (f"power ({power['kind']}): r50 {power['r50']}, r95 {power['r95']} (radius / start norm); "
            f"detected by radius {curve}; {power['seconds']:.1f} s")
