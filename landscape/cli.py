"""The ``landscape`` command: list, verify, replay, report.

Every user error (unknown id, bad option, unreadable certificate, bad data) is one line on
stderr and exit status 2; ``verify`` exits 0 iff every verdict matches its expectation;
``replay`` exits 0 iff every check of the certificate passes again, 1 if one fails.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from landscape.errors import InvalidArgument, LandscapeError

if TYPE_CHECKING:
    from landscape.theorems.budget import Budget
    from landscape.engine.cluster import Cluster
    from landscape.engine.power import PowerSettings
    from landscape.engine.results import VerificationResult
    from landscape.theorems.model import Theorem

DEVICES = ("auto", "cpu", "cuda")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    from landscape.theorems.budget import BUDGETS

    parser = _Parser(prog="landscape", description="Theorems about loss landscapes as falsifiable properties.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list theorem ids, expectations, sources and titles")
    listing.add_argument("--variants", action="store_true", help="also list the falsified variants")
    listing.add_argument("--file", type=Path, metavar="FILE", help="list the theorems a Python file defines instead")
    listing.add_argument(
        "--certificates", type=Path, default=Path("landscape-certificates"), metavar="DIR",
        help="show the rigour of the certificates a run wrote there (default: landscape-certificates/)",
    )

    verify = commands.add_parser("verify", help="verify theorems and print a summary table")
    verify.add_argument("ids", nargs="*", metavar="ID", help="theorem ids (default: the whole catalogue)")
    verify.add_argument("--budget", default="quick", choices=list(BUDGETS), help="search budget (default: quick)")
    verify.add_argument("--seed", type=int, default=0, help="run seed: same seed, same verdicts (default: 0)")
    verify.add_argument("--device", default="auto", choices=DEVICES, help="where the batched search runs")
    verify.add_argument("--json", type=Path, metavar="FILE", help="append one JSON record per theorem to FILE")
    verify.add_argument(
        "--certificates", type=Path, default=Path("landscape-certificates"), metavar="DIR",
        help="where witnesses and counterexamples are written (default: landscape-certificates/)",
    )
    verify.add_argument("--variants", action="store_true", help="also verify the falsified variants (each must be refuted)")
    verify.add_argument("--quiet", action="store_true", help="no progress bars")
    verify.add_argument("--file", type=Path, metavar="FILE", help="verify the theorems a Python file defines (see docs/tutorial.md)")
    verify.add_argument("--instances", type=int, metavar="N", help="override the budget's instances per theorem (N >= 1)")
    verify.add_argument("--restarts", type=int, metavar="N", help="override the budget's random starts per instance (N >= 1)")
    _threads_option(verify)
    verify.add_argument(
        "--report", type=Path, metavar="DIR",
        help="append to DIR/results.jsonl as theorems finish (records there are kept) and write an HTML report of them all in DIR",
    )
    verify.add_argument(
        "--instance-timeout", type=float, metavar="SECONDS",
        help="wall-clock limit of one instance; past it the instance is inconclusive and the run goes on "
        "(default per budget: quick 300, standard 1800, thorough 7200)",
    )
    verify.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run each theorem as a task on the Dask scheduler at ADDRESS (host:port), or on N local worker processes (local:N)",
    )
    verify.add_argument(
        "--power", nargs="?", const="claim", choices=("claim", "bowl", "monkey-saddle", "strict-saddle"), metavar="KIND",
        help="also plant counterexamples the search is not told about and record how often they are certified "
        "(KIND: bowl, monkey-saddle, strict-saddle; default: the claim's)",
    )
    verify.add_argument("--power-plants", type=int, default=None, metavar="N", help="plants per instance and radius (default: 2)")
    verify.add_argument("--power-location", default="start", choices=("start", "path"),
                        help="plant centres drawn like the search's starts (default) or on a descent path from one")

    report = commands.add_parser("report", help="render the HTML report from results files alone")
    report.add_argument("results", nargs="+", type=Path, metavar="RESULTS", help="JSON-lines results files (--json / --report)")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for index.html and the theorem pages")

    bench = commands.add_parser("bench", help="measure the batched search against per-start loops (ratios, one run)")
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as a JSON object to FILE")
    bench.add_argument("--device", default="auto", choices=DEVICES, help="where to measure (default: auto)")
    bench.add_argument("--dtype", default="float64", choices=("float64", "float32"), help="search precision (default: float64)")
    bench.add_argument("--quick", action="store_true", help="small sizes (seconds, for smoke tests): B in 16, 64, 256; end-to-end figures on two theorems")
    bench.add_argument("--no-end-to-end", action="store_true", help="leave out the whole-run figures (catalogue under each thread policy, pytest)")
    bench.add_argument("--no-peer", action="store_true", help="leave out the SciPy L-BFGS-B peer")
    bench.add_argument(
        "--scaling", action="store_true",
        help="instead: the quick catalogue on a local Dask cluster of 1 and of 2 workers, and their ratio (with --quick, a handful of theorems)",
    )
    _threads_option(bench)

    sweep = commands.add_parser("sweep", help="Safran-Shamir's ReLU experiment at its published size, one table row per size")
    sweep.add_argument("--protocol", default="harness", choices=("harness", "paper"), help="descent and counting rule (default: harness)")
    sweep.add_argument("--sizes", default="6-20", metavar="LOW-HIGH", help="k = n from LOW to HIGH (default: 6-20)")
    sweep.add_argument("--wider", action="store_true", help="also n = k + 1 for k = 13..19 within the range")
    sweep.add_argument("--starts", type=int, default=1000, metavar="N", help="runs per size (default: 1000, as the paper)")
    sweep.add_argument("--seed", type=int, default=0, help="seed of the starts (default: 0)")
    sweep.add_argument("--device", default="auto", choices=DEVICES, help="where the batched descent runs")
    sweep.add_argument("--json", type=Path, metavar="FILE", help="append one JSON line per size to FILE as it finishes")
    sweep.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run every chunk of starts of every size as a task on the Dask scheduler at ADDRESS (host:port), or on N local worker processes (local:N)",
    )
    _threads_option(sweep)

    replay = commands.add_parser("replay", help="re-check a certificate from its file alone")
    replay.add_argument("file", type=Path, metavar="FILE")
    _threads_option(replay)
    replay.add_argument(
        "--allow-code", action="store_true",
        help="import the user file a certificate names (only if its SHA-256 matches); off by default: replay runs no code",
    )
    replay.add_argument(
        "--code", type=Path, action="append", default=[], metavar="PY",
        help="use this copy of the user file the certificate names (same name, SHA-256 checked); implies allowing it",
    )
    return parser


def _threads_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--threads", type=int, metavar="N",
        help="torch intra-op threads for every workload (default: the harness's policy, one thread "
        "and every core only for large batches; or LANDSCAPE_THREADS)",
    )


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``; ``cuda`` without a GPU is an error."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidArgument("--device cuda was asked for but no CUDA device is available; use --device auto or cpu")
    return name


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out  # resolved per call: pytest and callers swap sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return command_list(args, out)
        if args.command == "report":
            return command_report(args, out)
        from landscape.threads import applied, choose_policy

        with applied(choose_policy(args.threads)):
            if args.command == "verify":
                return command_verify(args, out)
            if args.command == "bench":
                return command_bench(args, out)
            if args.command == "sweep":
                return command_sweep(args, out)
            return command_replay(args, out)
    except LandscapeError as exc:
        print(f"landscape: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        where = f" {exc}" if str(exc) else ""
        print(f"landscape: interrupted{where}; {_kept_records(args)}", file=sys.stderr)
        return 130


def _kept_records(args: argparse.Namespace) -> str:
    """What an interrupted run leaves behind, in words."""
    files = [f for f in (getattr(args, "json", None), getattr(args, "report", None)) if f is not None]
    if not files:
        return "no records were being written (use --json FILE or --report DIR to keep them)"
    kept = []
    for target in files:
        path = target / "results.jsonl" if target == getattr(args, "report", None) else target
        count = sum(1 for line in path.read_text().splitlines() if line.strip()) if path.exists() else 0
        kept.append(f"{count} record{'' if count == 1 else 's'} in {path}")
    return "kept " + " and ".join(kept) + " (render them with `landscape report`)"


def command_list(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.theorems.catalogue import REGISTRY

    theorems = list(REGISTRY) if args.variants else REGISTRY.catalogue()
    if args.file is not None:
        from landscape.engine.files import theorems_in

        theorems = theorems_in(args.file)
    rows = [
        (t.id, t.expectation.value if not t.is_variant else f"refute ({t.falsifies})", _rigour_of(args.certificates, t.id), t.source, t.title)
        for t in theorems
    ]
    _table(("id", "expectation", "rigour", "source", "title"), rows, out)
    return 0


def _rigour_of(directory: Path, theorem_id: str) -> str:
    """The rigour stated by the theorem's certificate in ``directory`` ("-" when none was written)."""
    from landscape.errors import CertificateError
    from landscape.certificates.certificate import read_certificate

    path = directory / f"{theorem_id}.json"
    if not path.is_file():
        return "-"
    try:
        return str(read_certificate(path).get("rigour", "float64"))
    except CertificateError:
        return "unreadable"


