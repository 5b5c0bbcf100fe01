"""Results records: one JSON object per verification, appended as each one finishes.

Appending line by line means an interrupted run keeps every record already written, and
parallel workers can each write their own file, merged by :func:`read_records`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from landscape.errors import DataError
from landscape.results import VerificationResult

RECORD_SCHEMA_VERSION = 1


def append_record(path: Path, result: VerificationResult) -> None:
    """Append ``result`` as one JSON line to ``path`` (created with its folder if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"schema_version": RECORD_SCHEMA_VERSION, **result.as_record()}
    with path.open("a") as stream:
        stream.write(json.dumps(record, allow_nan=False) + "\n")


def read_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """All records of the given files, in order; a malformed line is a one-line DataError."""
    records = []
    for path in paths:
        for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number} is not a JSON record ({exc.msg}); the line may be truncated") from None
    return records
