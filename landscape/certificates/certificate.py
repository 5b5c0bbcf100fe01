"""Certificates: a witness or counterexample that re-checks from its JSON file alone.

A certificate holds the landscape (family and data), the point, what is claimed about it (its
class), the tolerances, and a list of *checks*: named, re-runnable verifications with their
arguments.  :func:`replay` rebuilds the landscape and runs every check again; nothing from the
original run is trusted, and no user code runs unless the user allows it (see
:mod:`landscape.landscapes.builders`).  Files are plain JSON (floats written with full round-trip precision,
no NaN); nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import json
import math
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from landscape.errors import CertificateError, DataError, InvalidArgument
from landscape.limits import memory_limit
from landscape.landscapes.builders import FAMILY as USER_FAMILY, CodePermission, allowing_code, file_digest, locate
from landscape.oracles.classify import Tolerances, classify
from landscape.landscapes.base import DTYPE, Landscape, landscape_from_spec, loss_at

SCHEMA = "landscape-certificate"
SCHEMA_VERSION = 1
ROLES = ("witness", "counterexample")
# What a certificate's claim rests on, strongest first, and the checks each level requires.
RIGOURS = ("exact", "interval", "float64")
RIGOUR_CHECKS = {
    "exact": ("exact-descent", "exact-hessian", "exact-path-decrease"),
    "interval": ("interval-existence", "interval-class"),
}
FLOAT64_NOTE = "float64 checks only: no exact or interval proof is implemented for this claim"


@dataclass(slots=True)
class CheckResult:
    """One re-run check: its name, whether it passed, and what was compared."""

    name: str
    passed: bool
    detail: str


@dataclass(slots=True)
class Certificate:
    """A replayable witness or counterexample.

    Attributes:
        theorem_id: the theorem (or variant) it concerns.
        role: ``witness`` or ``counterexample``.
        claim: one sentence saying what the certificate shows.
        landscape: the landscape's spec (family, architecture, data).
        point: the parameter vector, float64.
        checks: ``[{"name": ..., "args": {...}}, ...]`` re-run by :func:`replay`.
        tolerances: the classifier tolerances the checks use.
        facts: figures recorded for readers (loss, gradient norm, Hessian extremes, ...).
        seed: the run seed; ``versions``: library versions that produced it.
        instance: the instance drawn by the generator, as text (its repr or builder call).
        budget: the budget of the run that found it (with the seed, how to reproduce the run).
        environment: how the run executed, not what it proves (``threads``: the most intra-op
            threads used, :mod:`landscape.threads`); replay ignores it, and certificates of the
            same seed are byte-identical without it at any thread count.
        rigour: what the claim rests on, one of :data:`RIGOURS`; ``rigour_note`` says why that
            level (and, below ``exact``, why the stronger one was not reached, with numbers).
    """

    theorem_id: str
    role: str
    claim: str
    landscape: dict[str, Any]
    point: list[float]
    checks: list[dict[str, Any]]
    tolerances: dict[str, float] = field(default_factory=lambda: Tolerances().as_dict())
    facts: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    instance: str = ""
    budget: dict[str, Any] = field(default_factory=dict)
    rigour: str = "float64"
    rigour_note: str = FLOAT64_NOTE
    environment: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "theorem_id": self.theorem_id,
            "role": self.role,
            "claim": self.claim,
            "landscape": self.landscape,
            "point": self.point,
            "checks": self.checks,
            "tolerances": self.tolerances,
            "facts": _finite(self.facts),
            "seed": self.seed,
            "versions": self.versions or versions(),
            "instance": self.instance,
            "budget": self.budget,
            "rigour": self.rigour,
            "rigour_note": self.rigour_note,
            "environment": self.environment,
        }

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1, allow_nan=False) + "\n")
        return path


def versions() -> dict[str, str]:
    import hypothesis
    import scipy
    import sympy

    from landscape import __version__

    return {
        "landscape-theorems": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "torch": str(torch.__version__),
        "hypothesis": hypothesis.__version__,
    }


def _finite(value: Any) -> Any:
    """Replace non-finite floats (JSON has none) by strings that say what they were."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------
# Checks: each takes (landscape, point, tolerances, args) and returns a CheckResult.

