r"""Exactly critical points near float candidates: snapping tiny coordinates to exact zeros.

Many critical sets of the catalogue are cut out by whole zero blocks (deep linear networks:
W_1 = ... = W_k = 0 with the other layers free, a degenerate saddle away from the origin when
k >= 3 layers vanish).  The search reaches such points only up to rounding (coordinates of size
1e-9), where the Hessian is singular and the Krawczyk test cannot isolate anything.  Reading the
coordinates below :data:`SNAP_RELATIVE` x max(1, |x|) as exact zeros and checking, in exact
rational arithmetic (sympy), that the gradient vanishes *at the snapped point*, turns the float
candidate into an exactly critical point at a recorded distance, where the exact higher-order
checks (``exact-hessian``, ``exact-descent``) apply.  Nothing is assumed: if the exact gradient
is not zero, no snapped point is returned.
"""

from __future__ import annotations

import numpy as np

from landscape.errors import InvalidArgument
from landscape.oracles.symbolic import SymbolicLandscape

SNAP_RELATIVE = 1e-6  # coordinates this small (relative) are read as exact zeros; the exact gradient decides


def snap_to_exact_critical(landscape: object, point: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(snapped point, sup-norm distance moved), or ``None`` when the snapped point is not exactly
    critical, nothing was snapped, or the family has no exact symbolic form."""
    point = np.asarray(point, dtype=np.float64)
    scale = max(1.0, float(np.abs(point).max()))
    snapped = np.where(np.abs(point) <= SNAP_RELATIVE * scale, 0.0, point)
    moved = float(np.abs(point - snapped).max())
    if moved == 0.0:
        return None
    try:
        gradient = SymbolicLandscape(landscape).gradient(snapped.tolist())
    except (InvalidArgument, KeyError, NotImplementedError):
        return None
    if any(g != 0 for g in gradient):
        return None
    return snapped, moved
