"""End-to-end figures of ``landscape bench``: whole runs, as a user starts them, timed in one run.

* ``catalogue_wall_seconds``: ``landscape verify --budget quick`` over the catalogue (or the
  chosen ids) in a fresh process under each thread policy: the harness's default, one thread,
  and every core (``--threads N``), with the per-theorem seconds of each run, the five slowest
  under the default, and ``default_over_best`` (the default's wall time over the fastest
  policy's: the target is at most 1.1);
* ``pytest_wall_seconds``: ``pytest tests/test_catalogue.py`` serially (``-n 0``) and with
  ``-n auto``, under the harness's default policy (one thread per xdist worker).

Every process gets a new user's environment: no ``OMP_NUM_THREADS``, no ``LANDSCAPE_THREADS``,
so torch would start with one thread per core if the harness did not choose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from landscape.threads import THREADS_ENV, XDIST_WORKER_ENV, cores

SLOWEST_SHOWN = 5
DEFAULT_TARGET = 1.1  # the default policy should be within 10% of the best measured policy
RUN_TIMEOUT = 3600  # seconds one measured process may take before the figure is given up
# Settings a new user's shell does not have; removed so that each run starts as theirs would.
USER_UNSET = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", THREADS_ENV, XDIST_WORKER_ENV, "PYTEST_ADDOPTS")


def _user_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in USER_UNSET}


def _timed(command: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_user_environment(), cwd=cwd, timeout=RUN_TIMEOUT)
    return time.perf_counter() - started, done


def policies() -> dict[str, int | None]:
    """The policies measured: the harness's default (``None``), one thread, every core."""
    return {"default": None, "one thread": 1, f"all cores ({cores()})": cores()}


def catalogue_figures(ids: Sequence[str] = (), budget: str = "quick") -> dict[str, Any]:
    """Wall and per-theorem seconds of ``landscape verify`` under each policy (module docstring)."""
    figures: dict[str, Any] = {"budget": budget, "ids": list(ids) or "catalogue", "policies": {}}
    with tempfile.TemporaryDirectory() as folder:
        for label, threads in policies().items():
            records = Path(folder) / f"{len(figures['policies'])}.jsonl"
            command = [sys.executable, "-m", "landscape.cli", "verify", *ids, "--budget", budget, "--quiet",
                       "--json", str(records), "--certificates", str(Path(folder) / "certificates")]
            command += [] if threads is None else ["--threads", str(threads)]
            wall, done = _timed(command)
            lines = [json.loads(line) for line in records.read_text().splitlines()] if records.exists() else []
            figures["policies"][label] = {
                "threads": "harness default" if threads is None else threads, "wall_seconds": wall, "exit_status": done.returncode,
                "as_expected": sum(bool(r["matches"]) for r in lines), "theorems": len(lines),
                "seconds": {r["theorem_id"]: r["seconds"] for r in lines},
            }
    default = figures["policies"]["default"]
    best = min(p["wall_seconds"] for p in figures["policies"].values())
    figures["default_over_best"] = default["wall_seconds"] / best
    figures["default_meets_target"] = figures["default_over_best"] <= DEFAULT_TARGET
    figures["slowest_under_default"] = sorted(default["seconds"].items(), key=lambda item: -item[1])[:SLOWEST_SHOWN]
    return figures


def catalogue_tests() -> Path | None:
    """``tests/test_catalogue.py`` of the source checkout this package runs from, if there is one."""
    path = Path(__file__).resolve().parents[2] / "tests" / "test_catalogue.py"  # landscape/bench/runs.py
    return path if path.is_file() else None


def pytest_figures(selection: str | None = None) -> dict[str, Any]:
    """``pytest tests/test_catalogue.py`` serially and with ``-n auto`` (``selection``: a ``-k``
    expression, for a smaller measurement)."""
    tests = catalogue_tests()
    if tests is None:
        return {"skipped": "no tests/test_catalogue.py next to the package (an installed copy): run the bench from a source checkout"}
    figures: dict[str, Any] = {"tests": str(tests), "selection": selection or "all"}
    for label, workers in (("serial", "0"), ("-n auto", "auto")):
        command = [sys.executable, "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider", "-n", workers]
        command += [] if selection is None else ["-k", selection]
        wall, done = _timed(command, cwd=tests.parents[1])
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]
        figures[label] = {"wall_seconds": wall, "exit_status": done.returncode, "summary": summary}
    figures["serial_over_parallel"] = figures["serial"]["wall_seconds"] / figures["-n auto"]["wall_seconds"]
    return figures


def format_end_to_end(figures: dict[str, Any]) -> list[str]:
    lines = []
    catalogue = figures.get("catalogue_wall_seconds")
    if catalogue:
        lines.append(f"catalogue_wall_seconds (landscape verify --budget {catalogue['budget']}, fresh process, no OMP_NUM_THREADS):")
        for label, policy in catalogue["policies"].items():
            lines.append(f"  {label}: {policy['wall_seconds']:.1f} s ({policy['as_expected']} of {policy['theorems']} as expected)")
        verdict = "meets" if catalogue["default_meets_target"] else "misses"
        lines.append(f"  default over best: {catalogue['default_over_best']:.2f} ({verdict} the target {DEFAULT_TARGET})")
        slowest = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in catalogue["slowest_under_default"])
        lines.append(f"  slowest under the default: {slowest}")
    runs = figures.get("pytest_wall_seconds")
    if runs and "skipped" in runs:
        lines.append(f"pytest_wall_seconds: skipped ({runs['skipped']})")
    elif runs:
        lines.append(
            f"pytest_wall_seconds (tests/test_catalogue.py, {runs['selection']}): serial {runs['serial']['wall_seconds']:.1f} s, "
            f"-n auto {runs['-n auto']['wall_seconds']:.1f} s ({runs['serial_over_parallel']:.2f}x); {runs['-n auto']['summary']}"
        )
    return lines
