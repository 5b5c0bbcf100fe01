"""Report figures: small matplotlib PNGs embedded as data URIs (no file, no network).

matplotlib is drawn through its object API on the Agg canvas (no pyplot, no global state),
so rendering never opens a window and does not depend on the user's backend.  Every function
returns a :class:`Figure` or ``None`` when the record holds nothing to draw.  Text that comes
from records is passed through :func:`_plain` so that a ``$`` in it is never parsed as TeX.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from landscape.reports.slices import Surroundings

DPI = 80
SIZE = (5.6, 3.3)
GAP_FLOOR = 1e-16  # relative excess losses below this are drawn at the floor (global minima)
KIND_COLOURS = {
    "global_minimum": "#2e7d32",
    "local_minimum": "#c62828",
    "strict_saddle": "#1565c0",
    "degenerate_saddle": "#6a1b9a",
    "local_maximum": "#00838f",
    "second_order_stationary": "#ef6c00",
    "not_critical": "#9e9e9e",
    "non_finite": "#000000",
}


@dataclass(frozen=True, slots=True)
class Figure:
    """One embedded picture: a title, a caption saying how to read it, and the PNG data URI."""

    title: str
    caption: str
    uri: str


def _plain(text: object) -> str:
    return str(text).replace("$", r"\$")


def _new(rows: int = 1, columns: int = 1, size: tuple[float, float] = SIZE, **margins: float) -> tuple[MplFigure, Any]:
    """A figure with fixed margins (a layout engine would cost more than the drawing)."""
    figure = MplFigure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**{"left": 0.13, "right": 0.97, "bottom": 0.15, "top": 0.93, **margins})
    return figure, figure.subplots(rows, columns, squeeze=False)


def _encode(figure: MplFigure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _colour(kind: str) -> str:
    return KIND_COLOURS.get(kind, "#424242")


def final_losses(samples: Sequence[dict[str, Any]]) -> Figure | None:
    """Histogram of the final relative excess loss (f - f*) / scale over random restarts."""
    restarts = [s for s in samples if str(s.get("label", "")).startswith("start") and isinstance(s.get("gap"), (int, float))]
    if not restarts:
        return None
    kinds = sorted({s["kind"] for s in restarts})
    values = [np.log10([max(float(s["gap"]), GAP_FLOOR) for s in restarts if s["kind"] == k]) for k in kinds]
    figure, axes = _new()
    ax = axes[0, 0]
    low = min(math.log10(GAP_FLOOR), min(v.min() for v in values))
    high = max(0.0, max(v.max() for v in values))
    bins = np.linspace(low - 0.5, high + 0.5, 30)
    ax.hist(values, bins=bins, stacked=True, color=[_colour(k) for k in kinds], label=[_plain(k) for k in kinds])
    ax.set_xlabel("log10((f - f*) / loss scale) at the end of each restart")
    ax.set_ylabel("restarts")
    ax.legend(fontsize=8)
    caption = (
        f"{len(restarts)} restarts (a sample). Bars at {math.log10(GAP_FLOOR):.0f} reached the global optimum "
        "to rounding; bars to the right ended above it (spurious minima or saddles)."
    )
    return Figure("Final losses over restarts", caption, _encode(figure))


def spectrum_extremes(samples: Sequence[dict[str, Any]]) -> Figure | None:
    """For each sampled candidate, its Hessian's lowest and highest eigenvalue."""
    points = [s for s in samples if isinstance(s.get("hessian_min"), (int, float)) and isinstance(s.get("hessian_max"), (int, float))]
    if not points:
        return None
    points.sort(key=lambda s: (s["kind"], s["hessian_min"]))
    figure, axes = _new()
    ax = axes[0, 0]
    for index, s in enumerate(points):
        ax.vlines(index, s["hessian_min"], s["hessian_max"], color=_colour(s["kind"]), linewidth=1.5)
    for kind in sorted({s["kind"] for s in points}):
        ax.plot([], [], color=_colour(kind), label=_plain(kind))
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_yscale("symlog", linthresh=_linear_threshold([s["hessian_min"] for s in points] + [s["hessian_max"] for s in points]))
    ax.set_xlabel("candidate (sorted by class, then lowest eigenvalue)")
    ax.set_ylabel("Hessian eigenvalues [min, max]")
    ax.legend(fontsize=8)
    caption = (
        f"{len(points)} classified candidates. Each bar spans the Hessian's extreme eigenvalues; a bar crossing "
        "zero is a saddle with negative curvature, a bar touching zero is flat in some direction."
    )
    return Figure("Hessian spectrum at the classified candidates", caption, _encode(figure))


