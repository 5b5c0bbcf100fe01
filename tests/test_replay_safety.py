"""Replay and report run no code that a data file names unless the user allows it.

A certificate of a user landscape names a ``.py`` file.  Replay is safe by default (the
``torch.load(weights_only=True)`` convention): without ``--allow-code`` or ``--code FILE`` it
imports nothing; with them it compares the file's SHA-256 before any import and never falls back to
another path; catalogue certificates need no user code at all; a report never imports anything.

Each user file here writes a marker file beside itself when it is imported, so "was the code run?"
is an observable fact, and each test gets a file at a path this process has never imported (the
certificate is copied from one written once, with the same bytes and so the same SHA-256).
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import sysconfig
from pathlib import Path

import pytest

from landscape.cli import main
from landscape.errors import CertificateError
from landscape.landscapes.builders import file_digest
from landscape.certificates.replay import replay, replay_data

CLAIM = '''
from __future__ import annotations
from pathlib import Path
import numpy as np
import torch
from hypothesis import strategies as st
from landscape import api

Path(__file__).with_suffix(".imported").write_text("this file was imported")


def quartic(u, data):
    return 0.25 * ((data["M"] - torch.outer(u, u)) ** 2).sum()


@api.builder
def rank_one(m: np.ndarray) -> api.Landscape:
    top = np.linalg.eigvalsh(m)[-1]
    return api.from_function(quartic, m.shape[0], {"M": m}, optimum=0.25 * (np.sum(m**2) - max(top, 0.0) ** 2))


def origin(landscape):
    return [("origin", np.zeros(landscape.n_params))]


WRONG = api.Theorem(id="wrong-claim", title="wrong", source="test", statement="wrong", expectation=api.Expectation.HOLDS,
                    instances=lambda: st.just(np.diag([2.0, -1.0])).map(rank_one),
                    check=api.forbid(api.PointClass.STRICT_SADDLE, special=origin, restarts=2))
'''
_names = itertools.count()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, dict]:
    """A user file and the certificate a real run wrote about it."""
    folder = tmp_path_factory.mktemp("written")
    (folder / "claim.py").write_text(CLAIM)
    assert main(["verify", "--file", str(folder / "claim.py"), "--certificates", str(folder / "certs"), "--quiet"], out=io.StringIO()) == 1
    return folder / "claim.py", json.loads((folder / "certs" / "wrong-claim.json").read_text())


@pytest.fixture
def fresh(written, tmp_path) -> tuple[Path, Path]:
    """(user file never imported by this process, certificate naming it)."""
    source, data = written
    code = tmp_path / "code" / f"claim_{next(_names)}.py"
    code.parent.mkdir()
    shutil.copy(source, code)
    data = json.loads(json.dumps(data))
    data["landscape"]["builder"]["file"] = str(code)
    certificate = tmp_path / "certificate.json"
    certificate.write_text(json.dumps(data))
    return code, certificate


def ran(code: Path) -> bool:
    return code.with_suffix(".imported").exists()


def test_replay_runs_no_user_code_by_default(fresh, capsys):
    code, certificate = fresh
    assert main(["replay", str(certificate)], out=io.StringIO()) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f"built by user code, @builder rank_one in {code}" in error and "--allow-code" in error
    assert not ran(code)


def test_replay_with_allow_code_says_what_it_runs_and_passes(fresh):
    code, certificate = fresh
    out = io.StringIO()
    assert main(["replay", str(certificate), "--allow-code"], out=out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"user code to run if its sha256 matches: @builder rank_one in {code} (sha256 {file_digest(code)[:16]})")
    assert "[pass] definition" in out.getvalue() and ran(code)


def test_a_wrong_hash_is_caught_before_anything_is_imported(fresh):
    code, certificate = fresh
    code.write_text(code.read_text() + "\n# edited\n")
    out = io.StringIO()
    assert main(["replay", str(certificate), "--allow-code"], out=out) == 1
    text = out.getvalue()
    assert "[FAIL] definition" in text and "it was not imported" in text and "[FAIL] checks: not run" in text
    assert not ran(code)


def test_a_missing_file_is_never_replaced_by_a_same_named_one(fresh, tmp_path, monkeypatch, capsys):
    code, certificate = fresh
    monkeypatch.chdir(tmp_path)
    shutil.copy(code, tmp_path / code.name)  # same name, same bytes, in the current folder
    code.unlink()
    assert main(["replay", str(certificate), "--allow-code"], out=io.StringIO()) == 2
    assert f"its definition {code} is missing" in capsys.readouterr().err
    assert not ran(tmp_path / code.name)


def test_a_copy_named_on_the_command_line_is_used_after_its_hash_matches(fresh, tmp_path):
    code, certificate = fresh
    beside = certificate.parent / code.name
    shutil.move(code, beside)
    out = io.StringIO()
    assert main(["replay", str(certificate), "--code", str(beside)], out=out) == 0, out.getvalue()
    assert f"[pass] definition: @builder rank_one in {beside}" in out.getvalue() and ran(beside)


def test_a_standard_library_module_named_by_a_certificate_is_not_run(written, tmp_path, capsys):
    """The file is real and its hash matches: still nothing runs without permission."""
    module = Path(sysconfig.get_paths()["stdlib"]) / "this.py"  # prints the Zen of Python when imported
    data = json.loads(json.dumps(written[1]))
    data["landscape"]["builder"] = {"file": str(module), "name": "rank_one", "sha256": file_digest(module)}
    with pytest.raises(CertificateError, match="replay runs no code by default"):
        replay_data(data)
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


def test_catalogue_certificates_replay_without_any_user_code(certificate_file, monkeypatch):
    def refuse(path):
        raise AssertionError(f"replay imported {path}")

    monkeypatch.setattr("landscape.landscapes.builders.import_file", refuse)
    assert replay(certificate_file).passed


def test_the_report_imports_nothing_a_record_names(fresh, tmp_path, monkeypatch):
    """A record embedding the certificate: the report renders from its data and says why it
    draws no slices, even with the code allowed elsewhere in the process."""
    code, certificate = fresh
    data = json.loads(certificate.read_text())
    record = {"schema_version": 2, "theorem_id": "wrong-claim", "verdict": "refuted", "expectation": "holds",
              "message": "a strict saddle", "certificate": data, "certificate_path": str(certificate)}
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(record) + "\n")

    def refuse(path):
        raise AssertionError(f"the report imported {path}")

    monkeypatch.setattr("landscape.landscapes.builders.import_file", refuse)
    assert main(["report", str(results), "--out", str(tmp_path / "report")], out=io.StringIO()) == 0
    page = next((tmp_path / "report").glob("theorem-wrong-claim*.html")).read_text()
    assert "a report runs no code" in page and not ran(code)
