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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from landscape.version import __version__
from landscape.certificates import checks, interval  # noqa: F401  every check a certificate can name without a family module
from landscape.certificates.registry import FLOAT64_NOTE, module_of
from landscape.errors import CertificateError, InvalidArgument
from landscape.oracles.classify import Tolerances

SCHEMA = "landscape-certificate"
# 2: every check entry names the module that defines it, so that replay imports that module only.
SCHEMA_VERSION = 2
ROLES = ("witness", "counterexample")


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
            "checks": [with_module(entry) for entry in self.checks],
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


def with_module(entry: dict[str, Any]) -> dict[str, Any]:
    """A check entry with the module that defines its check, which replay imports to find it."""
    name = entry.get("name")
    module = entry.get("module") or module_of(str(name))
    if module is None:
        raise InvalidArgument(f"a certificate names the check {name!r}, which no loaded module defines; register it with @replayable")
    return {"name": name, "module": module, **{k: v for k, v in entry.items() if k not in ("name", "module")}}


def versions() -> dict[str, str]:
    import hypothesis
    import scipy
    import sympy

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


# Limits checked before a certificate is parsed or replayed, so that a malformed or hostile file
# is one line rather than a RecursionError or an allocation the machine cannot make.  Certificates
# the harness writes nest at most ~6 deep (checks -> args -> lists of lists) and hold one point.
MAX_CERTIFICATE_BYTES = 256 * 2**20
MAX_NESTING = 32


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


