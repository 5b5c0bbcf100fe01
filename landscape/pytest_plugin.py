"""pytest plugin (entry point ``pytest11``): Hypothesis profiles and the verification budget.

Profiles ``dev`` (default), ``ci`` and ``thorough`` are registered with Hypothesis, so
``--hypothesis-profile=NAME`` (or ``LANDSCAPE_PROFILE=NAME``) selects both the settings of the
suite's own property tests and the budget of theorem verifications (dev/ci: quick,
thorough: thorough).  ``--landscape-budget`` and ``--landscape-seed`` override.
Heavy imports (torch) happen only when a fixture asks for them.

``--landscape-report DIR`` records every verification a test passes to the
``landscape_record`` fixture and renders the HTML report into DIR at the end of the session.
Under ``pytest -n N`` each xdist worker appends to its own ``DIR/.workers/results-<id>.jsonl``
as each test finishes (a crashed worker loses only the test it was running); the controller
merges them into ``DIR/results.jsonl`` and renders the report from those records alone.
Every module-level ``Theorem`` of a collected file (``pytest my_claim.py``) is a test item of its
own (see :mod:`landscape.testing`); its certificates go to ``--landscape-certificates``.
Heavy imports (torch) happen only when a fixture or a theorem asks for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE_ENV = "LANDSCAPE_PROFILE"
PROFILE_BUDGETS = {"dev": "quick", "ci": "quick", "thorough": "thorough"}
GROUP = "landscape"
REPORT_OPTION = "--landscape-report"
POWER_OPTION = "--landscape-power"
REPORT_WORKER_KEY = "landscape_report_dir"  # how the controller tells xdist workers the folder
WORKERS_FOLDER = ".workers"

settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=200, deadline=None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "landscape-theorems")
    group.addoption("--landscape-budget", default=None, help="budget for theorem verifications (quick, standard, thorough)")
    group.addoption("--landscape-seed", type=int, default=0, help="seed for theorem verifications (default 0)")
    group.addoption(
        REPORT_OPTION, dest="landscape_report", default=None, metavar="DIR",
        help="record theorem verifications and write an HTML report to DIR (merged across xdist workers)",
    )
    group.addoption(
        POWER_OPTION, dest="landscape_power", nargs="?", const="claim", default=None, metavar="KIND",
        help="also run a power run per theorem: plant counterexamples (KIND bowl, monkey-saddle, strict-saddle; "
        "default the claim's) and record how often the search certifies them",
    )
    group.addoption(
        "--landscape-certificates", default="landscape-certificates", metavar="DIR",
        help="where theorems collected from files write their certificates (default: landscape-certificates/)",
    )


def active_profile(config: pytest.Config) -> str:
    chosen = config.getoption("hypothesis_profile", default=None) or os.environ.get(PROFILE_ENV) or "dev"
    if chosen not in PROFILE_BUDGETS:
        raise pytest.UsageError(f"unknown profile {chosen!r}; choose one of {', '.join(PROFILE_BUDGETS)}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    profile = active_profile(config)
    settings.load_profile(profile)
    config.addinivalue_line("markers", "theorem(id): a test that verifies one catalogue theorem")
    _configure_report(config)
    # raised inside torch.func itself on torch >= 2.10; keeps users' theorem files quiet too
    config.addinivalue_line("filterwarnings", "ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def pytest_report_header(config: pytest.Config) -> str:
    profile = active_profile(config)
    budget = config.getoption("landscape_budget") or PROFILE_BUDGETS[profile]
    return f"landscape-theorems: profile {profile}, budget {budget}, seed {config.getoption('landscape_seed')}"


def selected_budget(config: pytest.Config):
    """The :class:`~landscape.budget.Budget` selected by the profile or ``--landscape-budget``."""
    from landscape.budget import budget_named

    return budget_named(config.getoption("landscape_budget") or PROFILE_BUDGETS[active_profile(config)])


def selected_power(config: pytest.Config):  # -> PowerSettings | None
    """The power run asked for by ``--landscape-power [KIND]``, or None."""
    chosen = config.getoption("landscape_power")
    if chosen is None:
        return None
    from landscape.power import PowerSettings

    return PowerSettings(kind=None if chosen == "claim" else chosen)


@pytest.fixture(scope="session")
def landscape_power(pytestconfig: pytest.Config):
    """The :class:`~landscape.power.PowerSettings` of ``--landscape-power``, or None."""
    return selected_power(pytestconfig)


def certificate_folder(config: pytest.Config) -> Path:
    return Path(config.getoption("landscape_certificates"))


@pytest.fixture(scope="session")
def landscape_budget(pytestconfig: pytest.Config):
    """The :class:`~landscape.budget.Budget` selected by the profile or ``--landscape-budget``."""
    return selected_budget(pytestconfig)


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> Any:
    """A module-level ``Theorem`` is a test (checked by type name first: no import for others)."""
    kind = type(obj)
    if kind.__name__ != "Theorem" or kind.__module__ != "landscape.theorems.model":
        return None
    from landscape.testing import theorem_items

    return theorem_items(collector, name, obj)


@pytest.fixture(scope="session")
def landscape_seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("landscape_seed"))


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_worker() -> None:
    """Under ``pytest -n N`` every worker is a process: keep each to one BLAS/torch thread."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


