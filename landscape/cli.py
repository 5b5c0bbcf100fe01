"""The ``landscape`` command: list, verify, replay, report.

Every user error (unknown id, bad option, unreadable certificate, bad data) is one line on
stderr and exit status 2; ``verify`` exits 0 iff every verdict matches its expectation;
``replay`` exits 0 iff every check of the certificate passes again, 1 if one fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from landscape.errors import InvalidArgument, LandscapeError

DEVICES = ("auto", "cpu", "cuda")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    from landscape.budget import BUDGETS

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
    verify.add_argument("--report", type=Path, metavar="DIR", help="write DIR/results.jsonl as theorems finish and an HTML report in DIR")
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
    bench.add_argument("--quick", action="store_true", help="small sizes (seconds, for smoke tests): B in 16, 64, 256")

    replay = commands.add_parser("replay", help="re-check a certificate from its file alone")
    replay.add_argument("file", type=Path, metavar="FILE")
    return parser


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
        if args.command == "verify":
            return command_verify(args, out)
        if args.command == "bench":
            return command_bench(args, out)
        if args.command == "report":
            return command_report(args, out)
        return command_replay(args, out)
    except LandscapeError as exc:
        print(f"landscape: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"landscape: interrupted; {_kept_records(args)}", file=sys.stderr)
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
    from landscape.theorems import REGISTRY

    theorems = list(REGISTRY) if args.variants else REGISTRY.catalogue()
    if args.file is not None:
        from landscape.userfiles import theorems_in

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
    from landscape.oracles.certificates import read_certificate

    path = directory / f"{theorem_id}.json"
    if not path.is_file():
        return "-"
    try:
        return str(read_certificate(path).get("rigour", "float64"))
    except CertificateError:
        return "unreadable"


def command_verify(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.budget import budget_named, with_overrides
    from landscape.power import power_line
    from landscape.progress import ProgressBars
    from landscape.reports.records import append_record
    from landscape.runner import verify
    from landscape.userfiles import chosen_theorems

    device = resolve_device(args.device)
    budget = with_overrides(budget_named(args.budget), instances=args.instances, restarts=args.restarts)
    power = _power_settings(args)
    theorems = chosen_theorems(args.ids, args.file, args.variants)
    header = ("id", "expectation", "verdict", "ok", "instances", "restarts", "candidates", "seconds")
    widths = [max(len(t.id) for t in theorems), 17, 12, 3, 9, 8, 10, 7]
    report_records = _start_report(args.report)
    print(f"budget {budget.name}, seed {args.seed}, device {device}", file=out)
    print(_row(header, widths), file=out, flush=True)
    results = []
    for theorem in theorems:
        bars = ProgressBars(theorem.id, enabled=not args.quiet)
        try:
            result = verify(theorem, budget, args.seed, device, certificates=args.certificates, progress=bars, power=power)
        finally:
            bars.close()
        results.append(result)
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
    print(f"\n{len(results) - len(failed)} of {len(results)} verdicts as expected" + (f"; unexpected: {', '.join(failed)}" if failed else ""), file=out)
    if report_records is not None:
        from landscape.reports import write_report

        index, _ = write_report([report_records], args.report)
        print(f"report: {index}", file=out)
    return 0 if not failed else 1


def _power_settings(args: argparse.Namespace):  # -> PowerSettings | None
    """The power run asked for by ``--power`` / ``--power-plants`` / ``--power-location``, or None."""
    from landscape.power import PLANTS_PER_RADIUS, PowerSettings

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

    from landscape.bench import QUICK_SIZES, BenchSettings, format_figures, run_bench

    settings = BenchSettings(device=resolve_device(args.device), dtype=getattr(torch, args.dtype))
    if args.quick:
        settings.sizes, settings.steps, settings.hessian_batch, settings.hessian_loop_points = QUICK_SIZES, 5, 64, 4
    figures = run_bench(settings, progress=lambda message: print(f"measuring {message} ...", file=sys.stderr, flush=True))
    print(format_figures(figures), file=out)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1, allow_nan=False) + "\n")
    return 0


def _start_report(folder: Path | None) -> Path | None:
    """``DIR/results.jsonl``, emptied: this run's records are appended to it as they finish."""
    if folder is None:
        return None
    from landscape.reports.html import RESULTS_NAME

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RESULTS_NAME).write_text("")
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
    if getattr(args, "power", None) is not None:
        parts += ["--power" if args.power == "claim" else f"--power {args.power}"]
    return " ".join(parts)


def command_replay(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.oracles.certificates import replay  # replay registers every family itself

    outcome = replay(args.file)
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
