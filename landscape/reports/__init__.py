"""Results records (JSON lines) and the HTML report rendered from them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from landscape.errors import InvalidArgument


def write_report(results: Sequence[Path], out: Path) -> tuple[Path, int]:
    """Render the report of the records in ``results`` into ``out``.

    Returns the index page and the number of theorems shown.  Unreadable or malformed
    results files raise :class:`~landscape.errors.DataError`; an unwritable ``out`` an
    :class:`~landscape.errors.InvalidArgument`, both with one line saying what to do.
    """
    from landscape.reports.records import FIX, read_records

    records = read_records(results)  # before the heavy imports: a bad file fails fast
    if not records:
        raise InvalidArgument(f"no records in {', '.join(str(p) for p in results)}; {FIX}")
    from landscape.reports.html import RESULTS_NAME, render_report
    from landscape.reports.records import locked
    from landscape.reports.views import theorem_views

    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        with locked(Path(out) / RESULTS_NAME):  # the records read and the pages written agree
            records = read_records(results)  # again: a concurrent writer may have appended
            index = render_report(records, out, [str(p) for p in results])
    except OSError as exc:
        raise InvalidArgument(f"cannot write the report to {out}: {exc.strerror or exc}; pass a writable --out folder") from None
    return index, len(theorem_views(records))
