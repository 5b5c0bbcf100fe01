"""The package's layers: the import-linter contracts of pyproject.toml, and no import cycle at all.

Function-local imports count: grimp, which import-linter builds on, reads every import statement
of a module, not only the top-level ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_layer_contracts_hold():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import graph's strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_takes_part_in_an_import_cycle():
    assert strongly_connected(grimp.build_graph("landscape")) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: two modules importing each other (inside functions) are found."""
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]


@pytest.fixture(scope="module")
def catalogue_certificate(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("certificates")
    done = subprocess.run(
        [sys.executable, "-m", "landscape.cli", "verify", "--quiet", "--certificates", str(folder), "variant-lemma-1-1-pseudo-inverse"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return next(folder.glob("*.json"))


def test_replay_imports_the_module_a_check_names_and_never_the_catalogue(catalogue_certificate):
    data = json.loads(catalogue_certificate.read_text())
    named = {entry["module"] for entry in data["checks"]}
    assert "landscape.theorems.linear_identities" in named  # a family's own check, in its family's module
    program = (
        "import json, sys\n"
        "from landscape.certificates.replay import replay\n"
        f"outcome = replay({str(catalogue_certificate)!r})\n"
        "print(json.dumps({'passed': outcome.passed, 'modules': sorted(m for m in sys.modules if m.startswith('landscape.'))}))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["passed"]
    assert named <= set(seen["modules"])
    assert "landscape.theorems.catalogue" not in seen["modules"] and "landscape.engine.runner" not in seen["modules"]
