"""Render the HTML report from records alone.

Output (one self-contained folder, viewable with no network; the pages carry a Content
Security Policy that forbids scripts and any fetch, images are data URIs)::

    DIR/index.html                 one row per theorem, totals, seed / budget / device / versions
    DIR/theorem-<id>.html          statement, hypotheses, verdict, coverage, certificate, figures
    DIR/certificates/<id>.json     each certificate, so the page's replay command works
    DIR/results.jsonl              the records the report was rendered from (appended to,
                                   never truncated: see :func:`keep_records`)

Jinja2 autoescapes every value; the only unescaped HTML is the statement's, built by
:mod:`landscape.reports.statement` from escaped prose and allow-listed MathML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from landscape.reports import figures
from landscape.reports.records import keep_records
from landscape.reports.slices import surroundings
from landscape.reports.views import TheoremView, run_view, theorem_views

RESULTS_NAME = "results.jsonl"
CERTIFICATES_FOLDER = "certificates"


def environment() -> Environment:
    """The report's Jinja2 environment (autoescape on for every template)."""
    env = Environment(
        loader=PackageLoader("landscape.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["seconds"] = lambda value: f"{float(value):.1f} s"
    return env


def number(value: Any, digits: int = 6) -> str:
    """A number with ``digits`` significant digits; anything else as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}" if math.isfinite(value) else str(value)


def render_report(records: list[dict[str, Any]], out: Path, sources: Sequence[str] = ()) -> Path:
    """Write the report of ``records`` into ``out``; returns the index page's path.  No code a
    record names is run (see :mod:`landscape.reports.slices`)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keep_records(records, out / RESULTS_NAME)
    views = theorem_views(records)
    for view in views:
        _write_certificate(view, out)
        _draw(view)
    env = environment()
    run = run_view(views, records, list(sources))
    for view in views:
        page = env.get_template("theorem.html.j2").render(view=view, run=run)
        (out / view.page).write_text(page)
    index = out / "index.html"
    index.write_text(env.get_template("index.html.j2").render(views=views, run=run, show_power=any(v.power is not None for v in views)))
    return index


def _write_certificate(view: TheoremView, out: Path) -> None:
    if view.certificate is None:
        return
    relative = f"{CERTIFICATES_FOLDER}/{view.slug}.json"
    (out / CERTIFICATES_FOLDER).mkdir(exist_ok=True)
    (out / relative).write_text(json.dumps(view.certificate.data, indent=1, allow_nan=False) + "\n")
    view.certificate.file = relative


def _draw(view: TheoremView) -> None:
    """The run's figures and, around the certificate's point, the certificate's."""
    samples = view.coverage["samples"]
    view.figures = _drawn(view, [(figures.final_losses, samples), (figures.spectrum_extremes, samples)])
    view.power_figures = _drawn(view, [(figures.detection_curve, view.power)])
    if view.certificate is None:
        return
    facts = view.certificate.facts
    around = surroundings(view.certificate.data)
    if around.problem:
        view.notes.append(around.problem)
    view.certificate_figures = _drawn(view, [
        (figures.loss_path, facts.get("path")),
        (figures.trajectories, facts.get("trajectory")),
        (figures.line_slices, around),
        (figures.plane_slice, around),
        (figures.hessian_spectrum, around.eigenvalues),
    ])


def _drawn(view: TheoremView, plan: list[tuple[Callable[[Any], figures.Figure | None], Any]]) -> list[figures.Figure]:
    """Each figure of ``plan`` that has data; one that fails to draw becomes a note, not a crash."""
    drawn = []
    for draw, data in plan:
        try:
            figure = draw(data)
        except Exception as exc:  # a malformed record must not take the whole report down
            view.notes.append(f"{draw.__name__.replace('_', ' ')} could not be drawn: {type(exc).__name__}: {exc}")
            continue
        if figure is not None:
            drawn.append(figure)
    return drawn
