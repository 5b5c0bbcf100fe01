"""pytest plugin (entry point ``pytest11``): Hypothesis profiles and the verification budget.

Profiles ``dev`` (default), ``ci`` and ``thorough`` are registered with Hypothesis, so
``--hypothesis-profile=NAME`` (or ``LANDSCAPE_PROFILE=NAME``) selects both the settings of the
suite's own property tests and the budget of theorem verifications (dev/ci: quick,
thorough: thorough).  ``--landscape-budget`` and ``--landscape-seed`` override.
Heavy imports (torch) happen only when a fixture asks for them.

``--landscape-report DIR`` records every verification a test passes to the
``landscape_record`` fixture, and every theorem of a collected user file, and renders the HTML
report into DIR at the end of the session.  Each process (the controller, each xdist worker)
appends to its own ``DIR/.workers/results-<session>-<id>.jsonl`` as each test finishes (a
crashed worker loses only the test it was running, and the report names it); the controller
appends them to ``DIR/results.jsonl``, never truncating it, and renders the report from every
record there.  All writes hold ``DIR/results.jsonl.lock``, so sessions may share a folder.
Every module-level ``Theorem`` of a collected file (``pytest my_claim.py``) is a test item of its
own (:class:`TheoremItem`, at the end of this module); its certificates go to
``--landscape-certificates``.  Heavy imports (torch) happen only when a fixture or a theorem asks for them.

``--landscape-scheduler ADDRESS`` (or ``local:N``) submits every collected theorem to a Dask
cluster once collection ends (see :mod:`landscape.engine.cluster`); each test then takes its theorem's
result from there through the ``landscape_verify`` fixture (the same verdicts and certificates
as in-process) and the summary says how many ran as tasks.  It replaces ``-n``, not combines with it.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from landscape.errors import LandscapeError, TheoremViolation

PROFILE_ENV = "LANDSCAPE_PROFILE"
PROFILE_BUDGETS = {"dev": "quick", "ci": "quick", "thorough": "thorough"}
GROUP = "landscape"
REPORT_OPTION = "--landscape-report"
POWER_OPTION = "--landscape-power"
REPORT_WORKER_KEY = "landscape_report_dir"  # how the controller tells xdist workers the folder
SESSION_WORKER_KEY = "landscape_report_session"  # and the session's token, naming their files
WORKERS_FOLDER = ".workers"
THREADS_OPTION = "--landscape-threads"
RESULTS_NAME = "results.jsonl"  # as landscape.reports.html.RESULTS_NAME (not imported: no heavy imports here)
SCHEDULER_OPTION = "--landscape-scheduler"

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
        "--landscape-instance-timeout", type=float, default=None, metavar="SECONDS",
        help="wall-clock limit of one instance (default: the budget's); past it the instance is inconclusive",
    )
    group.addoption(
        REPORT_OPTION, dest="landscape_report", default=None, metavar="DIR",
        help="record theorem verifications and write an HTML report to DIR (merged across xdist workers)",
    )
    group.addoption(
        THREADS_OPTION, dest="landscape_threads", type=int, default=None, metavar="N",
        help="torch intra-op threads for every workload (default: the harness's thread policy; sets LANDSCAPE_THREADS for xdist workers)",
    )
    group.addoption(
        SCHEDULER_OPTION, dest="landscape_scheduler", default=None, metavar="ADDRESS",
        help="verify the collected theorems as tasks on the Dask scheduler at ADDRESS, or on local:N worker processes",
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
    _configure_threads(config)
    config.addinivalue_line("markers", "theorem(id): a test that verifies one catalogue theorem")
    _configure_report(config)
    # raised inside torch.func itself on torch >= 2.10; keeps users' theorem files quiet too
    config.addinivalue_line("filterwarnings", "ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def pytest_report_header(config: pytest.Config) -> str:
    profile = active_profile(config)
    budget = config.getoption("landscape_budget") or PROFILE_BUDGETS[profile]
    return f"landscape-theorems: profile {profile}, budget {budget}, seed {config.getoption('landscape_seed')}"


def selected_budget(config: pytest.Config):
    """The :class:`~landscape.theorems.budget.Budget` selected by the profile or ``--landscape-budget``."""
    from landscape.theorems.budget import budget_named, with_overrides

    budget = budget_named(config.getoption("landscape_budget") or PROFILE_BUDGETS[active_profile(config)])
    return with_overrides(budget, instance_timeout=config.getoption("landscape_instance_timeout", default=None))


def selected_power(config: pytest.Config):  # -> PowerSettings | None
    """The power run asked for by ``--landscape-power [KIND]``, or None."""
    chosen = config.getoption("landscape_power")
    if chosen is None:
        return None
    from landscape.engine.power import PowerSettings

    return PowerSettings(kind=None if chosen == "claim" else chosen)


@pytest.fixture(scope="session")
def landscape_power(pytestconfig: pytest.Config):
    """The :class:`~landscape.engine.power.PowerSettings` of ``--landscape-power``, or None."""
    return selected_power(pytestconfig)


def certificate_folder(config: pytest.Config) -> Path:
    return Path(config.getoption("landscape_certificates"))


@pytest.fixture(scope="session")
def landscape_budget(pytestconfig: pytest.Config):
    """The :class:`~landscape.theorems.budget.Budget` selected by the profile or ``--landscape-budget``."""
    return selected_budget(pytestconfig)


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> Any:
    """A module-level ``Theorem`` is a test (checked by type name first: no import for others)."""
    kind = type(obj)
    if kind.__name__ != "Theorem" or kind.__module__ != "landscape.theorems.model":
        return None
    return theorem_items(collector, name, obj)


@pytest.fixture(scope="session")
def landscape_seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("landscape_seed"))


def _configure_threads(config: pytest.Config) -> None:
    """``--landscape-threads N`` becomes ``LANDSCAPE_THREADS`` (inherited by xdist workers, read
    by every verification: :mod:`landscape.threads`)."""
    from landscape.threads import THREADS_ENV, parse_threads

    threads = config.getoption("landscape_threads", default=None)
    if threads is not None:
        try:
            os.environ[THREADS_ENV] = str(parse_threads(threads, THREADS_OPTION))
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session", autouse=True)
def _threads_by_policy() -> None:
    """Tests that use torch outside a verification run under the harness's thread policy too:
    one thread by default, and always one per ``pytest -n`` worker (the workers fill the cores).
    torch is not imported for a session that never imported it."""
    torch = sys.modules.get("torch")
    if torch is not None:
        from landscape.threads import choose_policy

        torch.set_num_threads(choose_policy().small)


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
    """xdist hooks (registered only when xdist is active): hand the folder and session token to
    each worker, and record a crashed worker's test, so the report names it."""

    def __init__(self, folder: Path, session: str) -> None:
        self.folder = folder
        self.session = session

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[REPORT_WORKER_KEY] = str(self.folder)
        node.workerinput[SESSION_WORKER_KEY] = self.session

    def pytest_handlecrashitem(self, crashitem: str, report: Any, sched: Any) -> None:
        worker = getattr(getattr(getattr(report, "node", None), "gateway", None), "id", "a worker")
        append_crash(self.folder, self.session, crashitem, str(worker))


