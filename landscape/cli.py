"""The ``landscape`` command: list, verify, replay.

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


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return command_list(args, out)
        if args.command == "verify":
            return command_verify(args, out)
        return command_replay(args, out)
    except LandscapeError as exc:
        print(f"landscape: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("landscape: interrupted; records already written are kept", file=sys.stderr)
        return 130


def command_list(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.theorems import REGISTRY

    theorems = list(REGISTRY) if args.variants else REGISTRY.catalogue()
    rows = [(t.id, t.expectation.value if not t.is_variant else f"refute ({t.falsifies})", t.source, t.title) for t in theorems]
    _table(("id", "expectation", "source", "title"), rows, out)
    return 0


def command_verify(args: argparse.Namespace, out: TextIO) -> int:
    from landscape.budget import budget_named
    from landscape.reports.records import append_record
    from landscape.runner import verify
    from landscape.theorems import REGISTRY

    device = resolve_device(args.device)
    budget = budget_named(args.budget)
    theorems = [REGISTRY.get(i) for i in args.ids] if args.ids else REGISTRY.catalogue()
    if args.variants:
        theorems += [v for v in REGISTRY.variants() if v not in theorems]
    header = ("id", "expectation", "verdict", "ok", "instances", "restarts", "candidates", "seconds")
    widths = [max(len(t.id) for t in theorems), 17, 12, 3, 9, 8, 10, 7]
    print(f"budget {budget.name}, seed {args.seed}, device {device}", file=out)
    print(_row(header, widths), file=out, flush=True)
    results = []
    for theorem in theorems:
        result = verify(theorem, budget, args.seed, device, certificates=args.certificates)
        results.append(result)
        if args.json is not None:
            append_record(args.json, result)
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
        print(line, file=out)
    failed = [r.theorem_id for r in results if not r.matches]
    print(f"\n{len(results) - len(failed)} of {len(results)} verdicts as expected" + (f"; unexpected: {', '.join(failed)}" if failed else ""), file=out)
    return 0 if not failed else 1


def command_replay(args: argparse.Namespace, out: TextIO) -> int:
    import landscape.theorems  # noqa: F401  (registers every family's landscapes and checks)
    from landscape.oracles.certificates import replay

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
