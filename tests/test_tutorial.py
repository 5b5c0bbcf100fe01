"""docs/tutorial.md is executed: its python blocks are written to my_claim.py and its commands
run as real processes on it.  The claim must hold, the variant must be refuted with a
certificate that replays in another process, and the CLI and ``pytest -n 2`` must give the same
verdicts and byte-identical certificates for the same seed."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from landscape.cli import main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
VARIANT = "variant-rank-one-every-critical-point-global"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", TUTORIAL.read_text(), flags=re.M | re.S)


def command(line: str) -> list[str]:
    """A documented command, run with this interpreter and this checkout's code."""
    words = shlex.split(line)
    program = {"landscape": ["-m", "landscape.cli"], "pytest": ["-m", "pytest", "-p", "no:cacheprovider"]}[words[0]]
    return [sys.executable, *program, *words[1:]]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def documented_commands() -> tuple[str, str, str]:
    verify, pytest_line, replay = (line.strip() for block in blocks("bash") for line in block.splitlines() if line.strip())
    return verify, pytest_line, replay


def test_the_tutorial_documents_the_three_commands():
    verify, pytest_line, replay = documented_commands()
    assert verify.startswith("landscape verify --file my_claim.py")
    assert pytest_line == "pytest -n 2 my_claim.py"
    assert replay == f"landscape replay --allow-code landscape-certificates/{VARIANT}.json"


def test_the_tutorial_runs_end_to_end(tmp_path, monkeypatch):
    """One test (the steps share their files, and xdist would split a module fixture).  verify
    and pytest run as real processes; replay runs the same CLI in this process, on the
    certificate those processes wrote."""
    (tmp_path / "my_claim.py").write_text("\n\n".join(blocks("python")))
    verify, pytest_line, replay = documented_commands()
    check_verify(run(command(verify), tmp_path), tmp_path)
    check_certificate(tmp_path)
    check_pytest(run(command(pytest_line) + ["-v", "--landscape-certificates", "from-pytest"], tmp_path))
    serial = tmp_path / "landscape-certificates" / f"{VARIANT}.json"
    assert serial.read_bytes() == (tmp_path / "from-pytest" / f"{VARIANT}.json").read_bytes(), "same seed, other certificate"
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = main(shlex.split(replay)[1:], out=out)
    assert status == 0 and "[pass] definition" in out.getvalue() and "6 of 6 checks passed" in out.getvalue(), out.getvalue()


def check_verify(result: subprocess.CompletedProcess, folder: Path) -> None:
    """The claim holds (with coverage), the variant is refuted, and the output says how to reproduce."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 of 2 verdicts as expected" in result.stdout
    records = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert [(r["theorem_id"], r["verdict"]) for r in records] == [
        ("rank-one-no-spurious-minima", "holds"), (VARIANT, "refuted"),
    ]
    holds = records[0]["coverage"]
    assert holds["instances"] >= 6 and holds["restarts"] > 0 and holds["candidates"].get("global_minimum", 0) > 0
    assert f"reproduce: landscape verify --file my_claim.py {VARIANT} --seed 0 --budget quick" in result.stdout


def check_certificate(folder: Path) -> None:
    """The counterexample is shrunk to M = [1] and records what replay and reproduction need."""
    certificate = json.loads((folder / "landscape-certificates" / f"{VARIANT}.json").read_text())
    assert certificate["instance"] == "rank_one(m=array([[1.0]]))"
    assert certificate["landscape"]["builder"]["file"] == str((folder / "my_claim.py").resolve())
    assert certificate["point"] == [0.0] and certificate["seed"] == 0 and certificate["budget"]["name"] == "quick"
    assert {"torch", "hypothesis", "landscape-theorems"} <= set(certificate["versions"])
    assert {"gradient", "eigenvalue", "loss"} <= set(certificate["tolerances"])


def check_pytest(result: subprocess.CompletedProcess) -> None:
    """pytest collects each theorem of the file as a test with a readable id."""
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASSED my_claim.py::rank-one-no-spurious-minima" in result.stdout
    assert f"PASSED my_claim.py::{VARIANT}" in result.stdout
