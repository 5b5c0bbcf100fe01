"""Terminal progress for long searches: a consumer of the engine's ``progress(stage, done,
total)`` callbacks.  The bar appears only once a stage has run for ``DELAY_SECONDS``, writes to
stderr, and is off under pytest, with ``--quiet``, or when stderr is not a terminal.
"""

from __future__ import annotations

import os
import sys

from tqdm import tqdm

DELAY_SECONDS = 2.0
# A terminal that reports no width (a pseudo-terminal opened without a size) would get empty
# bars from tqdm; this width is used instead.
FALLBACK_COLUMNS = 100


def _terminal_columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 0


class ProgressBars:
    """One tqdm bar per (theorem, stage); call it as the engine's progress callback."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self._bars.get(stage)
        if bar is None or bar.total != total or done < bar.n:
            if bar is not None:
                bar.close()
            bar = tqdm(
                total=total, desc=f"{self.label}: {stage}", delay=DELAY_SECONDS, leave=False, file=sys.stderr,
                ncols=None if _terminal_columns() else FALLBACK_COLUMNS,
            )
            self._bars[stage] = bar
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