CheckFunction = Callable[[Landscape, np.ndarray, Tolerances, dict[str, Any]], CheckResult]
_CHECKS: dict[str, CheckFunction] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a replayable check under ``name``."""

    def decorate(function: CheckFunction) -> CheckFunction:
        if name in _CHECKS:
            raise InvalidArgument(f"certificate check {name!r} is registered twice")
        _CHECKS[name] = function
        return function

    return decorate


def run_check(entry: dict[str, Any], landscape: Landscape, point: np.ndarray, tol: Tolerances) -> CheckResult:
    name = entry.get("name")
    if name not in _CHECKS:
        return CheckResult(str(name), False, f"unknown check {name!r} (written by a newer version?)")
    try:
        return _CHECKS[name](landscape, point, tol, dict(entry.get("args", {})))
    except (KeyError, TypeError, ValueError) as exc:
        return CheckResult(str(name), False, f"malformed arguments: {exc}")



@check("classification")
def _check_classification(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    from landscape.oracles.optimum import optimum_of

    optimum = optimum_of(landscape)
    value = None if optimum is None else optimum.value
    found = classify(landscape, point, value, tol, seed=int(args.get("seed", 0)))
    expected = args["expected"]
    passed = found.kind.value == expected
    return CheckResult(
        "classification",
        passed,
        f"expected {expected}, found {found.kind.value} [{found.level}]; loss={found.loss:.12g}, "
        f"|grad|={found.gradient_norm:.3g}, Hessian eigenvalues in [{found.hessian_min:.4g}, {found.hessian_max:.4g}]",
    )


@check("loss")
def _check_loss(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    recorded = float(args["value"])
    value = loss_at(landscape, point)
    allowed = tol.loss * max(landscape.loss_scale(), abs(value))
    passed = abs(value - recorded) <= allowed
    return CheckResult("loss", passed, f"recorded {recorded:.15g}, recomputed {value:.15g} (allowed difference {allowed:.2g})")


@check("optimum")
def _check_optimum(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    from landscape.oracles.optimum import optimum_of

    optimum = optimum_of(landscape)
    if optimum is None:
        return CheckResult("optimum", False, "no global-optimum oracle for this landscape")
    recorded = float(args["value"])
    allowed = tol.loss * max(landscape.loss_scale(), abs(recorded))
    passed = abs(optimum.value - recorded) <= allowed
    detail = f"recorded optimum {recorded:.15g}, recomputed {optimum.value:.15g} ({optimum.method})"
    if "gap_at_least" in args:
        gap = loss_at(landscape, point) - optimum.value
        passed = passed and gap >= float(args["gap_at_least"])
        detail += f"; loss - optimum = {gap:.6g} >= {float(args['gap_at_least']):.3g}"
    return CheckResult("optimum", passed, detail)


@check("descent")
def _check_descent(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    direction = np.asarray(args["direction"], dtype=np.float64)
    steps = np.asarray(args["steps"], dtype=np.float64)
    if direction.shape != point.shape or steps.size == 0:
        return CheckResult("descent", False, "direction has the wrong length or no step lengths recorded")
    base = loss_at(landscape, point)
    trial = torch.as_tensor(point[None, :] + steps[:, None] * direction[None, :], dtype=DTYPE)
    values = landscape.loss(trial).numpy()
    threshold = base - tol.descent * max(landscape.loss_scale(), abs(base))
    passed = bool((values < threshold).all())
    return CheckResult(
        "descent", passed,
        f"f(x) = {base:.12g}; f(x + t d) for {steps.size} step lengths t in "
        f"[{np.abs(steps).min():.3g}, {np.abs(steps).max():.3g}]: max {values.max():.12g} (must be < {threshold:.12g})",
    )


@check("curvature")
def _check_curvature(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """d^T H d against an expected value (e.g. 2(lambda_J - lambda_k) from 003 Thm 1.2)."""
    direction = torch.as_tensor(np.asarray(args["direction"], dtype=np.float64), dtype=DTYPE)
    hessian = landscape.hessian(torch.as_tensor(point, dtype=DTYPE)[None])[0]
    value = float(direction @ hessian @ direction)
    expected = float(args["expected"])
    allowed = float(args.get("rtol", 1e-8)) * max(abs(expected), float(hessian.abs().max()) * float(direction @ direction))
    passed = abs(value - expected) <= allowed and (value < 0) == (expected < 0)
    return CheckResult("curvature", passed, f"d^T H d = {value:.12g}, expected {expected:.12g} (allowed {allowed:.2g})")


@check("exact-descent")
def _check_exact_descent(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (sympy): x is exactly critical and f(x + t d) < f(x) for all small t of one sign."""
    from landscape.oracles.symbolic import SymbolicLandscape, decreases_along_ray, leading_term

    symbolic = SymbolicLandscape(landscape)
    gradient = symbolic.gradient(point.tolist())
    if any(g != 0 for g in gradient):
        return CheckResult("exact-descent", False, "the exact gradient at the point is not zero")
    coefficients = symbolic.taylor(point.tolist(), list(args["direction"]))
    sign = decreases_along_ray(coefficients)
    lead = leading_term(coefficients)
    order = None if lead is None else lead[0]
    expected_order = args.get("order")
    passed = sign is not None and (expected_order is None or order == int(expected_order))
    what = "none" if lead is None else f"order {lead[0]}, exact rational coefficient ~ {float(lead[1]):.6g}"
    return CheckResult(
        "exact-descent", passed,
        f"exact gradient = 0; leading term of f(x + t d) - f(x): {what}; "
        + ("decreases for small t" + (" > 0" if sign == 1 else " < 0") if sign else "no decrease shown"),
    )


