"""Results records: versioned, appended as verifications finish, read back or rejected in one line."""

from __future__ import annotations

import json

import pytest

from landscape.errors import DataError
from landscape.reports.records import RECORD_SCHEMA_VERSION, merge_files, read_records


def test_a_record_carries_what_the_report_needs(real_records):
    record = real_records[0]
    assert record["schema_version"] == RECORD_SCHEMA_VERSION == 2
    assert record["theorem_id"] == "toy-vw-no-bad-min"
    assert record["title"].startswith("(vw - 1)^2") and record["source"].startswith("001")
    assert "$f(v, w)" in record["statement"] and record["hypotheses"]
    assert record["device"] == "cpu" and record["budget"] == "custom" and record["seed"] == 0
    assert {"torch", "numpy", "python", "landscape-theorems"} <= set(record["environment"]["versions"])
    assert record["recorded_at"].endswith("+00:00")


def test_coverage_samples_are_the_classified_candidates(real_records):
    coverage = real_records[0]["coverage"]
    samples = coverage["samples"]
    assert 0 < len(samples) <= coverage["samples_seen"] == coverage["classified"]
    assert {s["kind"] for s in samples} <= set(coverage["candidates"])
    restarts = [s for s in samples if s["label"].startswith("start")]
    assert restarts and all(s["gap"] is not None and s["gap"] >= -1e-9 for s in restarts)
    assert all(s["hessian_min"] <= s["hessian_max"] for s in samples)


def test_certificates_travel_inside_the_record(real_records):
    witness = real_records[1]
    assert witness["verdict"] == "witnessed"
    assert witness["certificate"]["schema"] == "landscape-certificate"
    assert witness["certificate"]["role"] == "witness"


BAD_LINES = [
    ('{"theorem_id": "x", "verdict"', "is not a JSON record"),
    ("[1, 2, 3]", "is not a verification record"),
    ('{"theorem_id": "x"}', "is not a verification record"),
    ('{"theorem_id": "x", "verdict": "holds", "schema_version": 99}', "upgrade landscape-theorems"),
]


@pytest.mark.parametrize("line, message", BAD_LINES, ids=["truncated", "not-an-object", "no-verdict", "newer-schema"])
def test_a_malformed_line_is_one_clear_error_naming_file_and_line(tmp_path, line, message):
    path = tmp_path / "results.jsonl"
    path.write_text('{"theorem_id": "a", "verdict": "holds"}\n' + line + "\n")
    with pytest.raises(DataError, match=message) as caught:
        read_records([path])
    assert f"{path}:2" in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreadable_file_says_so_and_what_to_pass(tmp_path):
    with pytest.raises(DataError, match="cannot read results file .*; pass files written by"):
        read_records([tmp_path / "missing.jsonl"])


def test_merging_worker_files_skips_a_line_cut_by_a_crash(tmp_path, real_results_file):
    lines = real_results_file.read_text().splitlines()
    (tmp_path / "results-gw0.jsonl").write_text(lines[0] + "\n")
    (tmp_path / "results-gw1.jsonl").write_text(lines[1] + "\n" + lines[2][: len(lines[2]) // 2])
    records, problems = merge_files(tmp_path.glob("results-*.jsonl"), tmp_path / "merged.jsonl")
    assert [r["theorem_id"] for r in records] == [json.loads(lines[i])["theorem_id"] for i in (0, 1)]
    assert len(problems) == 1 and "results-gw1.jsonl:2" in problems[0]
    assert read_records([tmp_path / "merged.jsonl"]) == records
