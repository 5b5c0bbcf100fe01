r"""Decreasing paths to infinity (seed 001 §VI-B, end).

``decreasing-path-to-infinity``: (xyz - 1)^2 has no sub-optimal local minimum, yet along
(x, y, z) = (-1/k, sqrt k, 1/k) the loss decreases strictly to 1 > 0 = inf while the norm goes
to infinity.  Generalised to scalar deep linear nets (y - w_L ... w_1 x)^2 of depth L >= 2 with
data (x, y) != 0: along w_1 = -sgn(xy)/k, w_2 = sqrt k, w_l = 1/k (l >= 3) the product is
-sgn(xy) k^{3/2 - L} -> 0 from the wrong side, so F = (|y| + |x| k^{3/2 - L})^2 decreases strictly
to y^2 > 0.  The decrease is proved with sympy; independently, a search that sees the loss only
as a function finds power-law escape paths (``oracles/infinity.py``), proved again exactly when
the family is polynomial, and checked in float64 for a sigmoid neuron (no symbolic form).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.oracles.classify import classify
from landscape.oracles.infinity import GRID, PowerLawPath, exact_path_proof, find_power_law_paths, path_values
from landscape.landscapes.base import Landscape, loss_at
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.networks import SingleNeuron
from landscape.oracles.optimum import optimum_of
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 50  # place in the catalogue (landscape.theorems.catalogue)


@dataclass(frozen=True, slots=True)
class ChainInstance:
    """(y - w_L ... w_1 x)^2 with scalar weights; (3, 1, 1) is the seed's (xyz - 1)^2."""

    depth: int
    x: float
    y: float

    def landscape(self) -> DeepLinear:
        return DeepLinear((1,) * (self.depth + 1), [[self.x]], [[self.y]])


@dataclass(frozen=True, slots=True)
class NeuronInstance:
    """A sigmoid neuron (y - v sigma(wx))^2, a loss seen only as a function (no sympy form)."""

    x: float
    y: float

    def landscape(self) -> SingleNeuron:
        return SingleNeuron("sigmoid", self.x, self.y)


def seed_path(instance: ChainInstance) -> tuple[list[float], list[float]]:
    """Signs and exponents of (-sgn(xy)/k, sqrt k, 1/k, ..., 1/k) (seed 001 §VI-B for L = 3)."""
    sign = -float(np.sign(instance.x * instance.y))
    signs = [sign, 1.0] + [1.0] * (instance.depth - 2)
    exponents = [-1.0, 0.5] + [-1.0] * (instance.depth - 2)
    return signs, exponents


def escape_instances() -> st.SearchStrategy[ChainInstance | NeuronInstance]:
    scalar = st.integers(-6, 6).filter(bool).map(lambda k: k / 2)
    chains = st.builds(ChainInstance, st.integers(2, 4), scalar, scalar)
    neurons = st.builds(NeuronInstance, scalar, scalar)
    return st.one_of(st.just(ChainInstance(3, 1.0, 1.0)), chains, neurons)


def _path_checks(path_signs: list[float], exponents: list[float], better: float, gap: float, exact: bool) -> list[dict]:
    args = {"signs": path_signs, "exponents": exponents, "better_loss": better}
    checks = [{"name": "power-law-path", "args": {**args, "gap_at_least": gap}}]
    if exact:
        checks.append({"name": "exact-path-decrease", "args": args})
    return checks


