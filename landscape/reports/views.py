"""Records -> what the report pages show: one view per theorem, run information, totals.

Records of any schema version this package reads are normalised here (missing fields get
defaults), so templates stay simple and old records still render.  When a results file holds
several records of one theorem (runs appended to one file), the last one is shown.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from landscape.reports.statement import render_inline, render_statement
from landscape.theorems.catalogue import REGISTRY

if TYPE_CHECKING:
    from landscape.reports.figures import Figure

POINT_SHOWN = 48  # coordinates of a certificate's point printed on the page (the file has all)
MATRIX_SHOWN = 10  # rows and columns of a data matrix printed on the page
VERDICTS = ("holds", "refuted", "witnessed", "measured", "inconclusive", "error")
SUMMARY_COLUMNS = ("count", "mean", "median", "min", "max", "fraction")  # a probe's statistics table


@dataclass(slots=True)
class CertificateView:
    """A certificate as the page shows it (``data`` is the certificate's full JSON)."""

    data: dict[str, Any]
    role: str
    claim: str
    family: str
    instance: list[tuple[str, Any]]
    point: list[float]
    point_size: int
    facts: dict[str, Any]
    checks: list[tuple[str, str]]
    rigour: str = "float64"
    rigour_note: str = ""
    file: str = ""
    original_path: str | None = None


@dataclass(slots=True)
class TheoremView:
    """One theorem's record, normalised."""

    record: dict[str, Any]
    theorem_id: str
    slug: str
    title: str
    source: str
    statement: Markup
    hypotheses: list[Markup]
    expectation: str
    falsifies: str | None
    verdict: str
    matches: bool
    message: str
    coverage: dict[str, Any]
    seconds: float
    budget: str
    seed: Any
    device: str
    recorded_at: str
    certificate: CertificateView | None
    superseded: int = 0
    figures: list[Figure] = field(default_factory=list)
    certificate_figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    power: dict[str, Any] | None = None  # a power run's object (landscape.engine.power), when one was recorded
    power_figures: list[Figure] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"theorem-{self.slug}.html"

    @property
    def r95(self) -> str:
        """The index's power column: r95, "> max radius" when no radius reached 95%, n/a, or blank."""
        if self.power is None:
            return ""
        if not self.power.get("applicable"):
            return "n/a"
        r95 = self.power.get("r95")
        if isinstance(r95, (int, float)):
            return f"{r95:.3g}"
        radii = [float(r) for r in (self.power.get("by_radius") or {})]
        return f"> {max(radii):.3g}" if radii else "—"

    @property
    def expected(self) -> str:
        return "refuted" if self.falsifies else self.expectation


@dataclass(slots=True)
class RunView:
    """What the index says about the run(s) the records came from."""

    seeds: list[str]
    budgets: list[str]
    devices: list[str]
    versions: list[tuple[str, str]]
    platforms: list[str]
    sources: list[str]
    records: int
    generated_at: str
    totals: dict[str, Any]


def slug(theorem_id: str) -> str:
    """A file-name-safe form of an id; ids that had to change get a short hash suffix."""
    clean = re.sub(r"[^a-z0-9-]+", "-", theorem_id.lower()).strip("-")[:60] or "theorem"
    if clean == theorem_id:
        return clean
    return f"{clean}-{hashlib.sha256(theorem_id.encode()).hexdigest()[:8]}"


def theorem_views(records: list[dict[str, Any]]) -> list[TheoremView]:
    """One view per theorem id (the last record wins), catalogue first, then variants."""
    latest: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for record in records:
        latest[record["theorem_id"]] = record
        counts[record["theorem_id"]] += 1
    views = [_view(record, counts[key] - 1) for key, record in latest.items()]
    order = _registry_order()
    views.sort(key=lambda v: (v.falsifies is not None, order.get(v.theorem_id, len(order)), v.theorem_id))
    _unique_slugs(views)
    return views


def _unique_slugs(views: list[TheoremView]) -> None:
    seen: Counter[str] = Counter()
    for view in views:
        seen[view.slug] += 1
        if seen[view.slug] > 1:
            view.slug = f"{view.slug}-{seen[view.slug]}"


def _registry_order() -> dict[str, int]:
    return {theorem.id: index for index, theorem in enumerate(REGISTRY)}


def _text(value: Any, default: str = "") -> str:
    return default if value is None else str(value)


def _view(record: dict[str, Any], superseded: int) -> TheoremView:
    theorem_id = str(record["theorem_id"])
    coverage = record.get("coverage") if isinstance(record.get("coverage"), dict) else {}
    view = TheoremView(
        record=record,
        theorem_id=theorem_id,
        slug=slug(theorem_id),
        title=_text(record.get("title")) or theorem_id,
        source=_text(record.get("source"), "—"),
        statement=render_statement(_text(record.get("statement"))),
        hypotheses=[render_inline(str(h)) for h in _list(record.get("hypotheses")) if h is not None],
        expectation=_text(record.get("expectation"), "—"),
        falsifies=record.get("falsifies") if isinstance(record.get("falsifies"), str) else None,
        verdict=_text(record.get("verdict")),
        matches=bool(record.get("matches", False)),
        message=_text(record.get("message")),
        coverage=_coverage(coverage),
        seconds=_number(record.get("seconds")),
        budget=_text(record.get("budget"), "—"),
        seed=record.get("seed", "—"),
        device=_text(record.get("device"), "—"),
        recorded_at=_text(record.get("recorded_at"), "—"),
        certificate=certificate_view(record.get("certificate"), record.get("certificate_path")),
        superseded=superseded,
        power=record.get("power") if isinstance(record.get("power"), dict) else None,
    )
    return view


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _coverage(coverage: dict[str, Any]) -> dict[str, Any]:
    candidates = coverage.get("candidates") if isinstance(coverage.get("candidates"), dict) else {}
    outcomes = coverage.get("outcomes") if isinstance(coverage.get("outcomes"), dict) else {}
    samples = [s for s in coverage.get("samples") or [] if isinstance(s, dict)]
    return {
        "instances": coverage.get("instances", 0),
        "restarts": coverage.get("restarts", 0),
        "classified": coverage.get("classified", sum(v for v in candidates.values() if isinstance(v, int))),
        "candidates": sorted(candidates.items()),
        "outcomes": sorted(outcomes.items()),
        "samples": samples,
        "samples_seen": coverage.get("samples_seen", len(samples)),
        "statistics": _statistics(coverage.get("statistics")),
        "searched": _counts(coverage.get("searched")),
        "named": _counts(coverage.get("named")),
        "decided_fraction": coverage.get("decided_fraction") if isinstance(coverage.get("decided_fraction"), (int, float)) else None,
    }


def _counts(value: Any) -> list[tuple[str, int]]:
    """Sorted (class, count) pairs of a provenance mapping; anything malformed is left out."""
    if not isinstance(value, dict):
        return []
    return sorted((str(k), v) for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool))


