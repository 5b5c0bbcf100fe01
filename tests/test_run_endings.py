"""A verdict never lies about how the run ended: a property that exits is an ``error`` and the
run goes on; a point where the loss is NaN or inf is never a minimum; non-finite candidates are
counted in the coverage and the summary, and an instance where most of them are is inconclusive."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from landscape import api
from landscape.cli import main
from landscape.oracles.classify import PointClass, classify, classify_batch

EXITING = '''
import sys
from hypothesis import strategies as st
from landscape import api


def leaves(instance, context):
    sys.exit(0)


def fine(instance, context):
    return api.Evidence(api.Outcome.SUPPORTS, "fine")


def claim(id, check):
    return api.Theorem(id=id, title=id, source="test", statement=id, expectation=api.Expectation.HOLDS,
                       instances=lambda: st.integers(0, 3), check=check)


EXITS = claim("exits", leaves)
FINE = claim("fine", fine)
'''

NAN_BOWL = '''
import numpy as np
import torch
from hypothesis import strategies as st
from landscape import api


def bowl(u, data):
    """(u - 1)^2, but NaN where u_0 > cut."""
    value = ((u - 1.0) ** 2).sum()
    return torch.where(u[0] > data["cut"][0], torch.full_like(value, float("nan")), value)


@api.builder
def cut_bowl(cut: float) -> api.Landscape:
    return api.from_function(bowl, 2, {"cut": np.array([cut])}, optimum=0.0)


def claim(id, cut):
    return api.Theorem(id=id, title=id, source="test", statement=id, expectation=api.Expectation.HOLDS,
                       instances=lambda: st.just(cut).map(cut_bowl), check=api.forbid(api.PointClass.LOCAL_MINIMUM))


MOSTLY_NAN = claim("mostly-nan", -2.0)  # every random start lies in the NaN half-plane
PARTLY_NAN = claim("partly-nan", 1.5)
'''


def _verify(tmp_path: Path, name: str, body: str) -> tuple[int, str, list[dict]]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    out = io.StringIO()
    records = tmp_path / "records.jsonl"
    code = main(["verify", "--file", str(path), "--quiet", "--json", str(records), "--certificates", str(tmp_path / "certs")], out=out)
    return code, out.getvalue(), [json.loads(line) for line in records.read_text().splitlines()]


def test_sys_exit_in_a_check_is_an_error_and_the_run_goes_on(tmp_path):
    code, out, records = _verify(tmp_path, "exiting_claim.py", EXITING)
    assert code == 1
    assert [(r["theorem_id"], r["verdict"]) for r in records] == [("exits", "error"), ("fine", "holds")]
    assert records[0]["message"].startswith("SystemExit: 0 (at exiting_claim.py:8 in leaves)")
    assert "1 of 2 verdicts as expected; unexpected: exits" in out


def test_a_file_that_exits_on_import_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "exits_on_import.py"
    path.write_text("import sys\nsys.exit(3)\n")
    assert main(["verify", "--file", str(path)], out=io.StringIO()) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "does not import: SystemExit: 3 (line 2)" in error


FAR = 50.0  # beyond every trial point of the landscape's up-front check (an infinite loss there is refused)


def _constant(value: float) -> api.Landscape:
    """|u|^2 near the origin; beyond |u| = FAR, value + 0 * |u|^2: gradient and Hessian exactly 0, loss ``value``."""

    def loss(u, data):
        squared = (u**2).sum()
        return torch.where(squared > FAR**2, value + 0.0 * squared, squared)

    return api.from_function(loss, 2, {}, optimum=0.0, loss_scale=1.0)


@pytest.mark.parametrize("value", [float("inf"), float("nan")], ids=["inf", "nan"])
def test_a_non_finite_loss_is_never_a_minimum(value):
    """With loss inf, ``f - f* <= tol * scale`` reads inf <= inf: the old global_minimum."""
    found = classify(_constant(value), np.array([2 * FAR, 0.0]), optimum=0.0)
    assert found.kind is PointClass.NON_FINITE and not found.kind.is_minimum
    assert "the loss is not finite" in found.level


def test_a_nan_hessian_does_not_sink_the_batch():
    """LAPACK fails on a NaN matrix; the other points of the batch are still classified."""
    landscape = api.from_function(lambda u, data: torch.sqrt(u[0]) + (u**2).sum(), 2, {}, optimum=None, loss_scale=1.0)
    found = [c.kind for c in classify_batch(landscape, np.array([[-1.0, 0.0], [1.0, 0.0]]))]
    assert found == [PointClass.NON_FINITE, PointClass.NOT_CRITICAL]


def test_non_finite_candidates_are_counted_and_mostly_nan_is_inconclusive(tmp_path):
    code, out, records = _verify(tmp_path, "nan_claim.py", NAN_BOWL)
    mostly, partly = records
    assert mostly["verdict"] == "inconclusive" and partly["verdict"] == "holds"
    candidates = mostly["coverage"]["classified"]
    assert mostly["coverage"]["non_finite"] == candidates > 0
    assert f"{candidates} of {candidates} candidates non-finite (NaN or inf)" in mostly["message"]
    bad = partly["coverage"]["non_finite"]
    assert 0 < bad <= partly["coverage"]["classified"] // 2
    assert partly["message"].endswith(f"; {bad} of {partly['coverage']['classified']} candidates non-finite (NaN or inf)")
    assert f"non-finite (NaN or inf) candidates: mostly-nan {candidates}, partly-nan {bad}" in out.splitlines()[-1]