def command_verify(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.theorems.budget import budget_named, with_overrides
    from landscape.engine.cluster import Cluster, parse_scheduler
    from landscape.engine.files import chosen_theorems

    scheduler = None if args.scheduler is None else parse_scheduler(args.scheduler)
    device = resolve_device(args.device) if scheduler is None else args.device  # a worker resolves its own
    budget = with_overrides(
        budget_named(args.budget), instances=args.instances, restarts=args.restarts, instance_timeout=args.instance_timeout
    )
    power = _power_settings(args)
    theorems = chosen_theorems(args.ids, args.file, args.variants)
    report_records = _start_report(args.report)
    with contextlib.ExitStack() as stack:  # the cluster, if any, is reached before any work starts
        cluster = None if scheduler is None else stack.enter_context(Cluster(scheduler))
        return _verify_all(args, out, theorems, budget, device, report_records, cluster, power)


def _verify_all(
    args: argparse.Namespace, out: TextIO, theorems: list[Theorem], budget: Budget, device: str,
    report_records: Path | None, cluster: Cluster | None, power: PowerSettings | None = None,
) -> int:
    from landscape.engine.cluster import ShippedFile, verify_on_cluster
    from landscape.engine.power import power_line
    from landscape.engine.progress import ProgressBars
    from landscape.reports.records import append_record
    from landscape.engine.runner import verify
    from landscape.threads import active_policy

    header = ("id", "expectation", "verdict", "ok", "instances", "restarts", "candidates", "seconds")
    widths = [max(len(t.id) for t in theorems), 17, 12, 3, 9, 8, 10, 7]
    policy = active_policy()
    if cluster is None:
        where = f", threads {policy.small} ({policy.source}; {policy.large} for large batches)"
    else:
        where = f" (chosen by each worker), scheduler {cluster.scheduler}"
    print(f"budget {budget.name}, seed {args.seed}, device {device}{where}", file=out)
    print(_row(header, widths), file=out, flush=True)
    results = []

    def finished(result: VerificationResult) -> None:
        if args.json is not None:
            append_record(args.json, result)
        if report_records is not None:
            append_record(report_records, result)
        expectation = result.expectation.value if result.falsifies is None else "refuted (variant)"
        row = (
            result.theorem_id, expectation, result.verdict.value, "yes" if result.matches else "NO",
            str(result.coverage.instances), str(result.coverage.restarts), str(result.coverage.classified),
            f"{result.seconds:.1f}",
        )
        print(_row(row, widths), file=out, flush=True)

    if cluster is not None:  # records are appended as tasks finish, in whatever order
        file = None if args.file is None else ShippedFile.of(args.file)
        results = verify_on_cluster(cluster, theorems, budget, args.seed, device, args.certificates, file, finished, power)
    else:
        for theorem in theorems:
            bars = ProgressBars(theorem.id, enabled=not args.quiet)
            try:
                result = verify(theorem, budget, args.seed, device, certificates=args.certificates, progress=bars, threads=args.threads,
                                power=power)
            finally:
                bars.close()
            results.append(result)
            finished(result)
    print("", file=out)
    for result in results:
        line = f"{result.theorem_id}: {result.message}"
        if result.certificate_path:
            line += f"\n    certificate: {result.certificate_path}  (re-check: landscape replay {result.certificate_path})"
        if result.certificate is not None:
            line += f"\n    rigour: {result.certificate.rigour} ({result.certificate.rigour_note})"
        if result.certificate_path or not result.matches:
            line += f"\n    reproduce: {reproduce_command(args, result.theorem_id)}"
        if result.power is not None:
            line += f"\n    {power_line(result.power)}"
        print(line, file=out)
    failed = [r.theorem_id for r in results if not r.matches]
    non_finite = [f"{r.theorem_id} {r.coverage.non_finite}" for r in results if r.coverage.non_finite]
    print(f"\n{len(results) - len(failed)} of {len(results)} verdicts as expected" + (f"; unexpected: {', '.join(failed)}" if failed else "")
          + (f"; non-finite (NaN or inf) candidates: {', '.join(non_finite)}" if non_finite else ""), file=out)
    if report_records is not None:
        from landscape.reports import write_report

        index, count = write_report([report_records], args.report)
        earlier = count - len({r.theorem_id for r in results})
        print(f"report: {index}" + (f" (with {earlier} theorem{'' if earlier == 1 else 's'} recorded by other runs)" if earlier > 0 else ""), file=out)
    return 0 if not failed else 1


def _power_settings(args: argparse.Namespace):  # -> PowerSettings | None
    """The power run asked for by ``--power`` / ``--power-plants`` / ``--power-location``, or None."""
    from landscape.engine.power import PLANTS_PER_RADIUS, PowerSettings

    if args.power is None:
        if args.power_plants is not None:
            raise InvalidArgument("--power-plants needs --power; add --power to plant counterexamples")
        return None
    plants = PLANTS_PER_RADIUS if args.power_plants is None else args.power_plants
    if plants < 1:
        raise InvalidArgument(f"--power-plants {plants} must be a positive integer")
    return PowerSettings(kind=None if args.power == "claim" else args.power, plants=plants, location=args.power_location)


def command_bench(args: argparse.Namespace, out: TextIO) -> int:
    import json

    import torch

    from landscape.bench.suite import QUICK_END_TO_END_IDS, QUICK_SIZES, BenchSettings, format_figures, run_bench

    if args.scaling:
        return _bench_scaling(args, out)
    settings = BenchSettings(device=resolve_device(args.device), dtype=getattr(torch, args.dtype))
    if args.quick:
        settings.sizes, settings.steps, settings.hessian_batch, settings.hessian_loop_points = QUICK_SIZES, 5, 64, 4
        settings.peer_harness_starts, settings.peer_starts, settings.peer_relu_sizes = 32, 4, (8,)
        settings.end_to_end_ids, settings.pytest_selection = QUICK_END_TO_END_IDS, " or ".join(QUICK_END_TO_END_IDS)
    settings.end_to_end, settings.peer = not args.no_end_to_end, not args.no_peer
    figures = run_bench(settings, progress=lambda message: print(f"measuring {message} ...", file=sys.stderr, flush=True))
    print(format_figures(figures), file=out)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1, allow_nan=False) + "\n")
    return 0


