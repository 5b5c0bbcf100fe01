"""Replay: rebuild a certificate's landscape and re-run every check it lists.

Nothing from the original run is trusted.  Replay imports the landscape families
(:mod:`landscape.landscapes`), the generic checks, and the module each check entry names when that
module is part of the harness (a family's own checks live with its theorems); it never imports
the catalogue as a whole, and never a user's file unless the user allows it (see
:mod:`landscape.landscapes.builders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from landscape.certificates.certificate import read_certificate
from landscape.certificates.registry import RIGOUR_CHECKS, RIGOURS, CheckResult, resolve, run_check
from landscape.errors import CertificateError, DataError
from landscape.landscapes.base import landscape_from_spec
from landscape.landscapes.builders import FAMILY, CodePermission, allowing_code, file_digest, locate
from landscape.limits import memory_limit
from landscape.oracles.classify import Tolerances

# Checks that need only O(P) memory at P parameters (matrix-free above the dense threshold); any
# other check may form P x P matrices, a few at once: DENSE_CHECK_MATRICES of them are budgeted.
MATRIX_FREE_CHECKS = frozenset({"classification", "loss", "optimum", "descent", "curvature", "better-point"})
DENSE_CHECK_MATRICES = 8


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
        _refuse_unlocatable_checks(data)
        results += [run_check(entry, landscape, point, tolerances) for entry in data["checks"]]
    results.append(rigour_check(data))
    return Replay(data["theorem_id"], data["role"], str(data.get("claim", "")), results)


def _refuse_unlocatable_checks(data: dict[str, Any]) -> None:
    """A schema-1 certificate does not say which module defines a family's own check: finding it
    would mean importing the whole catalogue, which replay never does.  Say so, with the command
    that writes the certificate again."""
    if data.get("schema_version") != 1:
        return
    lost = [str(e.get("name")) for e in data["checks"] if isinstance(e, dict) and resolve(str(e.get("name")), e.get("module")) is None]
    if lost:
        budget = data.get("budget", {}).get("name", "quick") if isinstance(data.get("budget"), dict) else "quick"
        raise CertificateError(
            f"certificate of {data['theorem_id']} has schema version 1, which does not name the module of its check {lost[0]!r}; "
            f"write it again with `landscape verify {data['theorem_id']} --seed {data.get('seed', 0)} --budget {str(budget).split('+')[0]}`"
        )


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


def source_checks(spec: dict[str, Any]) -> list[CheckResult]:
    """For a user landscape: whether the file that defines it is the one the certificate recorded
    (compared before anything is imported)."""
    if not isinstance(spec, dict) or spec.get("family") != FAMILY:
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
