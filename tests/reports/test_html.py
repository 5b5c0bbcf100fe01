"""The HTML report, rendered from records alone: index, theorem pages, figures, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path

from landscape.certificates.replay import replay
from landscape.reports.html import render_report

HOSTILE = "<script>alert('x')</script>"


def _pages(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in folder.glob("*.html")}


def _images(html: str) -> int:
    return len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', html))


def test_index_has_one_row_per_theorem_with_totals_and_run_facts(real_report):
    index = (real_report / "index.html").read_text()
    body = index.split('<tbody>', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr") == 3
    for theorem_id, verdict in [("toy-vw-no-bad-min", "holds"), ("deep-linear-degenerate-saddle-at-zero", "witnessed"),
                                ("variant-deep-linear-every-saddle-strict", "refuted")]:
        assert f'<a href="theorem-{theorem_id}.html" class="mono">{theorem_id}</a>' in body
        assert f'<span class="verdict verdict-{verdict}">{verdict}</span>' in body
    assert "<strong>3 of 3</strong> verdicts as expected" in index
    assert "<dt>seed</dt><dd>0</dd>" in index and "<dt>budget</dt><dd>custom</dd>" in index
    assert "<dt>device</dt><dd>cpu</dd>" in index and "<td>torch</td>" in index
    assert "(variant of deep-linear-degenerate-saddle-at-zero)" in index


def test_a_theorem_page_shows_statement_coverage_certificate_and_pictures(real_report, real_records):
    page = (real_report / "theorem-deep-linear-degenerate-saddle-at-zero.html").read_text()
    record = real_records[1]
    facts = record["certificate"]["facts"]
    assert "<math" in page and "Hypotheses enforced by the generator" in page
    assert "<li>S_yx != 0 (planted Sigma with eigenvalues &gt;= 1.5)</li>" in page
    assert f'<tr><th>instances drawn</th><td class="num">{record["coverage"]["instances"]}</td></tr>' in page
    assert "<h2>Certificate: witness</h2>" in page and facts["level"] in page
    assert f"{facts['loss']:.12g}" in page and f"{facts['optimum']:.12g}" in page
    assert "<tr><th>Hessian eigenvalues</th><td class=\"num\">[0, 0]</td></tr>" in page
    command = re.search(r'<pre class="command">landscape replay (\S+)</pre>', page).group(1)
    assert replay(real_report / command).passed  # the command works from the report's folder
    assert "1-D slices of the loss through the point" in page and "2-D slice of the loss" in page
    assert "Hessian spectrum at the point" in page and _images(page) == 3


def test_a_search_theorem_shows_final_losses_and_spectra_of_its_candidates(real_report):
    page = (real_report / "theorem-toy-vw-no-bad-min.html").read_text()
    assert "Final losses over restarts" in page and "Hessian spectrum at the classified candidates" in page
    assert _images(page) == 2 and "Certificate" not in page


def _poison(record: dict) -> dict:
    record.update(theorem_id=f"evil{HOSTILE}", title=HOSTILE, source=HOSTILE, message=HOSTILE,
                  statement=f"{HOSTILE} and $\\text{{{HOSTILE}}}$", hypotheses=[HOSTILE], budget=HOSTILE,
                  device=HOSTILE, verdict=f'holds" onmouseover="{HOSTILE}', falsifies=HOSTILE)
    record["coverage"]["candidates"] = {HOSTILE: 1}
    record["environment"]["versions"][HOSTILE] = HOSTILE
    certificate = record["certificate"]
    certificate.update(claim=HOSTILE, role=HOSTILE)
    certificate["facts"].update(level=HOSTILE, kind=HOSTILE)
    certificate["checks"].append({"name": HOSTILE, "args": {HOSTILE: HOSTILE}})
    certificate["facts"]["path"] = {"t": [0, 1, 2], "loss": [3, 2, 1], "label": HOSTILE + " $x$"}
    return record


def test_text_from_records_is_escaped_everywhere(real_records, tmp_path):
    records = [_poison(real_records[1])]
    render_report(records, tmp_path)
    pages = _pages(tmp_path)
    assert len(pages) == 2
    for name, html in pages.items():
        assert "<script" not in html.lower(), name
        assert "&lt;script&gt;" in html, name
        assert 'onmouseover="' not in html, name
    assert all(re.fullmatch(r"[a-z0-9.-]+", name) for name in pages)
    assert "Loss along the path" in next(html for name, html in pages.items() if name != "index.html")


def test_path_and_trajectory_facts_are_drawn(real_records, tmp_path):
    record = real_records[2]
    facts = record["certificate"]["facts"]
    facts["path"] = {"t": [1, 2, 4, 8], "loss": [1.5, 1.25, 1.1, 1.05], "label": "(-1/k, sqrt k, 1/k)", "infimum": 1.0}
    facts["trajectory"] = [{"step": [0, 1, 2], "loss": [1.0, 0.5, 0.25], "label": "GD"}, {"step": [0, 1], "loss": [1, 0.9]}]
    render_report([record], tmp_path)
    page = (tmp_path / "theorem-variant-deep-linear-every-saddle-strict.html").read_text()
    assert "Loss along the path" in page and "Loss along the trajectories" in page and _images(page) == 5


def test_a_certificate_that_cannot_be_rebuilt_is_a_note(real_records, tmp_path):
    record = real_records[1]
    record["certificate"]["landscape"] = {"family": "someone-elses-family"}
    render_report([record], tmp_path)
    page = (tmp_path / "theorem-deep-linear-degenerate-saddle-at-zero.html").read_text()
    assert "unknown landscape family" in page and "<h2>Certificate: witness</h2>" in page


def test_version_1_records_and_superseded_records_render(tmp_path):
    old = {"schema_version": 1, "theorem_id": "toy-vw-no-bad-min", "expectation": "holds", "verdict": "inconclusive",
           "matches": False, "message": "first", "coverage": {"instances": 1, "restarts": 2, "candidates": {}},
           "seconds": 1.0, "budget": "quick", "seed": 3, "falsifies": None, "certificate": None}
    newer = dict(old, verdict="holds", matches=True, message="second")
    render_report([old, newer], tmp_path)
    index = (tmp_path / "index.html").read_text()
    page = (tmp_path / "theorem-toy-vw-no-bad-min.html").read_text()
    assert "<strong>1 of 1</strong>" in index and "not recorded (records of schema version 1)" in index
    assert "second" in page and "1 earlier record of this theorem superseded" in page
    assert [json.loads(line)["message"] for line in (tmp_path / "results.jsonl").read_text().splitlines()] == ["first", "second"]
