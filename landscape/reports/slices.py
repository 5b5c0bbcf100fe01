"""The landscape around a certified point, computed at report time from the certificate alone.

The certificate's landscape spec is rebuilt (:func:`landscape_from_spec`) and the loss is
evaluated, in float64 batches, along lines through the point — the certified descent
direction when the certificate has one, the Hessian's extreme eigenvectors, and random unit
directions — and on the plane spanned by the first two of them.  Nothing from the original
run is needed.  A landscape built by user code is not rebuilt: a report runs no code that a
record names, so such a certificate gets a note instead (its recorded figures still show).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from landscape.errors import LandscapeError
from landscape.landscapes.builders import CodePermission, allowing_code, user_code
from landscape.landscapes.base import DTYPE, landscape_from_spec

MAX_HESSIAN_PARAMS = 400  # full Hessians are formed at report time only up to this size
LINE_POINTS = 121
GRID_POINTS = 41
RANDOM_DIRECTIONS = 2
LossFunction = Callable[[np.ndarray], np.ndarray]  # rows of points -> their losses
PARALLEL_COSINE = 0.999  # a direction this close to one already drawn adds nothing
VISIBLE_CHANGE = 1e-2  # the radius doubles (up to MAX_DOUBLINGS times) until the loss changes this much, relatively
MAX_DOUBLINGS = 4


@dataclass(slots=True)
class Line:
    """The loss along ``point + t * direction`` for ``t`` in ``[-radius, radius]``."""

    label: str
    t: np.ndarray
    loss: np.ndarray


@dataclass(slots=True)
class Plane:
    """The loss on ``point + s * a + t * b`` over a square grid (``a``, ``b`` orthonormal)."""

    label_a: str
    label_b: str
    s: np.ndarray
    t: np.ndarray
    loss: np.ndarray  # (len(t), len(s))


@dataclass(slots=True)
class Surroundings:
    """What a report draws around one certified point.

    Attributes:
        loss: at the point; ``optimum``: the recorded global optimum (None if unknown).
        radius: half-width of the slices.
        eigenvalues: the full Hessian spectrum (None when the landscape is too large).
        lines, plane: see :class:`Line` and :class:`Plane`.
        problem: why nothing could be computed (the landscape could not be rebuilt ...).
    """

    loss: float | None = None
    optimum: float | None = None
    radius: float = 1.0
    eigenvalues: np.ndarray | None = None
    lines: list[Line] = field(default_factory=list)
    plane: Plane | None = None
    problem: str | None = None


def surroundings(certificate: dict[str, Any], seed: int = 0) -> Surroundings:
    """Slices and spectrum around ``certificate["point"]``; never raises (see ``problem``)."""
    named = user_code(certificate)
    if named:
        return Surroundings(problem=(
            f"no slices or spectrum: the landscape is built by user code (@builder {named[0].get('name')} in "
            f"{named[0].get('file')}) and a report runs no code; see them with `landscape replay --allow-code`"
        ))
    try:
        with allowing_code(CodePermission(imported=False)):
            return _surroundings(certificate, seed)
    except (LandscapeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        return Surroundings(problem=f"the landscape around the point could not be computed: {exc}")


def _surroundings(certificate: dict[str, Any], seed: int) -> Surroundings:
    surface = landscape_from_spec(certificate["landscape"])
    point = np.asarray(certificate["point"], dtype=np.float64)
    if point.shape != (surface.n_params,):
        raise ValueError(f"the point has {point.size} coordinates, the landscape {surface.n_params} parameters")

    def loss(rows: np.ndarray) -> np.ndarray:
        return surface.loss(torch.as_tensor(rows, dtype=DTYPE)).numpy()

    result = Surroundings(loss=float(loss(point[None])[0]), optimum=_optimum(certificate))
    directions = _certified_directions(certificate, point.size)
    if surface.n_params <= MAX_HESSIAN_PARAMS:
        hessian = surface.hessian(torch.as_tensor(point, dtype=DTYPE)[None])[0].numpy()
        eigenvalues, eigenvectors = np.linalg.eigh(hessian)
        result.eigenvalues = eigenvalues
        if np.abs(eigenvalues).max() > 0.0:  # a zero Hessian's eigenvectors are arbitrary
            directions.append((f"Hessian eigenvector, lowest eigenvalue {eigenvalues[0]:.3g}", eigenvectors[:, 0]))
            directions.append((f"Hessian eigenvector, highest eigenvalue {eigenvalues[-1]:.3g}", eigenvectors[:, -1]))
    rng = np.random.default_rng(seed)
    for index in range(RANDOM_DIRECTIONS):
        directions.append((f"random direction {index + 1}", rng.standard_normal(point.size)))
    kept = _distinct(directions)
    result.radius = _radius(point, kept[0][1] if kept else None, result.loss, loss)
    t = np.linspace(-result.radius, result.radius, LINE_POINTS)
    result.lines = [Line(label, t, loss(point[None] + t[:, None] * d[None])) for label, d in kept]
    if len(kept) >= 2:
        result.plane = _plane(point, kept[0], kept[1], result.radius, loss)
    return result


def _radius(point: np.ndarray, direction: np.ndarray | None, value: float, loss: LossFunction) -> float:
    """max(1, |x| / 2), doubled while the loss barely changes along the first direction (a
    degenerate saddle of high order is flat to the eye on a small window)."""
    radius = max(1.0, 0.5 * float(np.linalg.norm(point)))
    if direction is None:
        return radius
    for _ in range(MAX_DOUBLINGS):
        ends = loss(point[None] + np.array([[-radius], [radius]]) * direction[None])
        if not np.isfinite(ends).all() or np.abs(ends - value).max() >= VISIBLE_CHANGE * max(abs(value), 1e-12):
            break
        radius *= 2.0
    return radius


def _optimum(certificate: dict[str, Any]) -> float | None:
    value = certificate.get("facts", {}).get("optimum")
    return float(value) if isinstance(value, (int, float)) else None


def _certified_directions(certificate: dict[str, Any], size: int) -> list[tuple[str, np.ndarray]]:
    """The descent direction a saddle's certificate replays, if it has one."""
    for check in certificate.get("checks", []):
        direction = check.get("args", {}).get("direction") if isinstance(check, dict) else None
        if check.get("name") in ("descent", "exact-descent") and isinstance(direction, list) and len(direction) == size:
            return [("certified descent direction", np.asarray(direction, dtype=np.float64))]
    return []


def _distinct(directions: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    """Unit directions, dropping any (nearly) parallel to one kept before it."""
    kept: list[tuple[str, np.ndarray]] = []
    for label, vector in directions:
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0.0:
            continue
        unit = vector / norm
        if all(abs(float(unit @ other)) < PARALLEL_COSINE for _, other in kept):
            kept.append((label, unit))
    return kept


def _plane(
    point: np.ndarray, first: tuple[str, np.ndarray], second: tuple[str, np.ndarray], radius: float, loss: LossFunction
) -> Plane:
    a = first[1]
    b = second[1] - (second[1] @ a) * a  # Gram-Schmidt: the plane's axes are orthonormal
    b /= np.linalg.norm(b)
    s = np.linspace(-radius, radius, GRID_POINTS)
    ss, tt = np.meshgrid(s, s)
    rows = point[None] + ss.reshape(-1, 1) * a[None] + tt.reshape(-1, 1) * b[None]
    return Plane(first[0], second[0], s, s, loss(rows).reshape(ss.shape))
