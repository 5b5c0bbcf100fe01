"""Strategies for network architectures: tuples of widths (d_0, d_1, ..., d_L).

Written like Hypothesis' own strategies: keyword-only paired bounds, validated up front, errors
that name the argument and the fix.  Everything shrinks towards shallow, narrow networks.
"""

from __future__ import annotations

from hypothesis import strategies as st

from landscape.errors import InvalidArgument


def _check_bounds(name: str, low: int, high: int, floor: int) -> None:
    if not isinstance(low, int) or not isinstance(high, int):
        raise InvalidArgument(f"min_{name}={low!r} and max_{name}={high!r} must be integers")
    if low < floor:
        raise InvalidArgument(f"min_{name}={low!r} must be at least {floor}")
    if high < low:
        raise InvalidArgument(f"Cannot have max_{name}={high!r} < min_{name}={low!r}")


def architectures(
    *,
    min_depth: int = 1,
    max_depth: int = 4,
    min_width: int = 1,
    max_width: int = 4,
    bottleneck: bool | None = None,
    max_output_width: int | None = None,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Widths (d_0, ..., d_L) with L in [min_depth, max_depth], every width in [min_width, max_width].

    Args:
        bottleneck: ``True`` forces some hidden width below min(d_0, d_L); ``False`` forces every
            hidden width >= min(d_0, d_L) (Laurent-Brecht's condition); ``None`` allows both.
        max_output_width: cap on d_L (e.g. d_L <= d_0 for Sigma to be invertible).
    """
    _check_bounds("depth", min_depth, max_depth, 1)
    _check_bounds("width", min_width, max_width, 1)
    if bottleneck is True and (max_depth < 2 or max_width < 2):
        raise InvalidArgument("bottleneck=True needs max_depth >= 2 and max_width >= 2 (a hidden layer narrower than the ends)")

    @st.composite
    def draw(draw_value: st.DrawFn) -> tuple[int, ...]:
        depth = draw_value(st.integers(max(min_depth, 2 if bottleneck else min_depth), max_depth))
        width = st.integers(min_width, max_width)
        d0 = draw_value(width)
        top = max_width if max_output_width is None else min(max_width, max_output_width, max(d0, min_width))
        d_last = draw_value(st.integers(min_width, max(min_width, min(top, max_width))))
        ends = min(d0, d_last)
        hidden = []
        for _ in range(depth - 1):
            if bottleneck is False:
                hidden.append(draw_value(st.integers(max(ends, min_width), max(max_width, ends))))
            else:
                hidden.append(draw_value(width))
        if bottleneck is True and (not hidden or min(hidden) >= ends):
            if ends <= min_width:
                d0 = d_last = ends = min_width + 1
            hidden[0] = max(min_width, ends - 1)
        return (d0, *hidden, d_last)

    return draw()


def one_hidden_layer(*, min_width: int = 1, max_width: int = 4) -> st.SearchStrategy[tuple[int, int, int]]:
    """(n_0, n_1, n_2) with n_1 <= n_2 <= n_0 — the setting of seed 003 Thm 1.2 (n_1 <= min(n_0, n_2),
    and n_2 <= n_0 so that Sigma = S_yx S_xx^{-1} S_xy can be invertible)."""
    _check_bounds("width", min_width, max_width, 1)

    @st.composite
    def draw(draw_value: st.DrawFn) -> tuple[int, int, int]:
        n2 = draw_value(st.integers(min_width, max_width))
        n0 = draw_value(st.integers(n2, max(n2, max_width)))
        n1 = draw_value(st.integers(min_width, n2))
        return (n0, n1, n2)

    return draw()
