"""``--scheduler`` / ``--landscape-scheduler``: theorems as tasks on a Dask cluster.

Same seed, same verdicts and byte-identical certificates as a serial run; a worker killed
mid-run loses only its task; a task that raises is an ``error`` verdict; user files reach the
workers checked by their SHA-256; an unreachable scheduler is one line and exit status 2.
The cluster is a ``LocalCluster`` of two worker processes, shared by the module's tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from landscape.theorems.budget import budget_named, with_overrides
from landscape.engine.cluster import (
    sweep_on_cluster,
    Cluster, SchedulerAddress, _collect, check_worker_versions, ShippedFile, materialised_file, parse_scheduler, verify_on_cluster, verify_task,
)
from landscape.bench.scaling import QUICK_SCALING_IDS, format_scaling, lpt_makespan, scaling_figures
from landscape.errors import InvalidArgument, LandscapeError
from landscape.engine.results import Verdict
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY
from landscape.engine.files import theorems_in

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
VARIANT = "variant-rank-one-every-critical-point-global"
# Quick theorems of every outcome, the ReLU sweep among them; two instances each keep this short.
HANDFUL = (
    "deep-linear-degenerate-saddle-at-zero", "sigmoid-wide-no-bad-min-claim", "relu-spurious-local-min",
    "mf-weight-decay-global-certificate",
)
BUDGET = with_overrides(budget_named("quick"), instances=2)
WORKERS = 2
KILL_WAIT_SECONDS = 120  # how long the killer waits for a task to be running before it gives up (never in a healthy run)

RAISING_FILE = '''
from hypothesis import strategies as st
from landscape import api

def _raise_value_error(instance, context):
    raise ValueError("a property that raises")

def _raise_system_exit(instance, context):
    raise SystemExit("a property that calls sys.exit")

RAISES = api.Theorem(
    id="raises-value-error", title="a property that raises", source="test", statement="none",
    expectation=api.Expectation.HOLDS, instances=lambda: st.just(1), check=_raise_value_error,
)
EXITS = api.Theorem(
    id="raises-system-exit", title="a property that exits", source="test", statement="none",
    expectation=api.Expectation.HOLDS, instances=lambda: st.just(1), check=_raise_system_exit,
)
'''


def _tutorial_file(folder: Path) -> Path:
    blocks = re.findall(r"^```python\n(.*?)^```", TUTORIAL.read_text(), flags=re.M | re.S)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "my_claim.py"
    path.write_text("\n\n".join(blocks))
    return path


@pytest.fixture(scope="module")
def cluster():
    with Cluster(f"local:{WORKERS}") as running:
        yield running


def _key(result) -> tuple:
    return (result.theorem_id, result.verdict, result.message, result.coverage.instances, result.coverage.restarts,
            dict(result.coverage.candidates), result.coverage.samples)


@pytest.mark.parametrize(
    "text, expected",
    [("local:2", SchedulerAddress(local_workers=2)), ("tcp://10.0.0.5:8786", SchedulerAddress(address="tcp://10.0.0.5:8786")),
     ("host:8786", SchedulerAddress(address="host:8786"))],
    ids=["local", "tcp", "host-port"],
)
def test_scheduler_addresses(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text", ["local:0", "local:two", "local:", "nonsense", "", "tcp://a b:1"], ids=repr)
def test_bad_scheduler_addresses_are_refused(text):
    with pytest.raises(InvalidArgument, match="--scheduler"):
        parse_scheduler(text)


def test_unreachable_scheduler_is_one_line_and_exit_2():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "landscape.cli", "verify", "omega-properties", "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0], run.stderr
    assert "omega-properties" not in run.stdout  # nothing ran: the scheduler is reached first


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The handful verified in this process, certificates in ``serial/``."""
    folder = tmp_path_factory.mktemp("serial")
    return folder, {i: verify(REGISTRY.get(i), BUDGET, 0, "cpu", certificates=folder) for i in HANDFUL}


def test_same_verdicts_and_certificates_as_serial(cluster, serial, tmp_path):
    theorems = [REGISTRY.get(i) for i in HANDFUL]
    folder, by_id = serial
    arrived = []
    distributed = verify_on_cluster(cluster, theorems, BUDGET, 0, "cpu", tmp_path / "cluster", on_result=arrived.append)
    assert sorted(r.theorem_id for r in arrived) == sorted(HANDFUL)  # each result was handed over as it came
    assert [_key(r) for r in distributed] == [_key(by_id[i]) for i in HANDFUL]
    assert {r.verdict for r in by_id.values()} >= {Verdict.WITNESSED, Verdict.REFUTED, Verdict.HOLDS}
    written = sorted(p.name for p in folder.iterdir())
    assert written and written == sorted(p.name for p in (tmp_path / "cluster").iterdir())
    for name in written:
        assert (folder / name).read_bytes() == (tmp_path / "cluster" / name).read_bytes(), name


