"""Limits that keep a run from hanging: a wall-clock time limit per instance, and the memory a
dense Hessian may take before the harness goes matrix-free or refuses.

Time.  :func:`time_limit` arms a limit of ``seconds`` around one instance's check.  In the main
thread it is a ``SIGALRM`` timer, so the limit interrupts any Python-level loop, including a
user's loss; elsewhere (a worker thread) it is cooperative: :meth:`Deadline.check`, which the
runner calls from every progress callback, raises once the limit has passed.  Either way the
check sees :class:`InstanceTimedOut`, a ``BaseException`` like ``KeyboardInterrupt`` so that a
property's ``except Exception`` cannot swallow it, and the runner records the instance as
``inconclusive`` with the reason; the run goes on.  A limit makes a verdict depend on the speed
of the machine, so the budgets' defaults are far above what any catalogue instance takes.

Memory.  :func:`dense_hessian_fits` says whether P x P Hessians may be formed at all, and
:func:`require_memory` refuses, in one line that says how to proceed, a working set larger than
:func:`memory_limit` before it is allocated.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from landscape.errors import InvalidArgument

# Above this many parameters the search's refinement and the classifier never form a P x P
# Hessian: they use Hessian-vector products (Levenberg-Marquardt solved by conjugate gradients,
# Lanczos for the extreme eigenvalues).  At 2048 parameters one dense Hessian is 32 MiB and its
# eigendecomposition about a second; the catalogue's largest instances (deep linear nets of depth
# 8 and width 16 on the standard budget) stay at or below it and keep the full spectrum.
MATRIX_FREE_PARAMS = 2048
# The most memory one stage's working set (dense Hessians of a chunk of points, a Lanczos basis)
# may take; the environment variable LANDSCAPE_MEMORY_GB overrides it.  A working set above it is
# refused up front rather than left to the operating system's out-of-memory killer.
MEMORY_LIMIT_BYTES = 3 * 2**30
MEMORY_VARIABLE = "LANDSCAPE_MEMORY_GB"


class InstanceTimedOut(BaseException):
    """An instance's check ran past its time limit (see the module docstring)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped at its time limit of {seconds:g} s")
        self.seconds = seconds


class Deadline:
    """The end of one instance's time limit; :meth:`check` raises once it has passed."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.ends = None if seconds is None else time.monotonic() + seconds
        self.armed = seconds is not None

    def check(self) -> None:
        if self.armed and self.ends is not None and time.monotonic() >= self.ends:
            self.armed = False
            raise InstanceTimedOut(self.seconds or 0.0)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[Deadline]:
    """Run the body under a limit of ``seconds`` (``None``: no limit); see the module docstring.

    The signal route is taken only in the main thread and when no other interval timer is armed
    (pytest-timeout's, for instance), which it would otherwise displace."""
    deadline = Deadline(seconds)
    use_signal = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    )
    if not use_signal:
        try:
            yield deadline
        finally:
            deadline.armed = False
        return

    def expire(signum: int, frame: object) -> None:
        if deadline.armed:
            deadline.armed = False
            raise InstanceTimedOut(seconds or 0.0)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-3))  # type: ignore[arg-type]
    try:
        yield deadline
    finally:
        deadline.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def dense_hessian_fits(parameters: int) -> bool:
    """True when P x P Hessians may be formed (P <= :data:`MATRIX_FREE_PARAMS`)."""
    return parameters <= MATRIX_FREE_PARAMS


def memory_limit() -> float:
    """Bytes a working set may take: ``LANDSCAPE_MEMORY_GB`` (GiB) when set, else :data:`MEMORY_LIMIT_BYTES`."""
    text = os.environ.get(MEMORY_VARIABLE)
    if text is None:
        return float(MEMORY_LIMIT_BYTES)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise InvalidArgument(f"{MEMORY_VARIABLE}={text!r} must be a positive number of GiB, e.g. {MEMORY_VARIABLE}=8")
    return value * 2**30


def require_memory(stage: str, needed_bytes: float, how: str) -> None:
    """Refuse, before allocating, a ``stage`` whose working set exceeds :func:`memory_limit`."""
    limit = memory_limit()
    if needed_bytes > limit:
        raise InvalidArgument(
            f"{stage} needs about {needed_bytes / 2**30:.3g} GiB, more than the limit of "
            f"{limit / 2**30:.3g} GiB ({MEMORY_VARIABLE}); {how}"
        )