def _statistics(statistics: Any) -> dict[str, Any]:
    """A probe's summaries as table rows: ``overall`` and per group, each a list of
    ``(statistic, {column: value})``; records without statistics give empty tables."""
    statistics = statistics if isinstance(statistics, dict) else {}

    def rows(summaries: Any) -> list[tuple[str, dict[str, Any]]]:
        if not isinstance(summaries, dict):
            return []
        return [(str(name), {c: s.get(c) for c in SUMMARY_COLUMNS}) for name, s in summaries.items() if isinstance(s, dict)]

    groups = statistics.get("groups") if isinstance(statistics.get("groups"), dict) else {}
    return {
        "headline": _text(statistics.get("headline")),
        "overall": rows(statistics.get("overall")),
        "groups": [(str(group), rows(summaries)) for group, summaries in groups.items()],
    }


def certificate_view(data: Any, original_path: Any = None) -> CertificateView | None:
    """The page's view of a certificate's JSON (None when there is none)."""
    if not isinstance(data, dict):
        return None
    spec = data.get("landscape") if isinstance(data.get("landscape"), dict) else {}
    point = data.get("point") if isinstance(data.get("point"), list) else []
    checks = [c for c in data.get("checks") or [] if isinstance(c, dict)]
    return CertificateView(
        data=data,
        role=_text(data.get("role"), "certificate"),
        claim=_text(data.get("claim")),
        family=_text(spec.get("family"), "—"),
        instance=[(str(k), _shown(v)) for k, v in spec.items() if k != "family"],
        point=point[:POINT_SHOWN],
        point_size=len(point),
        facts=data.get("facts") if isinstance(data.get("facts"), dict) else {},
        checks=[(_text(c.get("name")), _check_summary(c.get("args"))) for c in checks],
        rigour=_text(data.get("rigour"), "float64"),
        rigour_note=_text(data.get("rigour_note")),
        original_path=original_path if isinstance(original_path, str) else None,
    )


def _shown(value: Any) -> Any:
    """Matrices are cut to MATRIX_SHOWN x MATRIX_SHOWN for the page; other values pass."""
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        return {"matrix": [row[:MATRIX_SHOWN] for row in value[:MATRIX_SHOWN]], "shape": (len(value), len(value[0]))}
    return value


def _check_summary(args: Any) -> str:
    """A check's arguments in one line; long vectors are summarised by their length."""
    if not isinstance(args, dict):
        return ""
    parts = []
    for key, value in args.items():
        if isinstance(value, list) and len(value) > 4:
            parts.append(f"{key}: {len(value)} numbers")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


def run_view(views: list[TheoremView], records: list[dict[str, Any]], sources: list[str]) -> RunView:
    """Seeds, budgets, devices, versions and totals over the shown records."""
    shown = [v.record for v in views]
    versions: dict[str, set[str]] = {}
    for record in shown:
        environment = record.get("environment") if isinstance(record.get("environment"), dict) else {}
        for name, version in (environment.get("versions") or {}).items():
            versions.setdefault(str(name), set()).add(str(version))
    return RunView(
        seeds=_distinct(r.get("seed") for r in shown),
        budgets=_distinct(r.get("budget") for r in shown),
        devices=_distinct(r.get("device") for r in shown),
        versions=[(name, ", ".join(sorted(values))) for name, values in sorted(versions.items())],
        platforms=_distinct((r.get("environment") or {}).get("platform") for r in shown if isinstance(r.get("environment"), dict)),
        sources=sources,
        records=len(records),
        generated_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        totals=_totals(views),
    )


def _distinct(values: Any) -> list[str]:
    return sorted({str(v) for v in values if v is not None}) or ["—"]


def _totals(views: list[TheoremView]) -> dict[str, Any]:
    verdicts = Counter(v.verdict for v in views)
    return {
        "theorems": len(views),
        "matching": sum(v.matches for v in views),
        "verdicts": [(name, verdicts[name]) for name in VERDICTS if verdicts[name]]
        + sorted((k, n) for k, n in verdicts.items() if k not in VERDICTS),
        "instances": sum(_int(v.coverage["instances"]) for v in views),
        "restarts": sum(_int(v.coverage["restarts"]) for v in views),
        "classified": sum(_int(v.coverage["classified"]) for v in views),
        "seconds": sum(v.seconds for v in views),
    }


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0
