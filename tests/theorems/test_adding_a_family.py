"""docs/adding-a-family.md is executed: its file is added to a copy of the package, as the one
new file of a new family, and its commands run on that copy in real processes.  The family is
discovered, its theorem holds, its variant is refuted with a certificate naming the family's
module, and that certificate replays in another process."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "adding-a-family.md"
FAMILY_FILE = Path("landscape") / "theorems" / "scalar_weight_decay.py"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(), flags=re.M | re.S)


def run(line: str, cwd: Path, copy: Path) -> subprocess.CompletedProcess:
    words = shlex.split(line)
    assert words[0] == "landscape"
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run([sys.executable, "-m", "landscape.cli", *words[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_new_family_is_one_new_file(tmp_path):
    copy = tmp_path / "package"
    shutil.copytree(ROOT / "landscape", copy / "landscape", ignore=shutil.ignore_patterns("__pycache__"))
    (file,) = blocks("python")
    assert not (ROOT / FAMILY_FILE).exists()
    (copy / FAMILY_FILE).write_text(file)
    ours = {p.relative_to(ROOT) for p in (ROOT / "landscape").rglob("*.py")}
    theirs = {p.relative_to(copy) for p in (copy / "landscape").rglob("*.py")}
    assert theirs - ours == {FAMILY_FILE} and ours <= theirs  # nothing else is added or edited
    work = tmp_path / "work"
    work.mkdir()
    listing, verify, replay = (line.strip() for block in blocks("bash") for line in block.splitlines() if line.strip())

    listed = run(listing, work, copy)
    assert listed.returncode == 0, listed.stderr
    assert "scalar-weight-decay-no-bad-min" in listed.stdout and "variant-scalar-weight-decay-origin-minimum" in listed.stdout

    verified = run(verify + " --quiet", work, copy)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "2 of 2 verdicts as expected" in verified.stdout

    certificate = work / shlex.split(replay)[-1]
    data = json.loads(certificate.read_text())
    modules = {entry["name"]: entry["module"] for entry in data["checks"]}
    assert modules["scalar-weight-decay-origin-curvature"] == "landscape.theorems.scalar_weight_decay"
    assert data["landscape"]["module"] == "landscape.theorems.scalar_weight_decay"
    assert data["rigour"] == "exact"

    replayed = run(replay, work, copy)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert re.search(r"(\d+) of \1 checks passed", replayed.stdout), replayed.stdout
