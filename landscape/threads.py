"""The harness's thread policy: how many intra-op threads torch may use, chosen per workload.

The harness issues many small tensor operations (a search step on 32 starts, a Hessian of 40
parameters).  With the OpenMP runtime's default spin-waiting, a second thread costs far more
than it gives on such work: on a quiet 2-core machine ``landscape verify relu-spurious-local-min
--budget quick`` took 100-240 s with torch's default of one thread per core and 2 s with one
thread.  Large batched kernels are the other way round (the bench's descent at B = 16384 runs
about twice as fast on two threads as on one).  So the harness chooses, instead of leaving it
to the runtime:

* ``small`` threads (one) for every workload by default;
* ``large`` threads (every core) only for a batched kernel whose working set is at least
  :data:`LARGE_BATCH_ELEMENTS` numbers (``starts x parameters``), where the second thread was
  measured to gain (``landscape bench`` shows the end-to-end figures);
* one thread for everything inside a ``pytest -n`` (xdist) worker: the workers already fill
  the cores, and more threads per worker oversubscribe them.

It is settable, most specific first: ``--threads N`` (CLI), ``--landscape-threads N``
(pytest), ``verify(..., threads=N)`` (API), then the environment variable
``LANDSCAPE_THREADS``; an explicit N fixes the count for every workload.

Thread counts never change a verdict or the proof content of a certificate: only elementwise
work and reductions along a batch row are split across threads, and each start is advanced
independently (tested at 1 and 2 threads).  The count is recorded: in each record (``threads``:
the policy, its source and the most threads used) and in each certificate's ``environment``
block, which says how the run executed, not what it proves.  Certificates of the same seed are
byte-identical once that block is removed (:func:`proof_content`); runs under the same policy
(serially, or under xdist, where both use one thread on the quick budget) are byte-identical
whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from landscape.errors import InvalidArgument

THREADS_ENV = "LANDSCAPE_THREADS"
XDIST_WORKER_ENV = "PYTEST_XDIST_WORKER"
# Below about 2^21 numbers per batched step the second thread's wake-up and spin cost more than
# it saves: on the bench's linear net (P = 160) B = 1024 ran at the same speed on 1 and 2 threads,
# B = 16384 (2.6e6 numbers) about twice as fast on 2.
LARGE_BATCH_ELEMENTS = 2**21
SMALL_WORKLOAD_THREADS = 1  # many small ops: one thread is fastest (see the module docstring)
SOURCES = ("default", "xdist worker", "environment", "explicit")


@dataclass(slots=True)
class ThreadPolicy:
    """Intra-op threads for small workloads and for large batched kernels.

    Attributes:
        small: threads for ordinary work (one, unless set explicitly).
        large: threads for a batched kernel of at least :data:`LARGE_BATCH_ELEMENTS` numbers.
        source: where the counts came from, one of :data:`SOURCES`.
        used: the most threads set while the policy was active (recorded in certificates).
    """

    small: int
    large: int
    source: str
    used: int = 0

    def for_elements(self, elements: int) -> int:
        """Threads for one batched step over ``elements`` numbers."""
        return self.large if elements >= LARGE_BATCH_ELEMENTS else self.small

    def as_record(self) -> dict[str, Any]:
        return {"small": self.small, "large": self.large, "source": self.source, "used": self.used}


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parse_threads(value: object, where: str) -> int:
    """A thread count from an option or the environment: a positive integer, else one clear line."""
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidArgument(f"{where}={value!r} must be a positive integer (threads per process); e.g. {where}=1")
    return count


def choose_policy(threads: int | None = None) -> ThreadPolicy:
    """The policy for this process: ``threads`` if given, else :data:`THREADS_ENV`, else the
    harness's default (one thread, every core for large batches; one thread under xdist)."""
    if threads is not None:
        count = parse_threads(threads, "threads")
        return ThreadPolicy(count, count, "explicit")
    if os.environ.get(THREADS_ENV, "").strip():
        count = parse_threads(os.environ[THREADS_ENV], THREADS_ENV)
        return ThreadPolicy(count, count, "environment")
    if os.environ.get(XDIST_WORKER_ENV):
        return ThreadPolicy(SMALL_WORKLOAD_THREADS, SMALL_WORKLOAD_THREADS, "xdist worker")
    return ThreadPolicy(SMALL_WORKLOAD_THREADS, cores(), "default")


_active: ThreadPolicy | None = None


def active_policy() -> ThreadPolicy:
    """The policy of the innermost :func:`applied` block (the default policy outside any)."""
    return _active if _active is not None else choose_policy()


def resolve_policy(threads: int | None = None) -> ThreadPolicy:
    """``threads`` if given; else a fresh copy of the policy in force (inside an :func:`applied`
    block), else :func:`choose_policy`."""
    if threads is None and _active is not None:
        return ThreadPolicy(_active.small, _active.large, _active.source)
    return choose_policy(threads)


def _set_threads(count: int) -> None:
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    if _active is not None:
        _active.used = max(_active.used, count)


@contextmanager
def applied(policy: ThreadPolicy) -> Iterator[ThreadPolicy]:
    """Run the block under ``policy`` (small-workload threads set), restoring the previous
    policy and torch's thread count afterwards."""
    import torch

    global _active
    previous, previous_count = _active, torch.get_num_threads()
    _active = policy
    try:
        _set_threads(policy.small)
        yield policy
    finally:
        _active = previous
        torch.set_num_threads(previous_count)


@contextmanager
def for_batch(elements: int) -> Iterator[int]:
    """Inside a batched kernel over ``elements`` numbers: the active policy's threads for it."""
    import torch

    policy = active_policy()
    count = policy.for_elements(elements)
    before = torch.get_num_threads()
    _set_threads(count)
    try:
        yield count
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def environment_block(policy: ThreadPolicy) -> dict[str, Any]:
    """A certificate's ``environment``: how the run executed (not part of what it proves)."""
    return {"threads": max(policy.used, policy.small)}


ENVIRONMENT_KEY = "environment"


def proof_content(certificate: dict[str, Any]) -> dict[str, Any]:
    """A certificate's JSON without its ``environment`` block: what is identical for the same
    seed at any thread count."""
    return {key: value for key, value in certificate.items() if key != ENVIRONMENT_KEY}
