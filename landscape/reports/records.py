"""Results records: one JSON object per verification, appended as each one finishes.

Appending line by line means an interrupted run keeps every record already written, and
parallel workers can each write their own file, merged by :func:`merge_files`.  Records are never
truncated: every writer appends, holding the file's lock (``FILE.lock``, a :mod:`filelock`
lock, so two runs writing into one folder keep both runs' records), and a report written into a
folder whose ``results.jsonl`` holds records it would not show is refused (:func:`keep_records`).

Schema (version 2; version 1 records lack the fields marked *new* and still render):

``schema_version``, ``theorem_id``, ``expectation``, ``verdict`` (``holds``, ``refuted``,
``witnessed``, ``measured``, ``inconclusive``, ``error``), ``matches``, ``message``,
``coverage`` (``instances``, ``restarts``, ``candidates`` by class, ``classified``,
*new* ``non_finite`` (candidates with a NaN or infinite loss, gradient or Hessian), ``outcomes``, *new* ``samples`` — a capped sample of classified candidates — and
``samples_seen``; for probes, ``measurements`` — one ``{"group": ..., statistic: value}`` per
instance — and ``statistics`` — ``headline``, ``overall`` and per-group ``groups`` summaries:
``count``, ``mean``, ``median``, ``min``, ``max``, or ``fraction`` for booleans; both absent in
earlier records, which still render), ``seconds``, ``budget``, ``seed``, ``falsifies``, *new* ``title``,
``source``, ``statement``, ``hypotheses``, ``device``, ``threads`` (the thread policy the run used:
``small``, ``large``, ``source``, ``used``; absent in earlier records), ``environment`` (``versions``,
``platform``) and ``recorded_at`` (UTC, ISO 8601), ``certificate_path`` and ``certificate``
(the certificate's JSON, or null).  A crashed ``pytest -n`` worker is recorded as a minimal
record: ``theorem_id`` (the test's node id), ``verdict`` ``error``, ``message`` and ``title``.
(the certificate's JSON, or null); and, only in records of a power run, ``power``: either
``{"applicable": false, "reason": ...}`` or ``applicable``, ``kind``, ``by_radius`` (relative
radius -> ``[detected, planted]``), ``r50``, ``r95``, ``scale``, ``plants``, ``instances``,
``instances_skipped``, ``location``, ``search``, ``elsewhere``, ``skipped``, ``errors``, ``error_count``,
``seconds`` (see :func:`landscape.engine.power.power_record`).

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

from filelock import FileLock, Timeout

from landscape.errors import DataError, InvalidArgument
from landscape.certificates.certificate import versions

if TYPE_CHECKING:  # reading records must not import torch: a bad file fails fast
    from landscape.engine.results import VerificationResult

RECORD_SCHEMA_VERSION = 2
REQUIRED_FIELDS = ("theorem_id", "verdict")
FIX = "pass files written by `landscape verify --json FILE` or `--report DIR` (DIR/results.jsonl)"
# A writer waits this long for another to finish; the longest holder, a report render, takes
# seconds, so a wait this long means a writer that hangs.
LOCK_TIMEOUT_SECONDS = 600.0


def environment() -> dict[str, Any]:
    """Library versions and platform of the process writing the record."""
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


def lock_of(path: Path) -> FileLock:
    """The lock every writer of the records file ``path`` (and of the report beside it) holds."""
    return FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_SECONDS)


def locked(path: Path) -> FileLock:
    """:func:`lock_of` ``path``, acquired; waiting past the timeout is a one-line error."""
    lock = lock_of(path)
    try:
        lock.acquire()
    except Timeout:
        raise InvalidArgument(
            f"{path} has been locked by another writer for {LOCK_TIMEOUT_SECONDS:.0f} s; let that run finish, then retry"
        ) from None
    return lock


def append_record(path: Path, result: VerificationResult, lock: Path | None = None) -> None:
    """Append ``result`` as one JSON line to ``path`` (created with its folder if missing),
    holding the lock of ``lock`` (default: of ``path`` itself)."""
    append_lines(path, [as_line(result)], lock)


def append_lines(path: Path, lines: Iterable[str], lock: Path | None = None) -> None:
    """Append JSON ``lines`` to ``path`` under the lock of ``lock or path``; never truncates."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(line + "\n" for line in lines)
    if not text:
        return
    with locked(Path(lock or path)), path.open("a") as stream:  # one write: a crash never leaves half of a record
        stream.write(text)
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
    """Append the records of ``sources`` (per-worker files) to ``target`` and remove the sources
    read, all under ``target``'s lock (workers append to their files under that lock too).

    A worker killed mid-write may leave a malformed last line: it is skipped, not fatal, so a
    crashed worker loses only its own test.  Returns the records and one problem per skip.
    """
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    read: list[Path] = []
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target):
        for source in sorted(Path(s) for s in sources):
            try:
                lines = source.read_text().splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"cannot read {source}: {exc}")
                continue
            read.append(source)
            for number, line in enumerate(lines, start=1):
                try:
                    if line.strip():
                        records.append(_parse(source, number, line))
                except DataError as exc:
                    problems.append(str(exc))
        with target.open("a") as stream:
            stream.write("".join(json.dumps(r, allow_nan=False) + "\n" for r in records))
        for source in read:  # merged: a later merge must not append them again
            source.unlink()
    return records, problems


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, allow_nan=False)


def keep_records(records: list[dict[str, Any]], target: Path) -> None:
    """Make ``target`` (a report folder's ``results.jsonl``) hold ``records``, by appending the
    ones it lacks; if it holds a record not among them, refuse: the report would not show it,
    and rewriting the file would lose it.  The caller holds ``target``'s lock."""
    present = _records_of(target) if target.is_file() else []
    wanted = {_canonical(r) for r in records}
    foreign = [r for r in present if _canonical(r) not in wanted]
    if foreign:
        raise InvalidArgument(
            f"{target.parent} already holds {len(foreign)} record{'' if len(foreign) == 1 else 's'} in {target.name} "
            f"that this report would not show; add {target} to the results files, or pass another --out folder"
        )
    have = {_canonical(r) for r in present}
    missing = [r for r in records if _canonical(r) not in have]
    if missing or not target.is_file():
        with target.open("a") as stream:
            stream.write("".join(json.dumps(r, allow_nan=False) + "\n" for r in missing))
