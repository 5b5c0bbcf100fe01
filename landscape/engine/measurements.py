"""Statistics of probes: per-instance measurements and their summaries.

A *probe* (``Expectation.PROBE``) makes no claim: it measures.  Each instance's
:class:`~landscape.theorems.model.Evidence` carries ``statistics`` (named finite numbers, or
booleans) and a ``group`` (e.g. the architecture and activation); a verification keeps one
measurement per instance, ``{"group": ..., **statistics}``, and summarises every statistic over
all instances and within each group:

* numbers: ``count``, ``mean``, ``median``, ``min``, ``max``;
* booleans: ``count`` and ``fraction`` (the share that are true).

A statistic missing from some instances (say, where a quantity is undefined) is summarised
over the instances that have it; ``count`` says how many.
"""

from __future__ import annotations

import math
import statistics as stats
from collections.abc import Iterable, Mapping
from typing import Any

Measurement = dict[str, Any]  # {"group": str, name: float | int | bool, ...}
Summary = dict[str, float | int]


def validated(values: Mapping[str, Any], group: str) -> Measurement:
    """One instance's measurement; a value that is not a finite number (or a boolean) raises
    ``ValueError`` naming the statistic, so a broken probe is the verdict ``error``."""
    measurement: Measurement = {"group": str(group)}
    for name, value in values.items():
        if name == "group" or not isinstance(name, str):
            raise ValueError(f"statistic name {name!r} is reserved or not a string; use another name")
        if isinstance(value, bool):
            measurement[name] = value
        elif isinstance(value, (int, float)) and math.isfinite(value):
            measurement[name] = int(value) if isinstance(value, int) else float(value)
        else:
            raise ValueError(f"statistic {name}={value!r} is not a finite number or a boolean")
    return measurement


def summarise(values: Iterable[float | int | bool]) -> Summary:
    """The summary of one statistic's values (see the module docstring); empty if no values."""
    values = list(values)
    if not values:
        return {}
    if all(isinstance(v, bool) for v in values):
        return {"count": len(values), "fraction": sum(values) / len(values)}
    numbers = [float(v) for v in values]
    return {
        "count": len(numbers),
        "mean": stats.fmean(numbers),
        "median": stats.median(numbers),
        "min": min(numbers),
        "max": max(numbers),
    }


def summaries(measurements: list[Measurement]) -> dict[str, Summary]:
    """Each statistic's summary over ``measurements``, in order of first appearance."""
    names: dict[str, None] = {}
    for measurement in measurements:
        names.update((name, None) for name in measurement if name != "group")
    return {name: summarise(m[name] for m in measurements if name in m) for name in names}


def aggregate(measurements: list[Measurement], headline: str) -> dict[str, Any]:
    """What a record stores: the headline statistic's name, the summaries over all
    instances (``overall``) and per group (``groups``, in order of first appearance)."""
    if not measurements:
        return {}
    groups: dict[str, list[Measurement]] = {}
    for measurement in measurements:
        groups.setdefault(measurement["group"], []).append(measurement)
    overall = summaries(measurements)
    return {
        "headline": headline if headline in overall else next(iter(overall), ""),
        "overall": overall,
        "groups": {group: summaries(members) for group, members in groups.items()},
    }


def describe(summary: Summary) -> str:
    """One summary in words: ``mean 0.83, median 1, range [0.5, 1] over 6 instances``."""
    count = summary.get("count", 0)
    over = f"over {count} instance{'' if count == 1 else 's'}"
    if "fraction" in summary:
        return f"fraction {summary['fraction']:.3g} {over}"
    if not summary:
        return "no values"
    return (
        f"mean {summary['mean']:.3g}, median {summary['median']:.3g}, "
        f"range [{summary['min']:.3g}, {summary['max']:.3g}] {over}"
    )


def headline_message(statistics: dict[str, Any]) -> str:
    """The line a probe's verdict carries: its headline statistic, overall and per group."""
    name = statistics.get("headline", "")
    overall = statistics.get("overall", {}).get(name, {})
    line = f"{name}: {describe(overall)}"
    groups = statistics.get("groups", {})
    if len(groups) > 1:
        parts = [f"{group} {_centre(summary.get(name, {}))}" for group, summary in groups.items()]
        line += "; by group: " + ", ".join(parts)
    return line


def _centre(summary: Summary) -> str:
    if "fraction" in summary:
        return f"{summary['fraction']:.3g}"
    return f"{summary['mean']:.3g}" if summary else "—"