def test_a_worker_killed_mid_run_loses_only_its_task(cluster, serial, tmp_path):
    """A theorem of seconds that no other test here submits (task keys are names: a key the scheduler
    still holds from an earlier test would be served at once, never seen running)."""
    chosen = ("single-neuron-bad-min-iff", "deep-linear-degenerate-saddle-at-zero")
    theorems = [REGISTRY.get(i) for i in chosen]
    expected = {**serial[1], chosen[0]: verify(theorems[0], BUDGET, 0, "cpu", certificates=tmp_path / "serial")}
    client = cluster.client
    killed: dict[str, str] = {}

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.processing().items():
                if keys:
                    killed.update(worker=worker, key=str(keys[0]))
                    os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    results = verify_on_cluster(cluster, theorems, BUDGET, 0, "cpu", tmp_path)
    killer.join()
    assert killed, "no task was seen running"
    assert killed["worker"] not in client.scheduler_info()["workers"]
    story = [entry for entry in cluster.client.run_on_scheduler(_story, killed["key"])]
    assert story.count("processing") >= 2, story  # the lost task was scheduled again
    assert [_key(r) for r in results] == [_key(expected[i]) for i in chosen]
    client.wait_for_workers(WORKERS, timeout=120)


def test_power_runs_are_tasks_of_their_own_with_the_in_process_figures(cluster, tmp_path):
    """Each theorem's power run is a task beside its verification, and measures what the same
    power run measures in-process (timings aside); the record carries it."""
    from landscape.engine.power import PowerSettings, measure_power

    budget = with_overrides(budget_named("quick"), instances=1, restarts=1)
    settings = PowerSettings(radii=(0.5, 20.0), plants=1)
    theorems = [REGISTRY.get("deep-linear-no-bad-local-min"), REGISTRY.get("balancedness-invariant")]
    results = verify_on_cluster(cluster, theorems, budget, 0, "cpu", tmp_path, power=settings)
    for theorem, result in zip(theorems, results):
        here = measure_power(theorem, budget, 0, "cpu", settings)
        there = dict(result.power)
        here.pop("seconds", None), there.pop("seconds", None)
        assert json.loads(json.dumps(here)) == there, theorem.id
        assert result.as_record()["power"] == result.power
    assert results[0].power["kind"] == "bowl" and results[0].power["by_radius"]["20"] == [1, 1]
    assert results[1].power["applicable"] is False  # an identity: nothing to plant, and the record says why
    story = cluster.client.run_on_scheduler(_story, f"power-deep-linear-no-bad-local-min-{budget.name}-0")
    assert "processing" in story, story  # the power run was a task of its own on the scheduler


def test_pytest_s_prefetch_runs_power_runs_as_tasks_too(cluster, tmp_path):
    """``pytest --landscape-scheduler ... --landscape-power``: the prefetch submits each theorem's
    power run beside its verification and serves both; a call with other power settings is not
    served from it."""
    from landscape.engine.cluster import Prefetch
    from landscape.engine.power import PowerSettings, measure_power

    budget = with_overrides(budget_named("quick"), instances=1, restarts=1)
    settings = PowerSettings(radii=(20.0,), plants=1)
    theorem = REGISTRY.get("deep-linear-no-bad-local-min")
    prefetch = Prefetch(cluster, budget, 0, power=settings)
    prefetch.submit(theorem)
    assert prefetch.result(theorem, budget, 0, "cpu", tmp_path, None) is None  # asked without a power run
    served = prefetch.result(theorem, budget, 0, "cpu", tmp_path, settings)
    here = measure_power(theorem, budget, 0, "cpu", settings)
    here.pop("seconds"), served.power.pop("seconds")
    assert served.power == json.loads(json.dumps(here)) and served.power["by_radius"] == {"20": [1, 1]}
    assert prefetch.served == 1


TIMINGS = ("descent_seconds", "certification_seconds", "start_steps_per_second")


def test_a_sweep_runs_chunk_by_chunk_with_the_rows_of_the_serial_run(cluster):
    """Every chunk of starts of every size is a task; the rows equal the in-process sweep's
    (timings aside) and arrive in the order of the sizes."""
    from landscape.engine.sweep import run_sweep

    sizes = [(6, 6), (7, 7)]
    serial = run_sweep(sizes, "harness", 40, 0, "cpu", chunk=16)
    arrived = []
    distributed = sweep_on_cluster(cluster, sizes, "harness", 40, 0, "cpu", arrived.append, chunk=16)
    def untimed(row):
        return {key: value for key, value in row.as_dict().items() if key not in TIMINGS}

    assert [untimed(r) for r in distributed] == [untimed(r) for r in serial]
    assert [(r.teachers, r.students) for r in arrived] == sizes
    assert sum(r.certified_spurious for r in serial) > 0  # the rows compared hold certified spurious minima
    story = cluster.client.run_on_scheduler(_story, "sweep-harness-7-7-40-0-32")
    assert "processing" in story, story  # the last chunk (starts 32..39) of k = 7 was a task of its own


