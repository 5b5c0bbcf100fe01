"""The report as a person sees it: opened in headless Chromium, with a screenshot kept.

Screenshots are written to ``test-artifacts/`` at the repository root (ignored by git):
``report-index.png`` and ``report-theorem.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from headless import Chromium, chromium_executable

from landscape.reports.html import render_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = chromium_executable()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed and could not be (Debian: `apt-get install -y chromium`, which .ci/run does as root)",
)


@pytest.fixture
def browser(tmp_path):
    with Chromium(CHROMIUM, tmp_path / "profile") as chromium:
        yield chromium


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_the_index_loads_with_its_table_and_no_errors(browser, real_report):
    visit = browser.visit((real_report / "index.html").as_uri(), ARTIFACTS / "report-index.png")
    assert visit.errors == []
    assert visit.facts["title"] == "landscape-theorems report: 3 of 3 as expected"
    assert visit.facts["theorem_rows"] == 3 and visit.facts["scripts"] == 0
    assert "deep-linear-degenerate-saddle-at-zero" in visit.facts["text"]
    assert _is_png(visit.screenshot)


def test_a_theorem_page_loads_with_its_figures_and_mathematics(browser, real_report):
    page = real_report / "theorem-deep-linear-degenerate-saddle-at-zero.html"
    visit = browser.visit(page.as_uri(), ARTIFACTS / "report-theorem.png")
    assert visit.errors == []
    assert visit.facts["images"] == 3 and visit.facts["broken_images"] == []
    assert visit.facts["math"] >= 3 and visit.facts["tables"] >= 2
    assert "landscape replay certificates/deep-linear-degenerate-saddle-at-zero.json" in visit.facts["text"]
    assert _is_png(visit.screenshot)


def test_a_hostile_record_shows_as_text_and_runs_nothing(browser, real_records, tmp_path):
    record = real_records[0]
    record["title"] = "<script>console.error('ran')</script><img src=x onerror=\"console.error('ran')\">"
    render_report([record], tmp_path / "report")
    visit = browser.visit((tmp_path / "report" / "index.html").as_uri())
    assert visit.errors == []  # no script ran, and no blocked script or fetch was even attempted
    assert visit.facts["scripts"] == 0 and visit.facts["images"] == 0
    assert "<script>console.error('ran')</script>" in visit.facts["text"]
