"""`landscape verify --report`, `landscape report` and `pytest -n N --landscape-report`, run as
real processes: they produce the same kind of report, and bad input is one line and exit 2."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The two fastest catalogue tests (falsified variants: refuted, with counterexample certificates).
IDS = ("variant-origin-saddle-without-signal", "variant-one-hidden-repeated-eigenvalues")


def _environment() -> dict[str, str]:
    """This checkout first on the path; no trace of an enclosing xdist worker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=_environment(), timeout=600)


def _headings(page: Path) -> list[str]:
    return re.findall(r"<h[23]>([^<]*)", page.read_text())


def _verdicts(folder: Path) -> dict[str, str]:
    lines = (folder / "results.jsonl").read_text().splitlines()
    return {r["theorem_id"]: r["verdict"] for r in map(json.loads, lines)}


def test_verify_and_pytest_produce_the_same_kind_of_report(tmp_path):
    """`landscape verify --report` (in-process: the same code, one process start less) and a
    real `pytest -n 2 --landscape-report` run over the same theorems."""
    from landscape.cli import main

    out = io.StringIO()
    code = main(["verify", *IDS, "--report", str(tmp_path / "cli"), "--certificates", str(tmp_path / "certificates"),
                 "--device", "cpu"], out=out)
    assert code == 0 and f"report: {tmp_path / 'cli' / 'index.html'}" in out.getvalue()
    selection = " or ".join(IDS)
    tests = run("-m", "pytest", "-q", "-n", "2", "tests/test_catalogue.py", "-k", selection,
                "--landscape-report", str(tmp_path / "pytest"))
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "report of 2 theorems (2 records)" in tests.stdout
    assert not sorted((tmp_path / "pytest" / ".workers").glob("*.jsonl"))  # the workers' files, merged and removed
    for folder in ("cli", "pytest"):
        assert _verdicts(tmp_path / folder) == {IDS[0]: "refuted", IDS[1]: "refuted"}
    pages = sorted(p.name for p in (tmp_path / "cli").glob("*.html"))
    assert pages == sorted(p.name for p in (tmp_path / "pytest").glob("*.html")) and len(pages) == 3
    for page in pages:
        assert _headings(tmp_path / "cli" / page) == _headings(tmp_path / "pytest" / page)


def test_report_renders_from_records_alone(tmp_path, real_results_file):
    from landscape.cli import main

    out = io.StringIO()
    assert main(["report", str(real_results_file), "--out", str(tmp_path / "out")], out=out) == 0
    assert out.getvalue().strip() == f"report of 3 theorems: {tmp_path / 'out' / 'index.html'}"
    assert len(list((tmp_path / "out").glob("theorem-*.html"))) == 3
    assert (tmp_path / "out" / "results.jsonl").read_text() == real_results_file.read_text()


def test_an_unreadable_results_file_is_one_line_and_exit_2(tmp_path):
    result = run("-m", "landscape.cli", "report", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"landscape: error: cannot read results file {tmp_path / 'missing.jsonl'}: No such file or directory; "
        "pass files written by `landscape verify --json FILE` or `--report DIR` (DIR/results.jsonl)"
    )


BAD_INPUT = [
    ("truncated", '{"theorem_id": "x", "verdi', "is not a JSON record"),
    ("not-a-record", '{"hello": 1}', "is not a verification record"),
    ("empty", "", "no records in"),
    ("folder", None, "cannot read results file"),
]


@pytest.mark.parametrize("name, content, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_results_files_are_one_line_and_exit_2(tmp_path, capsys, name, content, message):
    """The same command in-process (the table is cheap this way; one real process above)."""
    from landscape.cli import main

    path = tmp_path / f"{name}.jsonl"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    assert main(["report", str(path), "--out", str(tmp_path / "out")], out=io.StringIO()) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1, error
    assert not (tmp_path / "out").exists()


CRASHING_TESTS = '''
import os
from landscape.engine.results import Coverage, Verdict, VerificationResult
from landscape.theorems.model import Expectation


def _result(theorem_id):
    return VerificationResult(theorem_id, Expectation.HOLDS, Verdict.HOLDS, "ok", Coverage(instances=1), 0.1, "quick", 0)


def test_recorded(landscape_record):
    landscape_record(_result("kept-by-the-worker"))


def test_crashes(landscape_record):
    landscape_record(_result("recorded-before-the-crash"))
    os._exit(1)
'''


def test_a_crashed_worker_loses_only_its_own_test(tmp_path):
    (tmp_path / "test_crash.py").write_text(CRASHING_TESTS)
    result = run("-m", "pytest", "-q", "-n", "1", "-p", "no:cacheprovider", "test_crash.py",
                 "--landscape-report", str(tmp_path / "report"), cwd=tmp_path)
    assert result.returncode == 1 and "crashed" in result.stdout, result.stdout + result.stderr
    verdicts = _verdicts(tmp_path / "report")
    assert set(verdicts) == {"kept-by-the-worker", "recorded-before-the-crash", "test_crash.py::test_crashes"}
    assert verdicts["test_crash.py::test_crashes"] == "error"  # the crash is a record, so the report shows it
    assert (tmp_path / "report" / "theorem-kept-by-the-worker.html").exists()
    assert "test_crash.py::test_crashes (worker crashed)" in (tmp_path / "report" / "index.html").read_text()
    page = next((tmp_path / "report").glob("theorem-test-crash-py-test-crashes-*.html")).read_text()
    assert "worker gw0 crashed while running test_crash.py::test_crashes" in page
