"""Certificates replay from their files; tampering is caught, and malformed files are refused
with one precise line.  Nothing is loaded with pickle or eval: files are parsed as JSON only."""

from __future__ import annotations

import json

import pytest

from landscape.errors import CertificateError
from landscape.certificates.certificate import SCHEMA_VERSION, read_certificate
from landscape.certificates.replay import replay, replay_data


def test_replay_passes_every_check(certificate_file):
    outcome = replay(certificate_file)
    assert outcome.passed
    names = [c.name for c in outcome.results]
    assert names[:2] == ["classification", "loss"] and "exact-descent" in names


def _failed(data):
    return {c.name for c in replay_data(data).results if not c.passed}


def test_moving_the_point_off_the_saddle_is_caught(certificate_data):
    certificate_data["point"][0] += 0.3
    assert "classification" in _failed(certificate_data)


def test_editing_the_loss_is_caught(certificate_data):
    entry = next(c for c in certificate_data["checks"] if c["name"] == "loss")
    entry["args"]["value"] += 1e-3
    assert _failed(certificate_data) == {"loss"}


def test_editing_the_data_is_caught(certificate_data):
    certificate_data["landscape"]["Y"][0][0] *= 0.0
    certificate_data["landscape"]["Y"] = [[0.0] * len(row) for row in certificate_data["landscape"]["Y"]]
    assert _failed(certificate_data)


def test_an_unknown_check_fails_rather_than_passes(certificate_data):
    certificate_data["checks"].append({"name": "from-the-future", "args": {}})
    assert _failed(certificate_data) == {"from-the-future"}


BAD_FILES = [
    ("truncated", lambda text: text[: len(text) // 2], "not valid JSON"),
    ("not-json", lambda text: "certificate: yes\n", "not valid JSON"),
    ("nan", lambda text: text.replace('"point": [', '"point": [NaN, ', 1), "non-finite"),
    ("newer-schema", lambda text: text.replace(f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 99'), "upgrade"),
    ("other-json", lambda text: json.dumps({"hello": 1}), "not a landscape certificate"),
    ("no-checks", lambda text: json.dumps({**json.loads(text), "checks": []}), "no checks"),
    ("wrong-length", lambda text: json.dumps({**json.loads(text), "point": [0.0]}), "coordinates"),
    ("bad-shapes", lambda text: _with(text, "landscape", {"family": "deep-linear", "widths": [2, 1], "X": [[1.0]], "Y": [[1.0]]}), "rows"),
]


def _with(text, key, value):
    data = json.loads(text)
    data[key] = value
    return json.dumps(data)


@pytest.mark.parametrize("name, corrupt, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_files_are_refused_with_one_line(tmp_path, certificate_file, name, corrupt, message):
    path = tmp_path / f"{name}.json"
    path.write_text(corrupt(certificate_file.read_text()))
    with pytest.raises(CertificateError, match=message) as caught:
        replay(path)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(CertificateError, match="cannot read"):
        read_certificate(tmp_path / "absent.json")