def escape_check(theorem_id: str, claim_limit_is_infimum: bool = False):  # type: ignore[no-untyped-def]
    """Witness: the seed's path (chains) and a path found from the loss alone, certified."""

    def check_instance(instance: ChainInstance | NeuronInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        landscape = instance.landscape()
        optimum = optimum_of(landscape)
        better_value = loss_at(landscape, optimum.point)
        better = min(optimum.value, better_value)
        exact = isinstance(instance, ChainInstance)
        checks: list[dict] = []
        notes = []
        if exact:
            signs, exponents = seed_path(instance)
            proof = exact_path_proof(landscape, signs, exponents)
            if claim_limit_is_infimum and proof is not None and proof["limit"] > optimum.value:
                return _refute_limit(theorem_id, instance, landscape, signs, exponents, proof, better, context, seed)
            checks += _path_checks(signs, exponents, better, 0.5 * instance.y**2, exact=True)
            notes.append(f"seed path b = {exponents}: lim F = {proof['limit'] if proof else '?'} (sympy)")
        found = find_power_law_paths(landscape, better)
        if not found:
            return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the power-law search found no decreasing escape path")
        path = found[0]
        gap = 0.5 * (path.end_loss - better)
        signs_found, exponents_found = [float(v) for v in path.signs], [float(v) for v in path.exponents]
        checks += _path_checks(signs_found, exponents_found, better, gap, exact)
        notes.append(f"searched path s = {signs_found}, b = {exponents_found} ({len(found)} found): F "
                     f"{path.start_loss:.4g} -> {path.end_loss:.6g} > inf F = {optimum.value:.3g}")
        point = path.points(GRID[:1])[0]
        kind = classify(landscape, point, optimum.value, context.tolerances, seed, context.budget.probe_directions)
        level = "exact (sympy) + float64 grid" if exact else "float64 grid only (no symbolic form)"
        claim = f"{instance!r}: decreasing paths to infinity at a sub-optimal level; " + "; ".join(notes) + f"; level: {level}"
        cert = certify(theorem_id, "witness", claim, landscape, point, kind, context, seed, extra_checks=checks)
        if cert is not None:
            cert.facts.update(_sphere_facts(landscape, path, optimum.value, level))
        evidence = certified(Outcome.WITNESS, claim, cert, Counter({"escape_path": len(found)}), len(found))
        evidence.priority = 1 if exact else 0  # report an exactly proved path first
        return evidence

    return check_instance


def _sphere_facts(landscape: Landscape, path: PowerLawPath, infimum: float, level: str) -> dict:
    """Along the path: radius |theta(k)| and F there, next to the global infimum (figures)."""
    grid = GRID[::8]
    values = path_values(landscape, np.asarray(path.signs)[None], np.asarray(path.exponents)[None], grid)[0]
    radii = np.linalg.norm(path.points(grid), axis=1)
    return {"certification_level": level, "path_radii": radii.tolist(), "path_losses": values.tolist(), "global_infimum": infimum}


def _refute_limit(theorem_id, instance, landscape, signs, exponents, proof, better, context, seed) -> Evidence:  # type: ignore[no-untyped-def]
    point = np.asarray(signs)
    kind = classify(landscape, point, better, context.tolerances, seed)
    claim = f"{instance!r}: along the seed path F decreases to {proof['limit']} (exact), not to inf F = {better:.3g}"
    checks = _path_checks(signs, exponents, better, 0.5 * instance.y**2, exact=True)
    cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"escape_path": 1}), 0)


DECREASING_PATH_TO_INFINITY = Theorem(
    id="decreasing-path-to-infinity",
    title="(xyz - 1)^2: a path to infinity along which the loss decreases strictly to a sub-optimal level",
    source="001 §VI-B (end)",
    statement=(
        "$(xyz - 1)^2$ has no sub-optimal local minimum, yet along $(-1/k, \\sqrt k, 1/k)$ the loss decreases strictly "
        "to $1 > 0 = \\inf$ while the norm diverges.  Generalised to $(y - w_L\\cdots w_1 x)^2$, $L \\ge 2$ (proved with "
        "sympy), and found from the loss alone by a power-law path search (also for a sigmoid neuron)."
    ),
    expectation=Expectation.WITNESSED,
    instances=escape_instances,
    check=escape_check("decreasing-path-to-infinity"),
    hypotheses=("x, y != 0", "depth 2..4 (3 with x = y = 1 first)", "sigmoid neuron instances: loss as a black box"),
)

VARIANTS = [
    Theorem(
        id="variant-escape-path-reaches-infimum",
        title="(false) Along the seed's path the loss decreases to the global infimum",
        source="wrong conclusion from 001 §VI-B (end)",
        statement="Wrong conclusion: the decreasing path to infinity is claimed to approach $\\inf F = 0$; its limit is $y^2$.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.builds(ChainInstance, st.integers(2, 4), st.sampled_from([1.0, -1.0, 2.0]), st.sampled_from([1.0, 0.5, -2.0])),
        check=escape_check("variant-escape-path-reaches-infimum", claim_limit_is_infimum=True),
        hypotheses=("x, y != 0",),
        falsifies="decreasing-path-to-infinity",
    )
]

THEOREMS = [DECREASING_PATH_TO_INFINITY]