def command_sweep(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from landscape.engine.cluster import Cluster, parse_scheduler, sweep_on_cluster
    from landscape.engine.sweep import CHUNK_STARTS, SizeResult, format_row, run_sweep, sizes_between

    low, _, high = args.sizes.partition("-")
    if not (low.isdigit() and (high or low).isdigit()) or not 1 <= int(low) <= int(high or low):
        raise InvalidArgument(f"--sizes {args.sizes!r} must be LOW-HIGH with 1 <= LOW <= HIGH, e.g. --sizes 6-12")
    if args.starts < 1:
        raise InvalidArgument(f"--starts {args.starts} must be a positive integer")
    sizes = sizes_between(int(low), int(high or low), args.wider)
    if not sizes:
        raise InvalidArgument(f"--sizes {args.sizes} has no size of the experiment (k = n = 6..20, n = k + 1 for k = 13..19)")
    scheduler = None if args.scheduler is None else parse_scheduler(args.scheduler)
    device = resolve_device(args.device) if scheduler is None else args.device  # a worker resolves its own
    where = "" if scheduler is None else f" (chosen by each worker), scheduler {scheduler}, {CHUNK_STARTS} starts a task"
    print(f"Safran-Shamir sweep, protocol {args.protocol}, {args.starts} starts per size, seed {args.seed}, device {device}{where}",
          file=out, flush=True)

    def on_row(row: SizeResult) -> None:
        print(format_row(row), file=out, flush=True)
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            with args.json.open("a") as stream:
                stream.write(json.dumps(row.as_dict(), allow_nan=False) + "\n")

    if scheduler is None:
        run_sweep(sizes, args.protocol, args.starts, args.seed, device, on_row)
        return 0
    with Cluster(scheduler) as cluster:
        sweep_on_cluster(cluster, sizes, args.protocol, args.starts, args.seed, device, on_row)
    return 0


def _bench_scaling(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from landscape.theorems.budget import budget_named
    from landscape.bench.scaling import QUICK_SCALING_IDS, format_scaling, scaling_figures
    from landscape.theorems.catalogue import REGISTRY

    theorems = [REGISTRY.get(i) for i in QUICK_SCALING_IDS] if args.quick else REGISTRY.catalogue()
    figures = scaling_figures(
        theorems, budget_named("quick"), progress=lambda message: print(f"measuring {message} ...", file=sys.stderr, flush=True),
    )
    print(format_scaling(figures), file=out)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1, allow_nan=False) + "\n")
    return 0