def _story(key: str, dask_scheduler=None) -> list[str]:
    """The states a task entered on the scheduler (run there by ``run_on_scheduler``)."""
    return [entry[2] for entry in dask_scheduler.story(key) if len(entry) > 2 and entry[0] == key]


def test_a_task_that_raises_is_an_error_verdict(cluster, tmp_path):
    path = tmp_path / "raising_claim.py"
    path.write_text(RAISING_FILE)
    raises, exits = theorems_in(path)
    on_cluster = verify_on_cluster(cluster, [raises, exits], BUDGET, 0, "cpu", tmp_path, ShippedFile.of(path))
    assert all(r.verdict is Verdict.ERROR and not r.matches for r in on_cluster)
    assert on_cluster[0].message == verify(raises, BUDGET, 0, "cpu").message  # as in-process
    assert "ValueError: a property that raises" in on_cluster[0].message
    assert "SystemExit: a property that calls sys.exit" in on_cluster[1].message  # raised past verify: the task's error


def test_a_user_file_is_shipped_checked_and_named_as_on_the_client(tmp_path):
    """Run where the worker does not see the client's path: the shipped bytes are used, and the
    certificate names the client's file, byte for byte the serial one."""
    claim = _tutorial_file(tmp_path / "client")
    [theorem] = [t for t in theorems_in(claim) if t.id == VARIANT]
    serial = verify(theorem, budget_named("quick"), 0, "cpu", certificates=tmp_path / "serial")
    shipped = ShippedFile.of(claim).as_arguments()
    elsewhere = {**shipped, "path": str(tmp_path / "client-only" / "my_claim.py")}
    assert materialised_file(elsewhere) != Path(elsewhere["path"])
    payload = json.loads(verify_task(VARIANT, BUDGET_FIELDS, 0, "cpu", True, elsewhere))
    certificate = payload["certificate"]
    assert certificate["landscape"]["builder"]["file"] == elsewhere["path"]
    certificate["landscape"]["builder"]["file"] = str(claim.resolve())
    assert json.dumps(certificate, indent=1) + "\n" == Path(serial.certificate_path).read_text()
    tampered = {**shipped, "content": shipped["content"] + b"\n# changed on the way"}
    assert "do not have the SHA-256" in json.loads(verify_task(VARIANT, BUDGET_FIELDS, 0, "cpu", True, tampered))["refused"]
    assert hashlib.sha256(shipped["content"]).hexdigest() == shipped["sha256"]


BUDGET_FIELDS = dataclasses.asdict(budget_named("quick"))


