"""A probe in the report: "measured" in the index (as expected, not a failure) and a statistics
table on its page, rendered from the record alone."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from landscape.theorems.budget import Budget
from landscape.reports.html import render_report
from landscape.reports.records import append_record, read_records
from landscape.engine.runner import verify
from landscape.theorems.model import Evidence, Expectation, Outcome, Theorem

SMALL = Budget("custom", instances=6, restarts=1, descent_steps=1, refine_steps=1)


def _measure(instance: int, context) -> Evidence:
    statistics = {"monotone_fraction": instance % 5 / 4, "largest_rise": instance / 1000, "converged": instance % 2 == 0}
    return Evidence(Outcome.MEASURED, "measured", statistics=statistics, group=f"width {2 + instance % 2}")


PROBE = Theorem(
    id="test-probe-report", title="How often is it monotone?", source="test", statement="A probe.",
    expectation=Expectation.PROBE, instances=lambda: st.integers(0, 1000), check=_measure, headline="monotone_fraction",
)


def _records(tmp_path) -> list[dict]:
    append_record(tmp_path / "results.jsonl", verify(PROBE, SMALL, seed=1))
    return read_records([tmp_path / "results.jsonl"])


def test_the_index_shows_measured_as_expected(tmp_path):
    index = render_report(_records(tmp_path), tmp_path / "report").read_text()
    body = index.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert '<span class="verdict verdict-measured">measured</span>' in body
    assert '<tr class="matches">' in body and "unexpected" not in body
    assert "<strong>1 of 1</strong> verdicts as expected" in index
    assert "<strong>measured</strong>: a probe" in index


def test_the_page_shows_the_statistics_overall_and_per_group(tmp_path):
    records = _records(tmp_path)
    render_report(records, tmp_path / "report")
    page = (tmp_path / "report" / "theorem-test-probe-report.html").read_text()
    statistics = records[0]["coverage"]["statistics"]
    assert "<h2>Measurements</h2>" in page and "Certificate" not in page
    tables = re.findall(r'<table class="statistics".*?</table>', page, flags=re.DOTALL)
    assert len(tables) == 1 + len(statistics["groups"]) >= 2
    summary = statistics["overall"]["monotone_fraction"]
    count, mean, median, low, high, fraction = _cells(tables[0], "monotone_fraction")
    assert count == str(summary["count"]) and mean == f"{summary['mean']:.4g}" and median == f"{summary['median']:.4g}"
    assert low == f"{summary['min']:.4g}" and high == f"{summary['max']:.4g}" and fraction == "—"
    converged = _cells(tables[0], "converged")
    assert converged[-1] == f"{statistics['overall']['converged']['fraction']:.4g}" and converged[1] == "—"
    assert '<tr class="headline"><td class="mono">monotone_fraction</td>' in tables[0]
    for group in statistics["groups"]:
        assert f"<caption>{group}</caption>" in page
    assert "No candidate samples" not in page


def _cells(table: str, name: str) -> list[str]:
    row = re.search(rf'<td class="mono">{name}</td>(.*?)</tr>', table, flags=re.DOTALL).group(1)
    return re.findall(r'<td class="num">(.*?)</td>', row)
