"""Hypothesis draws that depend on the run seed and the strategies alone.

Hypothesis (6.131 and later) mixes into its draws, each with a small probability, literal
constants it collects from the source of every *local* module in ``sys.modules``: the
harness's own modules when it is installed editable, the test modules pytest has imported, a
user's theorem file.  With that pool the same seed would draw different instances under pytest
than from the command line, on an xdist worker than serially, with a user's file loaded than
without, and after any edit to a constant anywhere in the package.  Inside
:func:`seed_only_draws` the pool is empty, so the instances drawn depend on the seed and the
strategies only; Hypothesis's own constants (0, 1, -1, the float edge cases, ...) stay in use.

The pool is private to Hypothesis (``hypothesis.internal.conjecture.providers``).  Where a
version of Hypothesis has no such pool there is nothing to empty and the context does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:  # private to Hypothesis: absent before 6.131, and possibly renamed later
    from hypothesis.internal.conjecture import providers as _providers
except ImportError:  # pragma: no cover - an older or newer Hypothesis
    _providers = None

_LOCK = threading.Lock()
_depth = 0
_original: Any = None


def _pool_present() -> bool:
    return (
        _providers is not None
        and callable(getattr(_providers, "_get_local_constants", None))
        and hasattr(_providers, "Constants")
        and hasattr(getattr(_providers, "CONSTANTS_CACHE", None), "cache")
    )


def _empty_pool() -> Any:
    return _providers.Constants()


@contextmanager
def seed_only_draws() -> Iterator[None]:
    """Run Hypothesis with no constants taken from local source code (nesting and threads
    share one patch, undone when the last leaves)."""
    global _depth, _original
    if not _pool_present():
        yield
        return
    with _LOCK:
        if _depth == 0:
            _original = _providers._get_local_constants
            _providers._get_local_constants = _empty_pool
            _providers.CONSTANTS_CACHE.cache.clear()  # permitted values cached from the full pool
        _depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            if _depth == 0:
                _providers._get_local_constants = _original
                _providers.CONSTANTS_CACHE.cache.clear()
                _original = None


def local_constants_in_use() -> bool:
    """Whether Hypothesis would now draw constants from local source (for the tests)."""
    if not _pool_present():
        return False
    return _providers._get_local_constants is not _empty_pool
