"""No run loses or truncates records: ``--report DIR`` and ``--landscape-report DIR`` append to
``DIR/results.jsonl`` under a lock (two runs into one folder keep both), a report never rewrites
records it would not show (it refuses, naming the folder), and the report shows every record
present, including the theorems of a user's file run by pytest."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from landscape.cli import main

ROOT = Path(__file__).resolve().parents[2]

CLAIMS = '''
from hypothesis import strategies as st
from landscape import api


def fine(instance, context):
    return api.Evidence(api.Outcome.SUPPORTS, "fine")


def claim(id):
    return api.Theorem(id=id, title=id, source="test", statement=id, expectation=api.Expectation.HOLDS,
                       instances=lambda: st.integers(0, 3), check=fine)


{claims}
'''


def _claims(folder: Path, prefix: str, count: int) -> Path:
    path = folder / f"claims_{prefix}.py"
    body = "\n".join(f"{prefix.upper()}_{i} = claim('{prefix}-{i}')" for i in range(count))
    path.write_text(textwrap.dedent(CLAIMS).replace("{claims}", body))
    return path


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return {**env, "OMP_NUM_THREADS": "1"}


def _ids(results: Path) -> list[str]:
    return [json.loads(line)["theorem_id"] for line in results.read_text().splitlines()]


def test_two_concurrent_verify_runs_into_one_folder_keep_every_record(tmp_path):
    folder = tmp_path / "report"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "landscape.cli", "verify", "--quiet", "--file", str(_claims(tmp_path, name, 6)),
             "--report", str(folder), "--certificates", str(tmp_path / "certs")],
            cwd=tmp_path, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("first", "second")
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    ids = _ids(folder / "results.jsonl")
    assert sorted(ids) == sorted(f"{name}-{i}" for name in ("first", "second") for i in range(6))
    index = (folder / "index.html").read_text()
    assert "first-5" in index and "second-5" in index  # the report rendered last shows both runs


def test_a_second_verify_run_appends_and_its_report_shows_both(tmp_path):
    folder = tmp_path / "report"
    for name in ("first", "second"):
        out = io.StringIO()
        assert main(["verify", "--quiet", "--file", str(_claims(tmp_path, name, 1)), "--report", str(folder)], out=out) == 0
    assert _ids(folder / "results.jsonl") == ["first-0", "second-0"]
    assert "(with 1 theorem recorded by other runs)" in out.getvalue()
    assert (folder / "theorem-first-0.html").is_file()


def test_report_refuses_a_folder_whose_records_it_would_not_show(tmp_path, real_results_file, capsys):
    folder = tmp_path / "report"
    assert main(["verify", "--quiet", "--file", str(_claims(tmp_path, "kept", 1)), "--report", str(folder)], out=io.StringIO()) == 0
    before = (folder / "results.jsonl").read_text()
    assert main(["report", str(real_results_file), "--out", str(folder)], out=io.StringIO()) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"landscape: error: {folder} already holds 1 record in results.jsonl that this report would not show; "
        f"add {folder / 'results.jsonl'} to the results files, or pass another --out folder"
    )
    assert (folder / "results.jsonl").read_text() == before
    # named with the other file, both are shown and nothing is written twice
    for _ in range(2):
        assert main(["report", str(folder / "results.jsonl"), str(real_results_file), "--out", str(folder)], out=io.StringIO()) == 0
    assert len(_ids(folder / "results.jsonl")) == 1 + len(real_results_file.read_text().splitlines())


def test_pytest_records_a_user_files_theorems_and_keeps_earlier_records(tmp_path):
    """`pytest my_claim.py --landscape-report DIR` into a folder with records: nothing is
    truncated, the file's theorem is recorded, and the index shows both."""
    folder = tmp_path / "report"
    assert main(["verify", "--quiet", "--file", str(_claims(tmp_path, "earlier", 1)), "--report", str(folder)], out=io.StringIO()) == 0
    claim = _claims(tmp_path, "mine", 1)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", claim.name, "--landscape-report", str(folder)],
        cwd=tmp_path, env=_environment(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _ids(folder / "results.jsonl") == ["earlier-0", "mine-0"]
    assert "report of 2 theorems (2 records, 1 from earlier runs)" in result.stdout
    index = (folder / "index.html").read_text()
    assert "earlier-0" in index and "mine-0" in index
