"""``landscape bench --scaling``: the quick catalogue on ``local:1`` against ``local:2``, one run.

Figures (measured, never asserted):

* ``seconds``: wall-clock time of the whole set of tasks on each cluster, from the first
  submission to the last result, the workers already started and the harness imported on
  them (start-up is not the engine's speed);
* ``ratio``: ``seconds[local:1] / seconds[local:2]``, the speed-up of a second worker process;
* ``task_seconds``: each theorem's time inside its task on ``local:1`` (``VerificationResult.seconds``);
* ``simulated``: the makespan on W workers of those measured task times, scheduled greedily
  longest first (LPT, within 4/3 of the optimum; Graham 1969), for W in :data:`SIMULATED_WORKERS`,
  with the critical path: the tasks are independent, so no schedule beats the longest task;
* ``same_verdicts``: whether both runs gave every theorem the same verdict and message.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from typing import Any

from landscape.theorems.budget import Budget
from landscape.engine.cluster import Cluster, verify_on_cluster
from landscape.theorems.model import Theorem

COMPARED_WORKERS = (1, 2)
SIMULATED_WORKERS = (1, 2, 8, 100)
QUICK_SCALING_IDS = (  # a handful of quick theorems, for smoke tests of the bench itself
    "deep-linear-degenerate-saddle-at-zero", "sigmoid-wide-no-bad-min-claim", "mf-weight-decay-global-certificate",
    "omega-properties",
)


def _import_harness() -> int:
    """Run on each worker before timing: the first task would otherwise pay for importing torch."""
    import landscape.engine.runner
    import landscape.theorems.catalogue  # noqa: F401  (the whole catalogue, as a task will need it)

    return 0


def lpt_makespan(task_seconds: Sequence[float], workers: int) -> float:
    """Makespan of longest-processing-time-first list scheduling of independent tasks."""
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for seconds in sorted(task_seconds, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + seconds)
    return max(loads)


def scaling_figures(
    theorems: Sequence[Theorem], budget: Budget, seed: int = 0,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Run ``theorems`` on ``local:1`` and on ``local:2`` and compare (see the module docstring)."""
    seconds: dict[str, float] = {}
    verdicts: dict[str, list[tuple[str, str, str]]] = {}
    task_seconds: dict[str, float] = {}
    for workers in COMPARED_WORKERS:
        name = f"local:{workers}"
        progress(f"{len(theorems)} theorems on {name}")
        with Cluster(name) as cluster:
            cluster.client.wait_for_workers(workers)
            cluster.client.run(_import_harness)
            started = time.perf_counter()
            results = verify_on_cluster(cluster, theorems, budget, seed, "cpu")
            seconds[name] = time.perf_counter() - started
        verdicts[name] = [(r.theorem_id, r.verdict.value, r.message) for r in results]
        if workers == 1:
            task_seconds = {r.theorem_id: r.seconds for r in results}
    longest = max(task_seconds, key=task_seconds.__getitem__)
    return {
        "budget": budget.name,
        "theorems": len(theorems),
        "seconds": seconds,
        "ratio": seconds["local:1"] / seconds["local:2"],
        "same_verdicts": verdicts["local:1"] == verdicts["local:2"],
        "task_seconds": task_seconds,
        "simulated": {
            "makespan_seconds": {str(w): lpt_makespan(list(task_seconds.values()), w) for w in SIMULATED_WORKERS},
            "critical_path_seconds": task_seconds[longest],
            "critical_path_theorem": longest,
            "total_task_seconds": sum(task_seconds.values()),
        },
    }


def format_scaling(figures: dict[str, Any]) -> str:
    simulated = figures["simulated"]
    lines = [
        f"cluster scaling, {figures['theorems']} theorems on the {figures['budget']} budget, one task per theorem:",
        "  " + ", ".join(f"{name}: {value:.1f} s" for name, value in figures["seconds"].items())
        + f"; local:1 / local:2 = {figures['ratio']:.2f}x; same verdicts: {'yes' if figures['same_verdicts'] else 'NO'}",
        f"  measured task times sum to {simulated['total_task_seconds']:.1f} s; the longest task "
        f"({simulated['critical_path_theorem']}, {simulated['critical_path_seconds']:.1f} s) is the critical path",
        "  simulated makespan (LPT over the measured task times): "
        + ", ".join(f"{w} workers {s:.1f} s" for w, s in simulated["makespan_seconds"].items()),
    ]
    return "\n".join(lines)
