"""Bad input and faults around user theorem files: each is one line on stderr and exit status 2
(no traceback), a crashing property is the verdict ``error`` and the run goes on, Ctrl-C keeps the
records already written, and certificates of user landscapes refuse tampering precisely.

The CLI's own bad options, unknown catalogue ids, CUDA without a GPU and malformed certificate
files are in test_cli.py and test_certificates.py."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from landscape.cli import main
from landscape.errors import CertificateError
from landscape.certificates.replay import replay, replay_data
from landscape.reports.records import read_records

ROOT = Path(__file__).resolve().parent.parent

HEADER = '''
from __future__ import annotations
import numpy as np
import torch
from hypothesis import strategies as st
from landscape import api


def quartic(u, data):
    return 0.25 * ((data["M"] - torch.outer(u, u)) ** 2).sum()


@api.builder
def rank_one(m: np.ndarray, n_params: int = 0) -> api.Landscape:
    top = np.linalg.eigvalsh(m)[-1]
    return api.from_function(quartic, n_params or m.shape[0], {"M": m}, optimum=0.25 * (np.sum(m**2) - max(top, 0.0) ** 2))


def origin(landscape):
    return [("origin", np.zeros(landscape.n_params))]


def claim(id, instances, check=None, **fields):
    check = check or api.forbid(api.PointClass.STRICT_SADDLE, api.PointClass.LOCAL_MAXIMUM, special=origin, restarts=2)
    return api.Theorem(id=id, title=id, source="test", statement=id, expectation=api.Expectation.HOLDS,
                       instances=instances, check=check, **fields)
'''


def user_file(folder: Path, body: str, name: str = "claim.py") -> Path:
    path = folder / name
    path.write_text(HEADER + textwrap.dedent(body))
    return path


# -- bad input: one line, exit 2 ------------------------------------------------------------

BAD_FILES = [
    ("does-not-import-syntax", "def broken(:\n", "does not import: SyntaxError"),
    ("does-not-import-name", "VALUE = undefined_name + 1\n", "NameError: name 'undefined_name' is not defined (line"),
    ("defines-no-theorem", "X = 1\n", "defines no theorem"),
    ("data-with-nan", "T = claim('nan-data', lambda: st.just(np.array([[1.0, np.nan], [np.nan, 2.0]])).map(rank_one))\n",
     "m=...)[0, 1] = nan is not finite"),
    ("data-with-infinity", "T = claim('inf-data', lambda: st.just(None).map(lambda _: api.from_function(quartic, 1, {'M': [[np.inf]]})))\n",
     "data['M'][0, 0] = inf is not finite"),
    ("mismatched-shapes", "T = claim('bad-shapes', lambda: st.just(np.eye(2)).map(lambda m: rank_one(m, n_params=3)))\n",
     "the loss fails on this data"),
    ("module-rows-differ", "T = claim('rows', lambda: st.just(None).map(lambda _: api.from_module(torch.nn.Linear(2, 1), np.ones((4, 2)), np.ones((3, 1)))))\n",
     "pass one row per sample in both"),
    ("module-output-shape", "T = claim('outputs', lambda: st.just(None).map(lambda _: api.from_module(torch.nn.Linear(2, 1), np.ones((4, 2)), np.ones((4, 3)))))\n",
     "the module maps x (4, 2) to predictions (4, 1) but y has shape (4, 3)"),
    ("not-made-by-a-builder", "T = claim('no-builder', lambda: st.just(None).map(lambda _: api.from_function(quartic, 1, {'M': [[1.0]]}, optimum=0.0)))\n",
     "not made by a @builder function"),
    ("builder-not-top-level", "def outer():\n    @api.builder\n    def inner(x: float) -> api.Landscape: ...\nouter()\n",
     "must be defined at the top level"),
    ("id-taken-by-catalogue", "T = claim('toy-vw-no-bad-min', lambda: st.just(np.eye(1)).map(rank_one))\n", "is taken by the catalogue"),
    ("minimum-claim-without-optimum",
     "T = claim('no-optimum', lambda: st.just(None).map(lambda _: api.from_function(quartic, 1, {'M': [[1.0]]})), check=api.forbid(api.PointClass.LOCAL_MINIMUM))\n",
     "needs the landscape's global optimum"),
]

GOOD = "T = claim('fine-claim', lambda: st.just(np.eye(1)).map(rank_one))\n"
BAD_OPTIONS = [
    ("missing-file", ["--file", "absent.py"], "absent.py: no such file"),
    ("not-python", ["--file", "notes.txt"], "is not a Python file"),
    ("zero-instances", ["--file", "claim.py", "--instances", "0"], "budget instances=0 must be a positive integer"),
    ("negative-restarts", ["--file", "claim.py", "--restarts", "-3"], "budget restarts=-3 must be a positive integer"),
    ("unknown-id-in-file", ["--file", "claim.py", "fine-clam"], "did you mean fine-claim?); run `landscape list --file claim.py`"),
]


def one_line_exit_2(argv: list[str], capsys, folder: Path) -> str:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        status = main(argv, out=io.StringIO())
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("landscape: error: ") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("name, body, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_user_file_is_one_line_and_exit_2(tmp_path, capsys, name, body, message):
    path = user_file(tmp_path, body, name=f"{name.replace('-', '_')}.py")
    err = one_line_exit_2(["verify", "--file", str(path), "--certificates", str(tmp_path / "certs")], capsys, tmp_path)
    assert message in err


@pytest.mark.parametrize("name, options, message", BAD_OPTIONS, ids=[b[0] for b in BAD_OPTIONS])
def test_bad_option_with_a_file_is_one_line_and_exit_2(tmp_path, capsys, name, options, message):
    user_file(tmp_path, GOOD)
    (tmp_path / "notes.txt").write_text("not python")
    err = one_line_exit_2(["verify", *options], capsys, tmp_path)
    assert message in err


def test_list_shows_a_files_theorems(tmp_path):
    path = user_file(tmp_path, GOOD)
    out = io.StringIO()
    assert main(["list", "--file", str(path)], out=out) == 0
    assert "fine-claim  holds" in out.getvalue()


# -- faults: a crashing property, Ctrl-C ------------------------------------------------------

FAULTS = '''
import time


def crash(instance, context):
    return 1 / 0


def fine(instance, context):
    return api.Evidence(api.Outcome.SUPPORTS, "fine")


def sleep(instance, context):
    time.sleep(120)


CRASHES = claim("crashes", lambda: st.integers(0, 3), check=crash)
FINE = claim("fine", lambda: st.integers(0, 3), check=fine)
SLOW = claim("slow", lambda: st.integers(0, 3), check=sleep)
'''


def test_a_crash_is_recorded_and_ctrl_c_keeps_the_records(tmp_path):
    """A real process: the crashing property is `error` and the run goes on; SIGINT during the
    third theorem exits 130 with one line, and the two records written are complete."""
    user_file(tmp_path, FAULTS, name="faults.py")
    records = tmp_path / "results.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "landscape.cli", "verify", "--file", "faults.py", "--json", str(records)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not records.exists() or len(records.read_text().splitlines()) < 2):
            time.sleep(0.2)
        time.sleep(0.5)  # into the sleeping property
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, out + err
    assert err.strip() == f"landscape: interrupted; kept 2 records in {records} (render them with `landscape report`)", err
    kept = read_records([records])
    assert [(r["theorem_id"], r["verdict"]) for r in kept] == [("crashes", "error"), ("fine", "holds")]
    assert "ZeroDivisionError: division by zero (at faults.py:" in kept[0]["message"]
    assert "crashes" in out and "error" in out
    from landscape.cli import main

    assert main(["report", str(records), "--out", str(tmp_path / "report")]) == 0  # the kept records still render
    assert (tmp_path / "report" / "index.html").is_file()


def test_pytest_failures_say_how_to_reproduce(tmp_path):
    """pytest on a user file: a refuted claim and a crashing one fail with one readable message
    each, naming the certificate and the commands that reproduce them."""
    user_file(tmp_path, "WRONG = claim('wrong-claim', lambda: st.just(np.eye(1)).map(rank_one))\n"
              "def boom(instance, context):\n    raise RuntimeError('property bug')\n"
              "CRASH = claim('crash-claim', lambda: st.just(1), check=boom)\n", name="claims.py")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "claims.py", "--landscape-certificates", "certs"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1, result.stdout
    assert "wrong-claim: expected holds, got refuted" in result.stdout
    assert "certificate: certs/wrong-claim.json" in result.stdout
    assert "reproduce: pytest claims.py::wrong-claim --landscape-seed 0 --landscape-budget quick" in result.stdout
    assert "landscape verify --file" in result.stdout and "wrong-claim --seed 0 --budget quick" in result.stdout
    assert "crash-claim: expected holds, got error" in result.stdout and "RuntimeError: property bug" in result.stdout
    assert "Traceback" not in result.stdout


# -- tampered certificates of user landscapes --------------------------------------------------


@pytest.fixture
def user_certificate(tmp_path) -> Path:
    user_file(tmp_path, "WRONG = claim('wrong-claim', lambda: st.just(np.diag([2.0, -1.0])).map(rank_one))\n")
    out = io.StringIO()
    assert main(["verify", "--file", str(tmp_path / "claim.py"), "--certificates", str(tmp_path / "certs")], out=out) == 1
    return tmp_path / "certs" / "wrong-claim.json"


def _failed(data: dict) -> set[str]:
    return {c.name for c in replay_data(data).results if not c.passed}


def test_user_certificate_replays(user_certificate):
    outcome = replay(user_certificate)
    assert outcome.passed and [c.name for c in outcome.results][:2] == ["definition", "classification"]


def test_user_certificate_with_edited_loss_fails_the_loss_check(user_certificate):
    data = json.loads(user_certificate.read_text())
    next(c for c in data["checks"] if c["name"] == "loss")["args"]["value"] += 1e-3
    assert _failed(data) == {"loss"}


def test_user_certificate_with_edited_arguments_fails(user_certificate):
    data = json.loads(user_certificate.read_text())
    data["landscape"]["arguments"]["m"]["ndarray"] = [[0.5, 0.0], [0.0, -1.0]]
    assert {"loss", "optimum"} <= _failed(data)


def test_an_edited_definition_fails_the_definition_check(user_certificate):
    claim = user_certificate.parent.parent / "claim.py"
    claim.write_text(claim.read_text() + "\n# edited\n")
    assert _failed(json.loads(user_certificate.read_text())) == {"definition", "checks"}  # nothing else ran


def test_a_missing_definition_is_a_precise_error(user_certificate, tmp_path, monkeypatch):
    data = json.loads(user_certificate.read_text())
    data["landscape"]["builder"]["file"] = str(tmp_path / "moved" / "gone.py")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CertificateError, match="gone.py is missing"):
        replay_data(data)


def test_a_renamed_builder_is_a_precise_error(user_certificate):
    data = json.loads(user_certificate.read_text())
    data["landscape"]["builder"]["name"] = "renamed"
    with pytest.raises(CertificateError, match="defines no @builder function 'renamed'"):
        replay_data(data)


FIELDS = "id='x', title='x', source='test', statement='x', check=api.forbid(api.PointClass.STRICT_SADDLE)"
MALFORMED = [
    ("expectation-string", f"T = api.Theorem({FIELDS}, expectation='holds', instances=lambda: st.just(1))\n", "must be an Expectation"),
    ("strategy-not-factory", "T = claim('x', st.just(1))\n", "instances must be a zero-argument function"),
    ("factory-returns-no-strategy", "T = claim('x', lambda: 3)\n", "instances() returned int, not a Hypothesis strategy"),
]


@pytest.mark.parametrize("name, body, message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_theorems_are_one_line_and_exit_2(tmp_path, capsys, name, body, message):
    path = user_file(tmp_path, body, name=f"{name.replace('-', '_')}.py")
    assert message in one_line_exit_2(["verify", "--file", str(path)], capsys, tmp_path)


def test_a_check_that_returns_no_evidence_is_an_error_verdict(tmp_path):
    path = user_file(tmp_path, "T = claim('returns-none', lambda: st.just(1), check=lambda instance, context: None)\n")
    out = io.StringIO()
    assert main(["verify", "--file", str(path)], out=out) == 1
    assert "returned NoneType, not Evidence" in out.getvalue()