@check("exact-hessian")
def _check_exact_hessian(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (sympy) Hessian: ``zero`` (every entry is 0) or ``indefinite``."""
    from landscape.oracles.symbolic import SymbolicLandscape, exact

    hessian = SymbolicLandscape(landscape).hessian(point.tolist())
    expect = args["expect"]
    if expect == "zero":
        passed = all(entry == 0 for entry in hessian)
        return CheckResult("exact-hessian", passed, "every exact Hessian entry is 0" if passed else "the exact Hessian is not zero")
    direction = [exact(v) for v in args["direction"]]
    import sympy

    d = sympy.Matrix(direction)
    value = (d.T * hessian * d)[0]
    passed = value < 0
    return CheckResult("exact-hessian", passed, f"exact d^T H d = {float(value):.12g} (must be < 0)")


# ----------------------------------------------------------------------------------------


# Limits checked before a certificate is parsed or replayed, so that a malformed or hostile file
# is one line rather than a RecursionError or an allocation the machine cannot make.  Certificates
# the harness writes nest at most ~6 deep (checks -> args -> lists of lists) and hold one point.
MAX_CERTIFICATE_BYTES = 256 * 2**20
MAX_NESTING = 32
# Checks that need only O(P) memory at P parameters (matrix-free above the dense threshold); any
# other check may form P x P matrices, a few at once: DENSE_CHECK_MATRICES of them are budgeted.
MATRIX_FREE_CHECKS = frozenset({"classification", "loss", "optimum", "descent", "curvature", "better-point"})
DENSE_CHECK_MATRICES = 8


def _nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (strings skipped), in one pass."""
    brackets = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    depth = deepest = 0
    for char in re.findall(r"[\[\]{}]", brackets):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_certificate(path: Path | str) -> dict[str, Any]:
    """Parse and validate a certificate file; any problem is a one-line CertificateError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CERTIFICATE_BYTES:
            raise CertificateError(
                f"certificate {path} is {size / 2**20:.0f} MiB, more than {MAX_CERTIFICATE_BYTES // 2**20} MiB; "
                "it is not one the harness wrote: write it again with `landscape verify`"
            )
        text = path.read_text()
    except OSError as exc:
        raise CertificateError(f"cannot read certificate {path}: {exc.strerror}; check the path") from None
    depth = _nesting_depth(text)
    if depth > MAX_NESTING:
        raise CertificateError(
            f"certificate {path} nests arrays or objects {depth} deep, more than {MAX_NESTING}; "
            "it is not one the harness wrote: write it again with `landscape verify`"
        )
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CertificateError(
            f"certificate {path} is not valid JSON ({exc.msg} at line {exc.lineno}); "
            "it may be truncated: write it again with `landscape verify`"
        ) from None
    except RecursionError:
        raise CertificateError(f"certificate {path} nests too deep to parse; write it again with `landscape verify`") from None
    except ValueError as exc:
        raise CertificateError(f"certificate {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CertificateError(f"{path} is not a landscape certificate (no schema {SCHEMA!r})")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise CertificateError(
            f"certificate {path} has schema version {version!r}; this version reads <= {SCHEMA_VERSION}: "
            "upgrade landscape-theorems"
        )
    for name, kind in (("theorem_id", str), ("role", str), ("landscape", dict), ("point", list), ("checks", list)):
        if not isinstance(data.get(name), kind):
            raise CertificateError(f"certificate {path}: field {name!r} is missing or not a {kind.__name__}")
    if data["role"] not in ROLES:
        raise CertificateError(f"certificate {path}: role {data['role']!r} is not one of {ROLES}")
    if not data["checks"]:
        raise CertificateError(f"certificate {path} lists no checks; there is nothing to replay")
    return data


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name} in the file; certificates contain finite numbers only")


@dataclass(slots=True)
class Replay:
    """The outcome of replaying a certificate."""

    theorem_id: str
    role: str
    claim: str
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)


def replay_data(data: dict[str, Any], permission: CodePermission | None = None) -> Replay:
    """Re-run every check of a parsed certificate.

    A user landscape's file is compared with its recorded SHA-256 first; if it differs, nothing
    is imported and no other check runs.  It is imported only under ``permission`` (default: a
    module this process has already imported, nothing new; see :class:`CodePermission`).
    """
    import importlib

    importlib.import_module("landscape.theorems")  # registers every check (landscape_from_spec finds the families)

    _check_replay_memory(data)
    with allowing_code(permission or CodePermission()):
        try:
            results = source_checks(data["landscape"])
            if not all(result.passed for result in results):
                results.append(CheckResult("checks", False, "not run: the definition is not the recorded one, so no code was imported"))
                return Replay(data["theorem_id"], data["role"], str(data.get("claim", "")), results)
            landscape = landscape_from_spec(data["landscape"])
        except DataError as exc:
            raise CertificateError(f"certificate's landscape cannot be rebuilt: {exc}") from None
        point = np.asarray(data["point"], dtype=np.float64)
        if point.shape != (landscape.n_params,):
            raise CertificateError(
                f"certificate's point has {point.size} coordinates but its landscape has {landscape.n_params} parameters"
            )
        known = Tolerances().as_dict()
        tolerances = Tolerances(**{k: float(v) for k, v in data.get("tolerances", {}).items() if k in known})
        results += [run_check(entry, landscape, point, tolerances) for entry in data["checks"]]
    results.append(rigour_check(data))
    return Replay(data["theorem_id"], data["role"], str(data.get("claim", "")), results)


def source_checks(spec: dict[str, Any]) -> list[CheckResult]:
    """For a user landscape: whether the file that defines it is the one the certificate recorded
    (compared before anything is imported)."""
    if not isinstance(spec, dict) or spec.get("family") != USER_FAMILY:
        return []
    info = spec["builder"]
    path = locate(str(info["file"]))
    digest = file_digest(path)
    same = digest == info.get("sha256")
    detail = f"@builder {info['name']} in {path}: " + (
        "the file is the one recorded (sha256 matches)" if same
        else f"the file changed since the certificate was written (sha256 {digest[:12]}, recorded "
        f"{str(info.get('sha256'))[:12]}); it was not imported"
    )
    return [CheckResult("definition", same, detail)]


def _check_replay_memory(data: dict[str, Any]) -> None:
    """Refuse, before any landscape is built, a replay whose dense checks cannot fit in memory."""
    size = len(data["point"]) if isinstance(data.get("point"), list) else 0
    dense = sorted({str(e.get("name")) for e in data.get("checks", []) if isinstance(e, dict)} - MATRIX_FREE_CHECKS)
    if dense and size:
        needed, limit = DENSE_CHECK_MATRICES * 8.0 * size**2, memory_limit()
        if needed > limit:
            raise CertificateError(
                f"certificate's point has {size} parameters: its check {dense[0]!r} forms {size} x {size} matrices "
                f"(about {needed / 2**30:.3g} GiB, more than the limit of {limit / 2**30:.3g} GiB); "
                "replay it on a machine with more memory (LANDSCAPE_MEMORY_GB) or certify a smaller instance"
            )


def rigour_check(data: dict[str, Any]) -> CheckResult:
    """The stated rigour must be backed by the checks of its level (which the replay re-runs)."""
    rigour = data.get("rigour", "float64")
    if rigour not in RIGOURS:
        return CheckResult("rigour", False, f"rigour {rigour!r} is not one of {RIGOURS}")
    names = {str(entry.get("name")) for entry in data["checks"]}
    needed = RIGOUR_CHECKS.get(rigour, ())
    if rigour == "interval" and not set(needed) <= names:
        return CheckResult("rigour", False, f"rigour 'interval' needs the checks {', '.join(needed)}")
    if rigour == "exact" and not names & set(needed):
        return CheckResult("rigour", False, f"rigour 'exact' needs one of the checks {', '.join(needed)}")
    return CheckResult("rigour", True, f"{rigour}: {data.get('rigour_note', '')}")


def replay(path: Path | str, allow_code: bool = False, code: tuple[Path, ...] = ()) -> Replay:
    """Read a certificate file and re-run its checks.

    Safe by default, as ``torch.load(weights_only=True)`` is: a certificate of a user landscape
    replays only with ``allow_code`` (import the recorded file) or ``code`` (files that stand in
    for the recorded ones of the same name), and either way only if the SHA-256 matches.
    Catalogue certificates run no user code.
    """
    permission = CodePermission(recorded=allow_code, named=tuple(Path(f).resolve() for f in code))
    return replay_data(read_certificate(path), permission)
