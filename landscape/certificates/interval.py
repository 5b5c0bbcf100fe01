r"""The interval proof as replayable certificate checks, and the rigour a certificate states.

Three checks re-run :func:`~landscape.oracles.interval.proofs.run_proof` on the recorded box (its radius,
claim, reduction, direction and better point are the check's arguments; nothing else is read from
the file): ``interval-existence`` (Krawczyk, or the exact critical segment), ``interval-class``
(definiteness or negative curvature of the Hessian enclosure) and ``interval-suboptimal``.  A
point moved outside the proven box fails ``interval-existence`` on replay.

**Rigour.**  Every certificate states one of :data:`~landscape.certificates.registry.RIGOURS`: ``exact`` where its claim rests on
exact (sympy) checks, ``interval`` where the three checks above passed, else ``float64``, with a
note saying why the stronger levels were not reached (numbers included).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from landscape.errors import InvalidArgument
from landscape.oracles.interval.forms import interval_form, missing_form_reason
from landscape.oracles.interval.proofs import IntervalProof, NotCritical, prove, reduction_for, run_proof
from landscape.certificates.registry import RIGOUR_CHECKS, CheckResult, replayable
from landscape.oracles.classify import PointClass, Tolerances
from landscape.landscapes.base import Landscape
from landscape.oracles.optimum import optimum_of

INTERVAL_CHECKS = ("interval-existence", "interval-class", "interval-suboptimal")
EXACT_CHECKS = RIGOUR_CHECKS["exact"]
_CACHE: dict[str, IntervalProof] = {}
_CACHE_SIZE = 4


def _replayed(landscape: Landscape, point: np.ndarray, args: dict[str, Any]) -> IntervalProof | str:
    """The proof on the recorded box, shared by the three checks of one certificate."""
    key = json.dumps([landscape.spec(), point.tolist(), args], sort_keys=True)
    if key in _CACHE:
        return _CACHE[key]
    form = interval_form(landscape)
    if form is None:
        return missing_form_reason(landscape)
    try:
        reduction = reduction_for(landscape, point, str(args["claim"]), form)
    except InvalidArgument as exc:
        return str(exc)
    if reduction.name != args["reduction"]:
        return f"the point admits reduction {reduction.name!r}, the certificate recorded {args['reduction']!r}"
    direction = np.asarray(args["direction"], dtype=np.float64) if "direction" in args else None
    better = np.asarray(args["better"], dtype=np.float64) if "better" in args else None
    proof = run_proof(landscape, point, float(args["radius"]), str(args["claim"]), reduction, direction, better)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = proof
    return proof


def _part(name: str, part: str, landscape: Landscape, point: np.ndarray, args: dict[str, Any]) -> CheckResult:
    proof = _replayed(landscape, point, args)
    if isinstance(proof, str):
        return CheckResult(name, False, proof)
    if part not in proof.parts:
        return CheckResult(name, False, proof.reason or f"the proof has no {part} part")
    passed, detail = proof.parts[part]
    return CheckResult(name, passed, detail)


@replayable("interval-existence")
def _check_existence(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    return _part("interval-existence", "existence", landscape, point, args)


@replayable("interval-class")
def _check_class(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    return _part("interval-class", "class", landscape, point, args)


@replayable("interval-suboptimal")
def _check_suboptimal(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    return _part("interval-suboptimal", "suboptimal", landscape, point, args)


def proof_checks(proof: IntervalProof) -> list[dict[str, Any]]:
    names = INTERVAL_CHECKS if "suboptimal" in proof.parts else INTERVAL_CHECKS[:2]
    return [{"name": name, "args": dict(proof.args)} for name in names]


# -- the rigour of a certificate ---------------------------------------------------------------


def _claim_of(kind: PointClass, checks: list[dict[str, Any]]) -> str | None:
    names = {entry["name"] for entry in checks}
    if kind is PointClass.LOCAL_MINIMUM:
        return "morse-bott-minimum" if "morse-bott-minimum" in names else "strict-minimum"
    if kind is PointClass.STRICT_SADDLE:
        return "strict-saddle"
    return None


def _better_point(landscape: Landscape, checks: list[dict[str, Any]]) -> np.ndarray | None:
    for entry in checks:
        if entry["name"] == "better-point":
            return np.asarray(entry["args"]["point"], dtype=np.float64)
    for entry in checks:
        if entry["name"] == "optimum" and "gap_at_least" in entry["args"]:
            optimum = optimum_of(landscape)
            if optimum is not None and optimum.point is not None:
                return np.asarray(optimum.point, dtype=np.float64)
    return None


TRAJECTORY_NOTE = (
    "a claim about gradient-descent iterates, simulated in float64: ball arithmetic loses the exact invariant "
    "sets such runs stall on (enclosures grow by about 1 + eta |lambda_min| per step along the unstable direction)"
)


def rigour_for(landscape: Landscape, point: np.ndarray, kind: PointClass | None, checks: list[dict[str, Any]],
               direction: list[float] | None = None) -> tuple[str, str, list[dict[str, Any]]]:
    """(rigour, note, interval checks to append) for a certificate about ``point``."""
    exact = [entry["name"] for entry in checks if entry["name"] in EXACT_CHECKS]
    if exact:
        return "exact", f"the claim rests on exact (sympy) checks: {', '.join(sorted(set(exact)))}", []
    if any(entry["name"] == "gd-trajectory" for entry in checks):
        return "float64", TRAJECTORY_NOTE, []
    if kind is None or kind is PointClass.NOT_CRITICAL:
        return "float64", "the claim is not about a critical point and has no exact or interval check", []
    if kind is PointClass.DEGENERATE_SADDLE:
        return "float64", ("degenerate saddle away from an exactly critical point: the Hessian is singular, so the "
                           "Krawczyk test cannot isolate a critical point; the higher-order descent test is float64"), []
    if kind is PointClass.GLOBAL_MINIMUM:
        return "float64", ("a global minimum is equality with the optimum value, which ball arithmetic can bound but "
                           "not prove; the classification is float64"), []
    claim = _claim_of(kind, checks)
    if claim is None:
        return "float64", f"no interval proof for class {kind.value!r}", []
    if interval_form(landscape) is None:
        return "float64", missing_form_reason(landscape), []
    vector = None if direction is None else np.asarray(direction, dtype=np.float64)
    try:
        proof = prove(landscape, point, claim, vector, _better_point(landscape, checks))
    except NotCritical as exc:
        return "float64", f"interval proof refused: {exc}", []
    if not proof.proved:
        return "float64", f"interval proof failed: {proof.reason}", []
    return "interval", f"{claim} proved on the box x +- {proof.radius:.3g}" + (
        f" ({proof.args['reduction']} reduction)" if proof.args["reduction"] != "none" else ""), proof_checks(proof)