def _start_report(folder: Path | None) -> Path | None:
    """``DIR/results.jsonl``: this run's records are appended to it as they finish (records of
    earlier or concurrent runs there are kept, and the report shows them all)."""
    if folder is None:
        return None
    from landscape.reports.html import RESULTS_NAME

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / RESULTS_NAME).open("a"):  # writable, and nothing in it is touched
            pass
    except OSError as exc:
        raise InvalidArgument(f"cannot write the report to {folder}: {exc.strerror or exc}; pass a writable --report folder") from None
    return folder / RESULTS_NAME


def command_report(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.reports import write_report

    index, count = write_report(args.results, args.out)
    print(f"report of {count} theorem{'' if count == 1 else 's'}: {index}", file=out)
    return 0
def reproduce_command(args: argparse.Namespace, theorem_id: str) -> str:
    """The command that re-runs one theorem of this run exactly (same seed, same budget)."""
    parts = ["landscape verify"] + ([f"--file {args.file}"] if args.file else []) + [theorem_id]
    parts += [f"--seed {args.seed}", f"--budget {args.budget}"]
    parts += [f"--{name} {getattr(args, name)}" for name in ("instances", "restarts") if getattr(args, name) is not None]
    if getattr(args, "instance_timeout", None) is not None:
        parts.append(f"--instance-timeout {args.instance_timeout:g}")
    if getattr(args, "power", None) is not None:
        parts += ["--power" if args.power == "claim" else f"--power {args.power}"]
    return " ".join(parts)


def command_replay(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.landscapes.builders import CodePermission, allowing_code, locate, user_code
    from landscape.certificates.certificate import read_certificate
    from landscape.certificates.replay import replay_data  # replay registers every family itself

    for copy in args.code:
        if copy.suffix != ".py" or not copy.is_file():
            raise InvalidArgument(f"--code {copy}: no such Python file; name the copy of the certificate's user file")
    data = read_certificate(args.file)
    permission = CodePermission(recorded=args.allow_code, named=tuple(copy.resolve() for copy in args.code))
    for builder in user_code(data) if (args.allow_code or args.code) else []:
        with allowing_code(permission):
            file = locate(str(builder.get("file")))
        print(f"user code to run if its sha256 matches: @builder {builder.get('name')} in {file} "
              f"(sha256 {str(builder.get('sha256'))[:16]})", file=out)
    outcome = replay_data(data, permission)
    print(f"{outcome.role} for {outcome.theorem_id}: {outcome.claim}", file=out)
    for check in outcome.results:
        print(f"  [{'pass' if check.passed else 'FAIL'}] {check.name}: {check.detail}", file=out)
    passed = sum(c.passed for c in outcome.results)
    print(f"{passed} of {len(outcome.results)} checks passed", file=out)
    return 0 if outcome.passed else 1


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(_row(row, widths), file=out)


if __name__ == "__main__":
    raise SystemExit(main())
