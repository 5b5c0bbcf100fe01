"""Fixtures: records of a real (small) verification run, and the report rendered from them.

The run and its report are made once per session, even under ``pytest -n N``: the first
worker to ask makes them in a folder all workers of the session share, under a file lock.
Tests must treat them as read-only (``real_records`` gives each test its own copy).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from landscape.theorems.budget import Budget
from landscape.reports.records import append_record, read_records
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY

# A real run, kept small: a theorem that holds (with search candidates), a witnessed one
# (degenerate saddle certificate) and a falsified variant (refuted, counterexample).
REAL_RUN_IDS = ("toy-vw-no-bad-min", "deep-linear-degenerate-saddle-at-zero", "variant-deep-linear-every-saddle-strict")
SMALL = Budget("custom", instances=2, restarts=12, descent_steps=150, refine_steps=20)


def _session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this session that every xdist worker sees (workers' basetemps share a parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def real_run(tmp_path_factory) -> Path:
    """``results.jsonl`` of the real run, ``certificates/`` and ``report/`` rendered from the records."""
    from landscape.reports import write_report

    shared = _session_folder(tmp_path_factory)
    folder = shared / "landscape-real-run"
    with _locked(shared / "landscape-real-run.lock"):
        if not (folder / "done").exists():
            folder.mkdir(exist_ok=True)
            (folder / "results.jsonl").write_text("")
            for theorem_id in REAL_RUN_IDS:
                result = verify(REGISTRY.get(theorem_id), SMALL, 0, certificates=folder / "certificates")
                append_record(folder / "results.jsonl", result)
            write_report([folder / "results.jsonl"], folder / "report")
            (folder / "done").touch()
    return folder


@pytest.fixture(scope="session")
def real_results_file(real_run) -> Path:
    return real_run / "results.jsonl"


@pytest.fixture(scope="session")
def real_report(real_run) -> Path:
    """The report folder rendered from the real run's records alone (read-only)."""
    return real_run / "report"


@pytest.fixture
def real_records(real_results_file) -> list[dict]:
    """Fresh copies of the real run's records (tests may alter them)."""
    return json.loads(json.dumps(read_records([real_results_file])))
