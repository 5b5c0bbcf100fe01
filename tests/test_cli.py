"""Acceptance tests of the `landscape` command, run as real processes."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "landscape.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_list_shows_the_catalogue():
    result = run("list")
    assert result.returncode == 0
    assert re.search(r"^deep-linear-no-bad-local-min\s+holds\s+(-|exact|interval|float64)\s+001 Thm III.1", result.stdout, re.M)
    assert "variant-" not in result.stdout
    assert "variant-toy-vw-every-critical-global" in run("list", "--variants").stdout


def test_verify_writes_records_and_a_replayable_certificate(tmp_path):
    records = tmp_path / "out" / "results.jsonl"
    result = run(
        "verify", "deep-linear-degenerate-saddle-at-zero", "toy-vw-no-bad-min", "--json", str(records),
        "--certificates", str(tmp_path / "certs"), "--device", "cpu",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 of 2 verdicts as expected" in result.stdout
    lines = [json.loads(line) for line in records.read_text().splitlines()]
    assert [r["verdict"] for r in lines] == ["witnessed", "holds"]
    assert lines[1]["coverage"]["restarts"] > 0
    certificate = tmp_path / "certs" / "deep-linear-degenerate-saddle-at-zero.json"
    replayed = run("replay", str(certificate))
    assert replayed.returncode == 0 and "checks passed" in replayed.stdout
    assert "rigour: exact (the claim rests on exact (sympy) checks" in result.stdout
    listed = run("list", "--certificates", str(tmp_path / "certs")).stdout
    assert re.search(r"^deep-linear-degenerate-saddle-at-zero\s+witnessed\s+exact\s", listed, re.M)
    assert re.search(r"^toy-vw-no-bad-min\s+holds\s+-\s", listed, re.M)


def test_a_variant_verified_as_a_theorem_fails_the_run(tmp_path):
    """Asking for a falsified variant by id expects it refuted: exit 0; the table says so."""
    result = run("verify", "variant-one-hidden-origin-degenerate", "--certificates", str(tmp_path))
    assert result.returncode == 0
    assert "refuted (variant)" in result.stdout


def test_a_probe_prints_its_headline_statistic_and_passes_when_measured(tmp_path):
    result = run("verify", "monotone-linear-interpolation", "--instances", "1", "--restarts", "4", "--device", "cpu", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^monotone-linear-interpolation\s+probe\s+measured\s+yes\s+1\s+4\b", result.stdout, re.M)
    assert re.search(r"^monotone-linear-interpolation: monotone_fraction: mean [0-9.]+, median [0-9.]+, range \[[0-9.]+, [0-9.]+\] over 1 instance$", result.stdout, re.M)
    assert "1 of 1 verdicts as expected" in result.stdout


def test_tampered_certificate_fails_replay_with_exit_1(tmp_path, certificate_file):
    data = json.loads(certificate_file.read_text())
    data["point"] = [v + 0.25 for v in data["point"]]
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(data))
    result = run("replay", str(path))
    assert result.returncode == 1
    assert "[FAIL] classification" in result.stdout


BAD_INPUT = [
    (("verify", "no-such-theorem"), "unknown theorem id 'no-such-theorem'"),
    (("verify", "toy-vw-no-bad-mn"), "did you mean toy-vw-no-bad-min"),
    (("verify", "--budget", "huge"), "invalid choice: 'huge'"),
    (("verify", "--device", "tpu"), "invalid choice: 'tpu'"),
    (("verify", "--seed", "abc"), "invalid int value"),
    (("replay", "/nonexistent/file.json"), "cannot read certificate"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("verify", "toy-vw-no-bad-min", "--threads", "0"), "threads=0 must be a positive integer"),
    (("sweep", "--sizes", "12-6"), "--sizes '12-6' must be LOW-HIGH"),
    (("sweep", "--sizes", "2-4"), "has no size of the experiment"),
    (("sweep", "--starts", "0"), "--starts 0 must be a positive integer"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_cuda_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present here")
    result = run("verify", "toy-vw-no-bad-min", "--device", "cuda")
    assert result.returncode == 2
    assert "no CUDA device is available" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unreadable_certificate_is_exit_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    result = run("replay", str(path))
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_variants_with_ids_adds_only_their_variants():
    from landscape.engine.files import chosen_theorems

    chosen = chosen_theorems(["toy-vw-no-bad-min"], None, variants=True)
    assert chosen[0].id == "toy-vw-no-bad-min"
    assert len(chosen) > 1 and all(t.falsifies == "toy-vw-no-bad-min" for t in chosen[1:])
    everything = chosen_theorems([], None, variants=True)
    assert {t.id for t in everything} >= {t.id for t in chosen} and len(everything) > len(chosen)


def test_sweep_prints_a_row_per_size_and_appends_json(tmp_path):
    rows = tmp_path / "sweep.jsonl"
    result = run("sweep", "--sizes", "6", "--starts", "16", "--protocol", "harness", "--device", "cpu", "--json", str(rows))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^k=6 n=6  starts 16  certified spurious \d+ \[", result.stdout, re.M)
    line = json.loads(rows.read_text())
    assert (line["k"], line["n"], line["protocol"], line["starts"]) == (6, 6, "harness", 16)
    assert line["near_global"] + line["objective_spurious"] + line["unconverged"] == 16
