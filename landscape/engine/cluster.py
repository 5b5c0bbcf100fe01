"""Verification on a Dask cluster (``--scheduler ADDRESS`` or ``--scheduler local:N``).

Each theorem is one task, and so is each theorem's power run (``--power``); a sweep
(``landscape sweep --scheduler``) is one task per chunk of starts of each size.  Hypothesis
drives all of a theorem's instances inside its task, exactly as
:func:`landscape.engine.runner.verify` does in-process, so shrinking and the meaning of the seed
do not change: every random draw comes from the run seed and the instance, never from
the worker, and a verdict does not depend on which worker ran it or on the order tasks finish.

What crosses the wire is plain data only: a task receives the theorem id, the budget's fields,
the seed, the device's name and, for a user's theorem file, the file's bytes and SHA-256; it
returns one JSON text (the record and the certificate).  Dask serialises those strings and the
reference to :func:`verify_task` (by module name, so workers need the project installed); no
object of the harness or of a user's file is ever pickled.

The client rebuilds each :class:`~landscape.engine.results.VerificationResult` from that text and
writes the certificate with :meth:`~landscape.certificates.certificate.Certificate.write` itself,
so the file is byte-identical to the one a serial run writes.

Faults:

* a worker that dies loses only its task: the scheduler runs it again elsewhere (up to
  ``distributed.scheduler.allowed-failures`` times, then the theorem's verdict is ``error``);
* a task that raises gives its theorem the verdict ``error``, as in-process;
* input a worker refuses (:class:`~landscape.errors.InvalidArgument`, e.g. ``--device cuda``
  on a worker without a GPU, a user file whose SHA-256 does not match) is refused on the
  client too, in one line;
* an unreachable scheduler is an :class:`~landscape.errors.InvalidArgument` within
  :data:`CONNECT_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landscape.certificates.certificate import SCHEMA, Certificate, versions
from landscape.engine.files import theorems_in
from landscape.engine.power import PowerSettings, measure_power
from landscape.engine.sweep import CHUNK_STARTS, ChunkResult, SizeResult, chunks_of, merged, run_chunk
from landscape.engine.results import Coverage, Verdict, VerificationResult
from landscape.engine.runner import describe_exception, verify
from landscape.errors import InvalidArgument, LandscapeError
from landscape.theorems.budget import Budget
from landscape.theorems.catalogue import REGISTRY
from landscape.theorems.model import Expectation, Theorem

LOCAL_PREFIX = "local:"
CONNECT_TIMEOUT_SECONDS = 5  # a live scheduler answers in milliseconds; 5 s allows a slow network and still fails fast
WORKER_THREADS = 1  # one task per worker process: Hypothesis and torch each keep process-wide state
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1"}  # one BLAS/OpenMP thread per worker, as under pytest -n
HTTP_ADDRESS = ":0"  # the local scheduler's HTTP server on any free port: no clash with a cluster already running here
SHIPPED_FOLDER = "landscape-shipped-files"  # under the worker's temporary folder, one subfolder per SHA-256
REFUSED = "refused"  # payload key: input the worker refused, re-raised on the client as InvalidArgument
FAILED = "failed"  # payload key: the task raised outside the property (recorded as ``error``)
CLIENT_LOGGER = "distributed.client"  # its reconnection tracebacks are silenced while a run is connected


@dataclass(frozen=True, slots=True)
class SchedulerAddress:
    """Where the work goes: ``local`` workers started here, or the address of a running scheduler."""

    address: str | None = None
    local_workers: int | None = None

    def __str__(self) -> str:
        return f"{LOCAL_PREFIX}{self.local_workers}" if self.address is None else self.address


def parse_scheduler(text: str) -> SchedulerAddress:
    """``local:N`` (N >= 1 worker processes on this machine) or a scheduler address
    (``tcp://host:8786``, ``host:8786``); anything else is refused with the fix."""
    text = text.strip()
    if text.startswith(LOCAL_PREFIX):
        count = text[len(LOCAL_PREFIX):]
        if not count.isdigit() or int(count) < 1:
            raise InvalidArgument(f"--scheduler {text!r}: local:N needs a worker count N >= 1, e.g. local:2")
        return SchedulerAddress(local_workers=int(count))
    if not text or any(c.isspace() for c in text) or ":" not in text:
        raise InvalidArgument(
            f"--scheduler {text!r} is not a scheduler address; pass host:port (e.g. tcp://10.0.0.5:8786) or local:N"
        )
    return SchedulerAddress(address=text)


@dataclass(frozen=True, slots=True)
class ShippedFile:
    """A user's theorem file as workers receive it: the client's path, its bytes, their SHA-256."""

    path: str
    content: bytes
    sha256: str

    @classmethod
    def of(cls, path: Path | str) -> ShippedFile:
        resolved = Path(path).resolve()
        try:
            content = resolved.read_bytes()
        except OSError as exc:
            raise InvalidArgument(f"{path}: cannot be read ({exc.strerror or exc}); check the path") from None
        return cls(str(resolved), content, hashlib.sha256(content).hexdigest())

    def as_arguments(self) -> dict[str, Any]:
        return {"path": self.path, "content": self.content, "sha256": self.sha256}


class Cluster:
    """A connection to a Dask scheduler (or a :class:`LocalCluster` it started), as a context
    manager: leaving it cancels what is still running and, for ``local:N``, stops the workers."""

    def __init__(self, scheduler: SchedulerAddress | str) -> None:
        self.scheduler = parse_scheduler(scheduler) if isinstance(scheduler, str) else scheduler
        self.client: Any = None
        self._local: Any = None
        self._client_log_level: int | None = None

    def open(self) -> Cluster:
        """Connect (or start the local workers); an unreachable scheduler is an InvalidArgument.

        While connected, the Dask client's own error log is silenced: a lost scheduler is
        reported by the run in one line (see :func:`_collect`), not by the client's tracebacks."""
        import distributed  # noqa: F401 - configures its loggers on import, so before the level is set

        client_log = logging.getLogger(CLIENT_LOGGER)
        self._client_log_level = client_log.level
        client_log.setLevel(logging.CRITICAL + 1)
        try:
            self.client = self._connect()
        except BaseException:
            self._restore_client_log()
            raise
        return self

    def _restore_client_log(self) -> None:
        if self._client_log_level is not None:
            logging.getLogger(CLIENT_LOGGER).setLevel(self._client_log_level)
            self._client_log_level = None

    def __enter__(self) -> Cluster:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connect(self) -> Any:
        from distributed import Client, LocalCluster

        if self.scheduler.address is None:
            self._local = LocalCluster(
                n_workers=self.scheduler.local_workers, threads_per_worker=WORKER_THREADS, processes=True,
                dashboard_address=HTTP_ADDRESS, scheduler_kwargs={"dashboard": False}, env=dict(WORKER_ENVIRONMENT),
                silence_logs=logging.CRITICAL,
            )
            return Client(self._local)
        try:
            client = Client(self.scheduler.address, timeout=f"{CONNECT_TIMEOUT_SECONDS}s")
        except (OSError, TimeoutError, ValueError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise InvalidArgument(
                f"cannot reach the Dask scheduler at {self.scheduler.address} ({reason}); start one with "
                f"`dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`, or use --scheduler local:N"
            ) from None
        try:
            check_worker_versions(client)
        except InvalidArgument:
            client.close()
            raise
        return client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._local is not None:
            self._local.close()
            self._local = None
        self._restore_client_log()

    def submit(
        self, theorem: Theorem, budget: Budget, seed: int, device: str, write_certificate: bool,
        file: ShippedFile | None = None,
    ) -> Any:
        """One task verifying ``theorem``; a future of :func:`verify_task`'s JSON text."""
        return self.client.submit(
            verify_task, theorem.id, dataclasses.asdict(budget), seed, device, write_certificate,
            None if file is None else file.as_arguments(),
            key=f"verify-{theorem.id}-{budget.name}-{seed}", pure=False, retries=0,
        )

    def submit_power(
        self, theorem: Theorem, budget: Budget, seed: int, device: str, power: PowerSettings, file: ShippedFile | None = None,
    ) -> Any:
        """One task running ``theorem``'s power run; a future of :func:`power_task`'s JSON text."""
        return self.client.submit(
            power_task, theorem.id, dataclasses.asdict(budget), seed, device, dataclasses.asdict(power),
            None if file is None else file.as_arguments(),
            key=f"power-{theorem.id}-{budget.name}-{seed}", pure=False, retries=0,
        )


def check_worker_versions(client: Any) -> None:
    """Every worker connected now runs the client's versions of the project and its numerical
    libraries (another torch or Hypothesis could change a verdict); a worker that lacks the project
    or differs is refused in one line.  Workers that join later are not checked."""
    ours = versions()
    try:
        theirs = client.run(versions)
    except Exception as exc:  # noqa: BLE001 - e.g. ModuleNotFoundError on a worker without the project
        raise InvalidArgument(
            f"a worker of {client.scheduler.address} cannot run the harness ({type(exc).__name__}: {exc}); "
            "install landscape-theorems on every worker"
        ) from None
    for worker, found in sorted(theirs.items()):
        differing = [f"{name} {found.get(name)} (here {version})" for name, version in ours.items() if found.get(name) != version]
        if differing:
            raise InvalidArgument(f"worker {worker} runs {', '.join(differing)}; install the same versions on every worker")


# -- on a worker ------------------------------------------------------------------------------


def _task(work: Callable[[], dict[str, Any]]) -> str:
    """What every task does around its work on a worker: one thread, the Hypothesis warning
    about Dask's own ``random`` calls silenced, and the work's payload as JSON text.  Input the
    harness refuses is returned under :data:`REFUSED`; anything else it raises, under :data:`FAILED`."""
    try:
        import torch

        torch.set_num_threads(WORKER_THREADS)
        _quiet_random_state_warning()
        payload = work()
    except LandscapeError as exc:  # InvalidArgument from verify already names the theorem
        return json.dumps({REFUSED: str(exc)})
    except BaseException as exc:  # noqa: BLE001 - a task that raises is reported (an ``error`` verdict), never a lost run
        return json.dumps({FAILED: describe_exception(exc)})
    return json.dumps(payload, allow_nan=False)


def verify_task(
    theorem_id: str, budget_fields: dict[str, Any], seed: int, device: str, write_certificate: bool,
    file: dict[str, Any] | None,
) -> str:
    """Verify one theorem on a worker: ``{"record": ..., "certificate": ...}`` as JSON text (the
    certificate as its dict, or null), or a refusal or failure (:func:`_task`)."""

    def work() -> dict[str, Any]:
        theorem = _theorem_on_worker(theorem_id, file)
        with tempfile.TemporaryDirectory(prefix="landscape-task-") as folder:
            result = verify(
                theorem, Budget(**budget_fields), seed, worker_device(device),
                certificates=Path(folder) if write_certificate else None,
            )
        certificate = None if result.certificate is None else result.certificate.to_json()
        if certificate is not None and file is not None:
            certificate = _name_client_file(certificate, file["path"])
        return {"record": result.as_record(), "certificate": certificate}

    return _task(work)


def power_task(
    theorem_id: str, budget_fields: dict[str, Any], seed: int, device: str, power: dict[str, Any], file: dict[str, Any] | None,
) -> str:
    """A theorem's power run on a worker (:func:`~landscape.engine.power.measure_power`, the same
    instances, seeds and budget as its verification): ``{"power": ...}`` as JSON text, or a
    refusal or failure (:func:`_task`)."""

    def work() -> dict[str, Any]:
        theorem = _theorem_on_worker(theorem_id, file)
        settings = PowerSettings(**{**power, "radii": tuple(power["radii"])})
        return {"power": measure_power(theorem, Budget(**budget_fields), seed, worker_device(device), settings)}

    return _task(work)


def sweep_task(
    teachers: int, students: int, protocol: str, starts: int, seed: int, first: int, count: int, device: str,
    max_steps: int | None,
) -> str:
    """One chunk of a sweep's size on a worker (:func:`~landscape.engine.sweep.run_chunk`):
    ``{"chunk": ...}`` as JSON text, or a refusal or failure (:func:`_task`)."""
    return _task(lambda: {"chunk": run_chunk(teachers, students, protocol, starts, seed, first, count,
                                             worker_device(device), max_steps).as_dict()})


def _quiet_random_state_warning() -> None:
    """A Dask worker's own threads (heartbeats, work stealing) draw from the global ``random``
    module while a property runs, which Hypothesis reports as a strategy using ``random``.  The
    harness draws only from its own ``random.Random`` and torch generators, so the warning is a
    false alarm here, and it is silenced on workers only."""
    import warnings

    from hypothesis.errors import HypothesisDeprecationWarning

    warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies", category=HypothesisDeprecationWarning)


def worker_device(name: str) -> str:
    """The device on this worker: ``auto`` is CUDA where the worker has a GPU; ``cuda`` on a worker
    without one is refused."""
    import torch

    available = torch.cuda.is_available()
    if name == "auto":
        return "cuda" if available else "cpu"
    if name == "cuda" and not available:
        raise InvalidArgument(f"--device cuda was asked for but worker {_worker_name()} has no CUDA device; use --device auto or cpu")
    return name


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:
        return "(this process)"


def _theorem_on_worker(theorem_id: str, file: dict[str, Any] | None) -> Theorem:
    if file is None:
        return REGISTRY.get(theorem_id)
    for theorem in theorems_in(materialised_file(file)):
        if theorem.id == theorem_id:
            return theorem
    return REGISTRY.get(theorem_id)


def materialised_file(file: dict[str, Any]) -> Path:
    """The shipped user file on this worker, its SHA-256 checked: the client's own path where this
    worker sees the same bytes there (one machine, a shared file system), else a copy under the
    temporary folder named by the SHA-256."""
    content, expected = file["content"], file["sha256"]
    if hashlib.sha256(content).hexdigest() != expected:
        raise InvalidArgument(f"{file['path']}: the bytes that reached the worker do not have the SHA-256 the client sent; run again")
    own = Path(file["path"])
    if own.is_file() and hashlib.sha256(own.read_bytes()).hexdigest() == expected:
        return own
    copy = Path(tempfile.gettempdir()) / SHIPPED_FOLDER / expected / own.name
    if not copy.is_file() or hashlib.sha256(copy.read_bytes()).hexdigest() != expected:
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(content)
        partial.replace(copy)
    return copy


def _name_client_file(certificate: dict[str, Any], client_path: str) -> dict[str, Any]:
    """A certificate about a user landscape names the file that defines it: the client's, whose
    bytes (same SHA-256, recorded next to it) the worker's copy has."""
    builder = certificate.get("landscape", {}).get("builder")
    if isinstance(builder, dict) and Path(str(builder.get("file", ""))).name == Path(client_path).name:
        builder["file"] = client_path
    return certificate


# -- on the client ----------------------------------------------------------------------------


def result_from_payload(
    theorem: Theorem, payload: str, budget: Budget, seed: int, device: str, certificates: Path | None,
) -> VerificationResult:
    """The result a task returned, its certificate written to ``certificates`` as a serial run
    writes it; a refusal is raised as :class:`InvalidArgument`."""
    data = json.loads(payload)
    if REFUSED in data:
        raise InvalidArgument(data[REFUSED])
    if FAILED in data:
        return error_result(theorem, budget, seed, device, data[FAILED])
    record = data["record"]
    certificate = None if data["certificate"] is None else certificate_from_json(data["certificate"])
    result = VerificationResult(
        theorem_id=record["theorem_id"], expectation=Expectation(record["expectation"]),
        verdict=Verdict(record["verdict"]), message=record["message"],
        coverage=coverage_from_json(record["coverage"], theorem.headline), seconds=float(record["seconds"]),
        budget=record["budget"], seed=int(record["seed"]), certificate=certificate, falsifies=record["falsifies"],
        title=record["title"], source=record["source"], statement=record["statement"],
        hypotheses=tuple(record["hypotheses"]), device=record["device"],
    )
    if certificate is not None and certificates is not None:
        result.certificate_path = str(certificate.write(Path(certificates) / f"{theorem.id}.json"))
    return result


def coverage_from_json(data: dict[str, Any], headline: str) -> Coverage:
    return Coverage(
        instances=int(data["instances"]), restarts=int(data["restarts"]), candidates=Counter(data["candidates"]),
        outcomes=Counter(data["outcomes"]), samples=list(data["samples"]), samples_seen=int(data["samples_seen"]),
        measurements=list(data["measurements"]), headline=headline,
    )


def certificate_from_json(data: dict[str, Any]) -> Certificate:
    """The :class:`Certificate` whose :meth:`~Certificate.to_json` is ``data``."""
    if data.get("schema") != SCHEMA:
        raise InvalidArgument(f"a worker returned a certificate of schema {data.get('schema')!r}; install the same landscape-theorems on every worker")
    fields = {field.name for field in dataclasses.fields(Certificate)}
    return Certificate(**{name: value for name, value in data.items() if name in fields})


def error_result(theorem: Theorem, budget: Budget, seed: int, device: str, message: str, seconds: float = 0.0) -> VerificationResult:
    """The verdict ``error`` for a theorem whose task raised or was lost."""
    return VerificationResult(
        theorem_id=theorem.id, expectation=theorem.expectation, verdict=Verdict.ERROR, message=message,
        coverage=Coverage(headline=theorem.headline), seconds=seconds, budget=budget.name, seed=seed,
        falsifies=theorem.falsifies, title=theorem.title, source=theorem.source, statement=theorem.statement,
        hypotheses=tuple(theorem.hypotheses), device=device,
    )


def verify_on_cluster(
    cluster: Cluster,
    theorems: Sequence[Theorem],
    budget: Budget,
    seed: int,
    device: str,
    certificates: Path | None = None,
    file: ShippedFile | None = None,
    on_result: Callable[[VerificationResult], None] = lambda result: None,
    power: PowerSettings | None = None,
) -> list[VerificationResult]:
    """Verify every theorem as a task of its own, and with ``power`` run each theorem's power run
    as another task; ``on_result`` sees each result as soon as its tasks have finished (so a
    caller can append its record at once) and the list comes back in ``theorems``' order."""
    from distributed import as_completed

    submitted = time.perf_counter()
    futures: dict[Any, tuple[str, Theorem]] = {}
    for theorem in theorems:
        futures[cluster.submit(theorem, budget, seed, device, certificates is not None, file)] = ("verify", theorem)
        if power is not None:
            futures[cluster.submit_power(theorem, budget, seed, device, power, file)] = ("power", theorem)
    results: dict[str, VerificationResult] = {}
    measured: dict[str, dict[str, Any]] = {}
    for future in as_completed(futures):
        role, theorem = futures[future]
        if role == "verify":
            results[theorem.id] = _collect(future, theorem, budget, seed, device, certificates, time.perf_counter() - submitted)
        else:
            measured[theorem.id] = _collect_power(future, theorem)
        if theorem.id in results and (power is None or theorem.id in measured):
            result = results[theorem.id]
            if power is not None:
                result.power = measured[theorem.id]
            on_result(result)
    return [results[t.id] for t in theorems]


def _collect_power(future: Any, theorem: Theorem) -> dict[str, Any]:
    """A power task's record object; one that failed says so under ``error`` (its theorem's
    verdict stands: a power run measures the search, it decides nothing)."""
    if future.status == "cancelled":
        raise LandscapeError(f"the Dask scheduler dropped the power run of {theorem.id} (was the scheduler lost?); every finished record was kept")
    if future.status == "error":
        return {"applicable": False, "error": f"the power task failed on the cluster: {describe_exception(future.exception())}"}
    data = json.loads(future.result())
    if REFUSED in data:
        raise InvalidArgument(data[REFUSED])
    if FAILED in data:
        return {"applicable": False, "error": data[FAILED]}
    return data["power"]


def _collect(
    future: Any, theorem: Theorem, budget: Budget, seed: int, device: str, certificates: Path | None, waited: float,
) -> VerificationResult:
    if future.status == "cancelled":
        raise LandscapeError(f"the Dask scheduler dropped the task of {theorem.id} (was the scheduler lost?); every finished record was kept")
    if future.status == "error":
        exc = future.exception()
        return error_result(theorem, budget, seed, device, f"the task failed on the cluster: {describe_exception(exc)}", waited)
    return result_from_payload(theorem, future.result(), budget, seed, device, certificates)


def sweep_on_cluster(
    cluster: Cluster, sizes: Sequence[tuple[int, int]], protocol: str, starts: int, seed: int, device: str,
    on_row: Callable[[SizeResult], None] = lambda row: None, max_steps: int | None = None, chunk: int = CHUNK_STARTS,
) -> list[SizeResult]:
    """The sweep with every chunk of every size a task of its own (the chunks are fixed by
    ``starts`` and ``chunk``, as in-process, so the rows are those of :func:`run_sweep`); each
    row goes to ``on_row`` once its chunks are in, in the order of ``sizes``."""
    from distributed import as_completed

    futures: dict[Any, tuple[int, int]] = {}
    for teachers, students in sizes:
        for first, count in chunks_of(starts, chunk):
            future = cluster.client.submit(
                sweep_task, teachers, students, protocol, starts, seed, first, count, device, max_steps,
                key=f"sweep-{protocol}-{teachers}-{students}-{starts}-{seed}-{first}", pure=False, retries=0,
            )
            futures[future] = (teachers, students)
    parts: dict[tuple[int, int], list[ChunkResult]] = {size: [] for size in sizes}
    rows: dict[tuple[int, int], SizeResult] = {}
    emitted = 0
    for future in as_completed(futures):
        size = futures[future]
        parts[size].append(_collect_chunk(future, size))
        if sum(part.count for part in parts[size]) == starts:
            rows[size] = merged(size[0], size[1], protocol, starts, parts[size])
        while emitted < len(sizes) and sizes[emitted] in rows:
            on_row(rows[sizes[emitted]])
            emitted += 1
    return [rows[size] for size in sizes]


def _collect_chunk(future: Any, size: tuple[int, int]) -> ChunkResult:
    where = f"k={size[0]} n={size[1]}"
    if future.status == "cancelled":
        raise LandscapeError(f"the Dask scheduler dropped a chunk of {where} (was the scheduler lost?); every finished row was kept")
    if future.status == "error":
        raise LandscapeError(f"a chunk of {where} failed on the cluster ({describe_exception(future.exception())}); every finished row was kept")
    data = json.loads(future.result())
    if REFUSED in data:
        raise InvalidArgument(data[REFUSED])
    if FAILED in data:
        raise LandscapeError(f"a chunk of {where} failed on the cluster ({data[FAILED]}); every finished row was kept")
    return ChunkResult.from_dict(data["chunk"])


def theorems_of_items(items: Iterable[Any]) -> list[Theorem]:
    """The theorems that pytest items verify: a :class:`~landscape.pytest_plugin.TheoremItem`'s, or a
    test parametrised by a ``Theorem`` (the catalogue's ``theorem``/``variant``), each once."""
    found: dict[str, Theorem] = {}
    for item in items:
        candidates = [getattr(item, "theorem", None)]
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            candidates += list(callspec.params.values())
        for candidate in candidates:
            if isinstance(candidate, Theorem):
                found.setdefault(candidate.id, candidate)
    return list(found.values())


class Prefetch:
    """Tasks submitted before the tests run (``pytest --landscape-scheduler``), collected when a
    test asks for its theorem's verification: the cluster works on every theorem at once while
    pytest walks through its tests in order."""

    def __init__(self, cluster: Cluster, budget: Budget, seed: int, device: str = "cpu", power: PowerSettings | None = None) -> None:
        self.cluster, self.budget, self.seed, self.device, self.power = cluster, budget, seed, device, power
        self._futures: dict[str, tuple[Theorem, Any]] = {}
        self._power_futures: dict[str, Any] = {}
        self.served = 0  # verifications answered from the cluster

    def submit(self, theorem: Theorem, file: ShippedFile | None = None) -> None:
        if theorem.id not in self._futures:
            self._futures[theorem.id] = (theorem, self.cluster.submit(theorem, self.budget, self.seed, self.device, True, file))
            if self.power is not None:  # the power run is a task of its own, as for ``verify --power``
                self._power_futures[theorem.id] = self.cluster.submit_power(theorem, self.budget, self.seed, self.device, self.power, file)

    def __len__(self) -> int:
        return len(self._futures)

    def result(
        self, theorem: Theorem, budget: Budget, seed: int, device: str, certificates: Path | None, power: PowerSettings | None = None,
    ) -> VerificationResult | None:
        """The prefetched verification of ``theorem`` (with its power run when one was asked for),
        or None when none matches this call (another budget, seed, device or power run, no
        certificate folder, or a theorem that was not prefetched)."""
        entry = self._futures.get(theorem.id)
        same = (budget, seed, device, power) == (self.budget, self.seed, self.device, self.power) and certificates is not None
        if entry is None or entry[0] is not theorem or not same:
            return None
        started = time.perf_counter()
        futures = [entry[1]] + ([self._power_futures[theorem.id]] if power is not None else [])
        for future in futures:
            try:
                future.result()
            except Exception:  # noqa: BLE001 - the future's error is turned into an ``error`` verdict below
                pass
        self.served += 1
        result = _collect(entry[1], theorem, budget, seed, device, certificates, time.perf_counter() - started)
        if power is not None:
            result.power = _collect_power(self._power_futures[theorem.id], theorem)
        return result