# -- --landscape-report ---------------------------------------------------------------------


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def report_folder(config: pytest.Config) -> Path | None:
    """The report folder: the controller's resolved path (passed to xdist workers), or None."""
    if _is_worker(config):
        folder = config.workerinput.get(REPORT_WORKER_KEY)  # type: ignore[attr-defined]
        return None if folder is None else Path(folder)
    value = config.getoption("landscape_report", default=None)
    return None if value is None else (config.invocation_params.dir / value).resolve()


class _ReportToWorkers:
    """xdist hook (registered only when xdist is active): hand the folder to each worker."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[REPORT_WORKER_KEY] = str(self.folder)


def _configure_report(config: pytest.Config) -> None:
    folder = report_folder(config)
    if folder is None or _is_worker(config):
        return
    workers = folder / WORKERS_FOLDER
    workers.mkdir(parents=True, exist_ok=True)
    for stale in workers.glob("results-*.jsonl"):  # left by an earlier session
        stale.unlink()
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_ReportToWorkers(folder), "landscape-report-workers")


def _worker_file(config: pytest.Config, folder: Path) -> Path:
    worker = config.workerinput.get("workerid", "worker") if _is_worker(config) else "main"  # type: ignore[attr-defined]
    return folder / WORKERS_FOLDER / f"results-{worker}.jsonl"


@pytest.fixture(scope="session")
def landscape_record(pytestconfig: pytest.Config) -> Callable[[Any], None]:
    """Record a :class:`~landscape.results.VerificationResult` for the report; a no-op
    without ``--landscape-report``.  Each record is appended as soon as it is passed."""
    folder = report_folder(pytestconfig)
    if folder is None:
        return lambda result: None
    from landscape.reports.records import append_record

    target = _worker_file(pytestconfig, folder)
    return lambda result: append_record(target, result)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    folder = report_folder(config)
    if folder is None or _is_worker(config):
        return
    config.stash[_REPORT_LINES] = _merge_and_render(folder)


def _merge_and_render(folder: Path) -> list[str]:
    """Merge the workers' files into ``folder/results.jsonl`` and render; lines for the summary."""
    from landscape.errors import LandscapeError
    from landscape.reports import write_report
    from landscape.reports.html import RESULTS_NAME
    from landscape.reports.records import merge_files

    merged = folder / RESULTS_NAME
    records, problems = merge_files((folder / WORKERS_FOLDER).glob("results-*.jsonl"), merged)
    lines = [f"skipped: {problem}" for problem in problems]
    if not records:
        return lines + [f"no theorem verification was recorded; no report written to {folder}"]
    try:
        index, count = write_report([merged], folder)
    except (LandscapeError, OSError) as exc:
        return lines + [f"the report could not be written: {exc}"]
    return lines + [f"report of {count} theorem{'' if count == 1 else 's'} ({len(records)} records): {index}"]


_REPORT_LINES = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT_LINES, None)
    if lines:
        terminalreporter.section("landscape report")
        for line in lines:
            terminalreporter.line(line)