def _session_token(config: pytest.Config) -> str:
    if _is_worker(config):
        return str(config.workerinput.get(SESSION_WORKER_KEY, "session"))  # type: ignore[attr-defined]
    return config.stash.setdefault(_SESSION, f"{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _configure_report(config: pytest.Config) -> None:
    folder = report_folder(config)
    if folder is None or _is_worker(config):
        return
    (folder / WORKERS_FOLDER).mkdir(parents=True, exist_ok=True)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_ReportToWorkers(folder, _session_token(config)), "landscape-report-workers")


def _worker_file(config: pytest.Config, folder: Path) -> Path:
    worker = config.workerinput.get("workerid", "worker") if _is_worker(config) else "main"  # type: ignore[attr-defined]
    return folder / WORKERS_FOLDER / f"results-{_session_token(config)}-{worker}.jsonl"


def record_result(config: pytest.Config, result: Any) -> None:
    """Append ``result`` (a :class:`~landscape.engine.results.VerificationResult`) to this process's
    file, under the folder's lock; nothing without ``--landscape-report``."""
    folder = report_folder(config)
    if folder is None:
        return
    from landscape.reports.records import append_record

    append_record(_worker_file(config, folder), result, lock=folder / RESULTS_NAME)


def append_crash(folder: Path, session: str, nodeid: str, worker: str) -> None:
    """A record saying that ``worker`` crashed while running ``nodeid`` (verdict ``error``)."""
    import datetime
    import json

    from landscape.reports.records import RECORD_SCHEMA_VERSION, append_lines

    record = {
        "schema_version": RECORD_SCHEMA_VERSION, "theorem_id": nodeid, "verdict": "error", "matches": False,
        "expectation": "—", "title": f"{nodeid} (worker crashed)", "source": nodeid,
        "message": f"worker {worker} crashed while running {nodeid}; whatever it was verifying was not recorded",
        "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    target = folder / WORKERS_FOLDER / f"results-{session}-controller.jsonl"
    append_lines(target, [json.dumps(record)], lock=folder / RESULTS_NAME)


@pytest.fixture(scope="session")
def landscape_record(pytestconfig: pytest.Config) -> Callable[[Any], None]:
    """Record a :class:`~landscape.engine.results.VerificationResult` for the report; a no-op
    without ``--landscape-report``.  Each record is appended as soon as it is passed."""
    return lambda result: record_result(pytestconfig, result)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    folder = report_folder(config)
    if folder is None or _is_worker(config):
        return
    config.stash[_REPORT_LINES] = _merge_and_render(folder, _session_token(config))


def _merge_and_render(folder: Path, session: str) -> list[str]:
    """Append this session's files to ``folder/results.jsonl`` and render the report of every
    record there; lines for the summary."""
    from landscape.reports import write_report
    from landscape.reports.records import merge_files, read_records

    merged = folder / RESULTS_NAME
    try:
        records, problems = merge_files((folder / WORKERS_FOLDER).glob(f"results-{session}-*.jsonl"), merged)
        present = len(read_records([merged]))
    except (LandscapeError, OSError) as exc:
        return [f"the records could not be merged into {merged}: {exc}"]
    lines = [f"skipped: {problem}" for problem in problems]
    others = sorted((folder / WORKERS_FOLDER).glob("results-*.jsonl"))
    if others:  # another session's, running now or killed before it merged: kept, never deleted
        lines.append(f"{len(others)} worker file{'' if len(others) == 1 else 's'} of other sessions left in "
                     f"{folder / WORKERS_FOLDER} (add them with `landscape report {merged} FILE... --out {folder}`)")
    if not present:
        return lines + [f"no theorem verification was recorded; no report written to {folder}"]
    try:
        index, count = write_report([merged], folder)
    except (LandscapeError, OSError) as exc:
        return lines + [f"the report could not be written: {exc}"]
    earlier = f", {present - len(records)} from earlier runs" if present > len(records) else ""
    return lines + [f"report of {count} theorem{'' if count == 1 else 's'} ({present} records{earlier}): {index}"]


_REPORT_LINES = pytest.StashKey[list]()
_SESSION = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    _scheduler_summary(terminalreporter, config)
    lines = config.stash.get(_REPORT_LINES, None)
    if lines:
        terminalreporter.section("landscape report")
        for line in lines:
            terminalreporter.line(line)


# -- --landscape-scheduler ------------------------------------------------------------------

_PREFETCH = pytest.StashKey[Any]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """With ``--landscape-scheduler``, submit every collected theorem to the cluster at once."""
    config = session.config
    address = config.getoption("landscape_scheduler", default=None)
    if address is None or _is_worker(config):
        return
    if config.getoption("numprocesses", default=None):
        raise pytest.UsageError(f"{SCHEDULER_OPTION} and -n both spread the tests; use one of them")
    from landscape.engine.cluster import Cluster, Prefetch, ShippedFile, theorems_of_items

    try:
        cluster = Cluster(address).open()
    except LandscapeError as exc:
        raise pytest.UsageError(str(exc)) from None
    prefetch = Prefetch(cluster, selected_budget(config), int(config.getoption("landscape_seed")), power=selected_power(config))
    config.stash[_PREFETCH] = prefetch
    for item in session.items:
        for theorem in theorems_of_items([item]):
            from_file = getattr(item, "theorem", None) is theorem  # a theorem of a user's file: ship the file
            prefetch.submit(theorem, ShippedFile.of(item.path) if from_file else None)


def pytest_unconfigure(config: pytest.Config) -> None:
    prefetch = config.stash.get(_PREFETCH, None)
    if prefetch is not None:
        prefetch.cluster.close()


def _scheduler_summary(terminalreporter: Any, config: pytest.Config) -> None:
    prefetch = config.stash.get(_PREFETCH, None)
    if prefetch is not None:
        terminalreporter.section("landscape cluster")
        terminalreporter.line(
            f"{prefetch.served} of {len(prefetch)} theorem verifications ran as tasks on {prefetch.cluster.scheduler}"
        )


def verifier(config: pytest.Config) -> Callable[..., Any]:
    """``verify(theorem, budget, seed=0, device="cpu", certificates=None)``: the cluster's
    prefetched result under ``--landscape-scheduler``, else :func:`landscape.engine.runner.verify`."""
    from landscape.engine.runner import verify

    prefetch = config.stash.get(_PREFETCH, None)

    def verify_theorem(
        theorem: Any, budget: Any, seed: int = 0, device: str = "cpu", certificates: Path | None = None, power: Any = None
    ) -> Any:
        # a prefetched verification (and power run) of the same settings, else this process's
        result = None if prefetch is None else prefetch.result(theorem, budget, seed, device, certificates, power)
        return result if result is not None else verify(theorem, budget, seed, device, certificates=certificates, power=power)

    return verify_theorem


@pytest.fixture(scope="session")
def landscape_verify(pytestconfig: pytest.Config) -> Callable[..., Any]:
    """See :func:`verifier`."""
    return verifier(pytestconfig)


# ----------------------------------------------------------------------------------------
# Theorems as pytest items

RECORD_PROPERTY = "landscape_record"


class TheoremItem(pytest.Item):
    """One theorem of a user's file, verified as a test."""

    def __init__(self, *, theorem: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theorem = theorem
        self.add_marker(pytest.mark.theorem(theorem.id))

    def runtest(self) -> None:
        from landscape.theorems.registry import Registry

        Registry().register(self.theorem)  # a malformed id fails here, in one line
        budget, seed = selected_budget(self.config), int(self.config.getoption("landscape_seed"))
        result = verifier(self.config)(
            self.theorem, budget, seed, certificates=certificate_folder(self.config), power=selected_power(self.config)
        )
        record_result(self.config, result)
        self.user_properties.append((RECORD_PROPERTY, json.loads(json.dumps(result.as_record()))))  # plain JSON travels between xdist workers
        if not result.matches:
            expected = "refuted" if self.theorem.is_variant else self.theorem.expectation.value
            raise TheoremViolation(self.theorem.id, expected, result.verdict.value, self._detail(result.message, result.certificate_path, budget.name, seed))

    def _detail(self, message: str, certificate: str | None, budget: str, seed: int) -> str:
        lines = [message]
        if certificate:
            lines.append(f"  certificate: {certificate}  (re-check: landscape replay {certificate})")
        lines.append(f"  reproduce: pytest {self.nodeid} --landscape-seed {seed} --landscape-budget {budget.split('+')[0]}")
        lines.append(f"         or: landscape verify --file {self.path} {self.theorem.id} --seed {seed} --budget {budget.split('+')[0]}")
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (TheoremViolation, LandscapeError)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"theorem {self.theorem.id}"


def theorem_items(collector: pytest.Collector, name: str, theorem: Any) -> TheoremItem | None:
    """The item for a module-level theorem, unless private or imported from the catalogue."""
    from landscape.theorems.catalogue import REGISTRY

    if name.startswith("_") or any(theorem is known for known in REGISTRY):
        return None
    return TheoremItem.from_parent(collector, name=theorem.id, theorem=theorem)
