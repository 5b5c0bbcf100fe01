"""Results records: one JSON object per verification, appended as each one finishes.

Appending line by line means an interrupted run keeps every record already written, and
parallel workers can each write their own file, merged by :func:`read_records`.

Schema (version 2; version 1 records lack the fields marked *new* and still render):

``schema_version``, ``theorem_id``, ``expectation``, ``verdict`` (``holds``, ``refuted``,
``witnessed``, ``measured``, ``inconclusive``, ``error``), ``matches``, ``message``,
``coverage`` (``instances``, ``restarts``, ``candidates`` by class, ``classified``,
``outcomes``, *new* ``samples`` — a capped sample of classified candidates — and
``samples_seen``; for probes, ``measurements`` — one ``{"group": ..., statistic: value}`` per
instance — and ``statistics`` — ``headline``, ``overall`` and per-group ``groups`` summaries:
``count``, ``mean``, ``median``, ``min``, ``max``, or ``fraction`` for booleans; both absent in
earlier records, which still render), ``seconds``, ``budget``, ``seed``, ``falsifies``, *new* ``title``,
``source``, ``statement``, ``hypotheses``, ``device``, ``environment`` (``versions``,
``platform``) and ``recorded_at`` (UTC, ISO 8601), ``certificate_path`` and ``certificate``
(the certificate's JSON, or null); and, only in records of a power run, ``power``: either
``{"applicable": false, "reason": ...}`` or ``applicable``, ``kind``, ``by_radius`` (relative
radius -> ``[detected, planted]``), ``r50``, ``r95``, ``scale``, ``plants``, ``instances``,
``instances_skipped``, ``location``, ``search``, ``elsewhere``, ``skipped``, ``errors``, ``error_count``,
``seconds`` (see :func:`landscape.power.power_record`).

Optional certificate facts that reports draw when present (families may fill them):

* ``facts["path"] = {"t": [...], "loss": [...], "label": str, "infimum": float}`` — the
  loss along a path (e.g. a decreasing path to infinity), ``infimum`` optional;
* ``facts["trajectory"]`` — one dict or a list of dicts ``{"step": [...], "loss": [...],
  "label": str}``: the loss along an optimiser's iterates (theorems about dynamics).
"""

from __future__ import annotations

import datetime
import json
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landscape.errors import DataError

if TYPE_CHECKING:  # reading records must not import torch: a bad file fails fast
    from landscape.results import VerificationResult

RECORD_SCHEMA_VERSION = 2
REQUIRED_FIELDS = ("theorem_id", "verdict")
FIX = "pass files written by `landscape verify --json FILE` or `--report DIR` (DIR/results.jsonl)"


def environment() -> dict[str, Any]:
    """Library versions and platform of the process writing the record."""
    from landscape.oracles.certificates import versions

    return {"versions": versions(), "platform": platform.platform()}


def as_line(result: VerificationResult) -> str:
    """``result`` as one versioned JSON record (no trailing newline)."""
    record = {
        "schema_version": RECORD_SCHEMA_VERSION,
        **result.as_record(),
        "environment": environment(),
        "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    return json.dumps(record, allow_nan=False)


def append_record(path: Path, result: VerificationResult) -> None:
    """Append ``result`` as one JSON line to ``path`` (created with its folder if missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = as_line(result) + "\n"
    with path.open("a") as stream:  # one write per record: a crash never leaves half of one
        stream.write(line)
        stream.flush()


def read_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """All records of the given files, in order; any problem is a one-line DataError."""
    records = []
    for path in paths:
        records += _records_of(Path(path))
    return records


def _records_of(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise DataError(f"cannot read results file {path}: {reason}; {FIX}") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            records.append(_parse(path, number, line))
    return records


def _parse(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}:{number} is not a JSON record ({exc.msg}); the line may be truncated: delete it or re-run"
        ) from None
    if not isinstance(record, dict) or any(not isinstance(record.get(f), str) for f in REQUIRED_FIELDS):
        raise DataError(f"{path}:{number} is not a verification record (no theorem_id/verdict); {FIX}")
    version = record.get("schema_version", 1)
    if not isinstance(version, int) or version > RECORD_SCHEMA_VERSION:
        raise DataError(
            f"{path}:{number} has record schema version {version!r}; this version reads <= "
            f"{RECORD_SCHEMA_VERSION}: upgrade landscape-theorems"
        )
    return record


def merge_files(sources: Iterable[Path], target: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Concatenate the records of ``sources`` (per-worker files) into ``target`` (rewritten).

    A worker killed mid-write may leave a malformed last line: it is skipped, not fatal, so a
    crashed worker loses only its own test.  Returns the records and one problem per skip.
    """
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for source in sorted(sources):
        try:
            lines = Path(source).read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"cannot read {source}: {exc}")
            continue
        for number, line in enumerate(lines, start=1):
            try:
                if line.strip():
                    records.append(_parse(Path(source), number, line))
            except DataError as exc:
                problems.append(str(exc))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(r, allow_nan=False) + "\n" for r in records))
    return records, problems