def line_slices(around: Surroundings) -> Figure | None:
    """1-D slices f(x + t d) along each direction of ``around``."""
    if not around.lines:
        return None
    count = len(around.lines)
    columns = 2 if count > 1 else 1
    rows = math.ceil(count / columns)
    height = 2.1 * rows + 0.5
    figure, axes = _new(rows, columns, (5.8, height), left=0.14, bottom=0.35 / height, top=1 - 0.3 / height, hspace=0.45, wspace=0.35)
    for ax, line in zip(axes.flat, around.lines):
        change = line.loss - around.loss
        ax.plot(line.t, change, color="#1565c0")
        ax.plot([0.0], [0.0], "o", color="black", markersize=4)
        if around.optimum is not None and around.optimum - around.loss >= change.min():
            ax.axhline(around.optimum - around.loss, color="#2e7d32", linestyle="--", linewidth=0.8)
        ax.set_title(_plain(line.label), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.yaxis.get_offset_text().set_fontsize(7)
    for ax in list(axes.flat)[count:]:
        ax.set_visible(False)
    optimum = "" if around.optimum is None else f"; f* - f(x) = {around.optimum - around.loss:.4g} (dashed where in range)"
    caption = (
        f"f(x + t d) - f(x) for t in [-{around.radius:.3g}, {around.radius:.3g}] along unit directions d, "
        f"f(x) = {around.loss:.6g}{optimum}."
    )
    return Figure("1-D slices of the loss through the point", caption, _encode(figure))


def plane_slice(around: Surroundings) -> Figure | None:
    """Filled contours of the loss on the plane of the first two slice directions."""
    plane = around.plane
    if plane is None or not np.isfinite(plane.loss).all():
        return None
    figure, axes = _new(size=(5.0, 4.0), left=0.15, right=0.84, bottom=0.12)
    ax = axes[0, 0]
    change = plane.loss - around.loss
    filled = ax.contourf(plane.s, plane.t, change, levels=24, cmap="viridis")
    if change.min() < 0.0 < change.max():
        ax.contour(plane.s, plane.t, change, levels=[0.0], colors="white", linewidths=0.8)
    colourbar = figure.colorbar(filled, ax=ax, fraction=0.08, pad=0.03)
    colourbar.set_label("f - f(x)")
    colourbar.ax.tick_params(labelsize=7)
    ax.plot([0.0], [0.0], "o", color="red", markersize=5)
    ax.set_xlabel(_plain(plane.label_a), fontsize=8)
    ax.set_ylabel(_plain(plane.label_b), fontsize=8)
    caption = (
        "f - f(x) on a plane through the point (red dot), spanned by the first two slice directions "
        "(the second made orthogonal to the first); the white contour is the level f(x)."
    )
    return Figure("2-D slice of the loss around the point", caption, _encode(figure))


def hessian_spectrum(eigenvalues: np.ndarray | None) -> Figure | None:
    """Every Hessian eigenvalue at the certified point, sorted."""
    if eigenvalues is None or eigenvalues.size == 0:
        return None
    figure, axes = _new(size=(5.6, 2.8))
    ax = axes[0, 0]
    index = np.arange(eigenvalues.size)
    ax.vlines(index, 0.0, eigenvalues, color="#1565c0")
    ax.plot(index, eigenvalues, "o", color="#1565c0", markersize=3)
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_yscale("symlog", linthresh=_linear_threshold(eigenvalues))
    ax.set_xlabel("eigenvalue index")
    ax.set_ylabel("Hessian eigenvalue")
    caption = f"All {eigenvalues.size} eigenvalues, from {eigenvalues[0]:.4g} to {eigenvalues[-1]:.4g}."
    return Figure("Hessian spectrum at the point", caption, _encode(figure))


def loss_path(path: Any) -> Figure | None:
    """``facts["path"]``: the loss along a path (e.g. decreasing to infinity)."""
    series = _series(path, "t")
    if not series:
        return None
    label, t, values = series[0]
    figure, axes = _new()
    ax = axes[0, 0]
    ax.plot(t, values, color="#c62828", label=_plain(label) if label else None)
    infimum = path.get("infimum") if isinstance(path, dict) else None
    if isinstance(infimum, (int, float)):
        ax.axhline(float(infimum), color="#2e7d32", linestyle="--", linewidth=0.8, label="infimum")
    ax.set_xlabel("path parameter t")
    ax.set_ylabel("loss")
    if label or infimum is not None:
        ax.legend(fontsize=8)
    caption = f"The loss along the recorded path ({len(t)} points)."
    return Figure("Loss along the path", caption, _encode(figure))


def trajectories(data: Any) -> Figure | None:
    """``facts["trajectory"]``: the loss along one or more optimiser trajectories."""
    series = _series(data, "step")
    if not series:
        return None
    figure, axes = _new()
    ax = axes[0, 0]
    for label, steps, values in series[:8]:
        ax.plot(steps, values, label=_plain(label) if label else None)
    if all((values > 0).all() for _, _, values in series[:8]):
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if any(label for label, _, _ in series[:8]):
        ax.legend(fontsize=8)
    caption = f"{min(len(series), 8)} trajectories recorded with the certificate."
    return Figure("Loss along the trajectories", caption, _encode(figure))


def _linear_threshold(values: Any) -> float:
    """The symlog axis's linear range: a millionth of the largest magnitude (1e-6 if all zero)."""
    largest = float(np.abs(np.asarray(values, dtype=np.float64)).max(initial=0.0))
    return 1e-6 * largest if largest > 0 else 1e-6


def _series(data: Any, axis: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Well-formed ``{axis: [...], "loss": [...], "label": ...}`` entries of ``data``."""
    entries = data if isinstance(data, list) else [data]
    series = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        try:
            x = np.asarray(entry.get(axis), dtype=np.float64)
            y = np.asarray(entry.get("loss"), dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if x.ndim == 1 and x.shape == y.shape and x.size >= 2 and np.isfinite(y).all():
            series.append((str(entry.get("label", "")), x, y))
    return series


def detection_curve(power: Any) -> Figure | None:
    """A power run's detection rate against the plant's relative radius (log scale), with r50/r95."""
    if not isinstance(power, dict) or not power.get("applicable") or not isinstance(power.get("by_radius"), dict):
        return None
    rows = [(float(r), counts[0], counts[1]) for r, counts in power["by_radius"].items()
            if isinstance(counts, list) and len(counts) == 2 and counts[1]]
    if not rows:
        return None
    rows.sort()
    radii = np.array([r for r, _, _ in rows])
    rates = np.array([found / planted for _, found, planted in rows])
    figure, axes = _new()
    ax = axes[0, 0]
    ax.plot(radii, rates, marker="o", color="#c62828")
    for level, key in ((0.5, "r50"), (0.95, "r95")):
        ax.axhline(level, color="#9e9e9e", linestyle=":", linewidth=0.8)
        if isinstance(power.get(key), (int, float)):
            ax.axvline(float(power[key]), color="#1565c0", linestyle="--", linewidth=0.8, label=f"{key} = {power[key]:.3g}")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("plant radius / median start norm")
    ax.set_ylabel("fraction certified")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    planted = sum(p for _, _, p in rows)
    caption = (f"Planted {_plain(power.get('kind'))}s certified by the verification's own search and checks, by radius "
               f"({planted} plants, {power.get('plants')} per instance and radius; centres drawn at "
               f"{_plain(power.get('location'))}s). r95 is the smallest radius certified in at least 95% of its plants.")
    return Figure("Power: detection of planted counterexamples", caption, _encode(figure))