def test_pytest_runs_a_file_on_the_cluster(tmp_path):
    """``pytest my_claim.py::VARIANT --landscape-scheduler local:2`` passes, with the serial certificate."""
    claim = _tutorial_file(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", f"{claim.name}::{VARIANT}", "--landscape-scheduler", f"local:{WORKERS}",
         "--landscape-certificates", "from-cluster"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"{claim.name}::{VARIANT} PASSED" in run.stdout and "1 passed" in run.stdout
    assert f"1 of 1 theorem verifications ran as tasks on local:{WORKERS}" in run.stdout
    [theorem] = [t for t in theorems_in(claim) if t.id == VARIANT]
    serial = verify(theorem, budget_named("quick"), 0, "cpu", certificates=tmp_path / "serial")
    assert Path(serial.certificate_path).read_bytes() == (tmp_path / "from-cluster" / f"{VARIANT}.json").read_bytes()


@pytest.mark.parametrize(
    "tasks, workers, makespan",
    [((1.0, 2.0, 3.0), 1, 6.0), ((5.0, 1.0, 1.0), 100, 5.0), ((3.0, 3.0, 2.0, 2.0, 2.0), 2, 7.0), ((), 4, 0.0)],
    ids=["one-worker-sums", "critical-path", "lpt-is-greedy-not-optimal", "no-tasks"],
)
def test_simulated_makespan(tasks, workers, makespan):
    assert lpt_makespan(tasks, workers) == makespan


@pytest.mark.slow
def test_bench_scaling_reports_every_figure():
    theorems = [REGISTRY.get(i) for i in QUICK_SCALING_IDS[:2]]
    figures = scaling_figures(theorems, BUDGET)
    assert set(figures["seconds"]) == {"local:1", "local:2"} and figures["ratio"] > 0 and figures["same_verdicts"]
    assert set(figures["task_seconds"]) == set(QUICK_SCALING_IDS[:2])
    assert figures["simulated"]["makespan_seconds"]["100"] == figures["simulated"]["critical_path_seconds"]
    assert "local:1 / local:2" in format_scaling(figures)


class _FinishedFuture:
    """What ``_collect`` reads of a future that did not return."""

    def __init__(self, status: str, exception: BaseException | None = None) -> None:
        self.status, self._exception = status, exception

    def exception(self) -> BaseException | None:
        return self._exception


def test_a_task_lost_with_its_workers_is_an_error_verdict():
    from distributed import KilledWorker

    theorem = REGISTRY.get("omega-properties")
    lost = _FinishedFuture("error", KilledWorker("verify-omega-properties", SimpleNamespace(address="tcp://10.0.0.5:40000"), 3))
    result = _collect(lost, theorem, BUDGET, 0, "cpu", None, 1.5)
    assert result.verdict is Verdict.ERROR and "KilledWorker" in result.message and result.seconds == 1.5
    assert result.theorem_id == theorem.id and result.expectation is theorem.expectation


def test_a_worker_with_other_versions_is_refused():
    from landscape.certificates.certificate import versions

    other = SimpleNamespace(run=lambda function: {"tcp://10.0.0.5:40000": {**versions(), "torch": "1.0"}})
    with pytest.raises(InvalidArgument, match=r"worker tcp://10.0.0.5:40000 runs torch 1.0 \(here "):
        check_worker_versions(other)
    same = SimpleNamespace(run=lambda function: {"tcp://10.0.0.5:40000": versions()})
    check_worker_versions(same)


def test_a_dropped_task_stops_the_run_in_one_line():
    with pytest.raises(LandscapeError, match="dropped the task of omega-properties"):
        _collect(_FinishedFuture("cancelled"), REGISTRY.get("omega-properties"), BUDGET, 0, "cpu", None, 0.0)


def test_interrupting_a_run_keeps_the_records_that_arrived(cluster, tmp_path):
    """The CLI on the module's scheduler by its address: a fast and a far slower theorem (seconds
    against a fraction of one, so a loaded machine does not finish both before the signal); Ctrl-C
    after the first record keeps it.  (Last in the module: the slower task may still be running.)"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    records = tmp_path / "r.jsonl"
    address = cluster.client.scheduler.address
    run = subprocess.Popen(
        [sys.executable, "-m", "landscape.cli", "verify", "omega-properties", "requ-cubic-regulariser-coercive", "--instances", "1",
         "--scheduler", address, "--json", str(records), "--certificates", str(tmp_path / "certificates")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 600
    while run.poll() is None and time.monotonic() < deadline and not (records.exists() and records.read_text().strip()):
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    stdout, stderr = run.communicate(timeout=300)
    kept = [json.loads(line) for line in records.read_text().splitlines()]
    assert run.returncode == 130, stdout + stderr
    assert [r["theorem_id"] for r in kept] == ["omega-properties"] and kept[0]["verdict"] == "holds"
    assert f"kept 1 record in {records}" in stderr


def test_a_lost_scheduler_keeps_every_finished_record_and_ends_in_one_line(tmp_path):
    """A scheduler and one worker of their own (processes, by the ``dask`` commands the README
    names); the scheduler is killed once the first record is written: the run ends with exit 2
    and one line, keeping that record, and the Dask client's reconnection tracebacks stay quiet."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    address_file = tmp_path / "scheduler.json"
    records = tmp_path / "r.jsonl"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = run = None
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        run = subprocess.Popen(
            [sys.executable, "-m", "landscape.cli", "verify", "--quiet", "toy-vw-no-bad-min", "single-neuron-bad-min-iff",
             "--scheduler", address, "--json", str(records), "--certificates", str(tmp_path / "certificates")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        deadline = time.monotonic() + 600
        while run.poll() is None and time.monotonic() < deadline and not (records.exists() and records.read_text().strip()):
            time.sleep(0.1)
        scheduler.kill()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        for process in (run, worker, scheduler):
            if process is not None and process.poll() is None:
                process.kill()
    kept = [json.loads(line) for line in records.read_text().splitlines()]
    assert run.returncode == 2, stdout + stderr
    assert len(kept) == 1 and kept[0]["theorem_id"] in {"toy-vw-no-bad-min", "single-neuron-bad-min-iff"}
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "(was the scheduler lost?); every finished record was kept" in lines[0], stderr
