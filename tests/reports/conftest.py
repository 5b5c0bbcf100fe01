"""Fixtures: records of a real (small) verification run, and the report rendered from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landscape.budget import Budget
from landscape.reports.records import append_record, read_records
from landscape.runner import verify
from landscape.theorems import REGISTRY

# A real run, kept small: a theorem that holds (with search candidates), a witnessed one
# (degenerate saddle certificate) and a falsified variant (refuted, counterexample).
REAL_RUN_IDS = ("toy-vw-no-bad-min", "deep-linear-degenerate-saddle-at-zero", "variant-deep-linear-every-saddle-strict")
SMALL = Budget("custom", instances=2, restarts=12, descent_steps=150, refine_steps=20)


@pytest.fixture(scope="session")
def real_results_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("real-run")
    path = folder / "results.jsonl"
    for theorem_id in REAL_RUN_IDS:
        append_record(path, verify(REGISTRY.get(theorem_id), SMALL, 0, certificates=folder / "certificates"))
    return path


@pytest.fixture
def real_records(real_results_file) -> list[dict]:
    """Fresh copies of the real run's records (tests may alter them)."""
    return json.loads(json.dumps(read_records([real_results_file])))


@pytest.fixture(scope="session")
def real_report(real_results_file, tmp_path_factory) -> Path:
    """The report folder rendered from the real run's records alone."""
    from landscape.reports import write_report

    out = tmp_path_factory.mktemp("real-report")
    write_report([real_results_file], out)
    return out
