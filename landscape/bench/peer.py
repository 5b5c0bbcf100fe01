r"""The peer a researcher would write instead of the harness: SciPy's L-BFGS-B, one start at a time.

For each landscape the same Xavier (or the landscape's own) starts are minimised twice, under the
same stopping rule (L-BFGS-B's, gradient tolerance :data:`PEER_GTOL`, default ``ftol``, at most
:data:`PEER_MAX_ITERATIONS` iterations):

* the peer: ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` per start, with the loss and
  gradient in closed form in NumPy for the ReLU population loss (the 40-line script of a
  researcher), and through the landscape's own float64 loss and gradient one start at a time for
  the linear and sigmoid nets;
* the harness: all starts as one batch, :func:`landscape.searching.lbfgs.lbfgs`.

The figure is ``peer seconds per converged start / harness seconds per converged start``, in
wall-clock seconds (the target's measure) and in the calling thread's CPU seconds: on a machine
shared with other work the two sides run at different moments under different load, and CPU
seconds leave out the time the thread waited for a core.  Both sides compute on that one thread
(the harness's batch is below the thread policy's large size); the CPU figure is left out when
torch may use more threads, or runs on CUDA, where the thread's seconds would not count all the
work.  The thread's and not the process's: an OpenMP worker still spinning after an earlier
multi-threaded kernel would otherwise be counted against whichever side ran next.  Certification (the float64 batched second-order classification of every end point) is timed
separately and not part of the ratio.  The peer is timed on fewer starts than the harness and
converted to a rate, so the bench stays within minutes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.oracles.classify import classify_batch
from landscape.landscapes.base import Landscape
from landscape.searching.lbfgs import lbfgs
from landscape.landscapes.networks import ReluTeacher
from landscape.engine.sweep import loss_and_gradient as relu_loss_and_gradient

PEER_GTOL = 1e-10  # the researcher's gradient tolerance (max_i |g_i|, SciPy's gtol)
PEER_MAX_ITERATIONS = 15_000  # L-BFGS-B's default maxiter
# The harness's search should beat the per-start SciPy loop by these factors on the ReLU
# population loss at k >= TARGET_MIN_K (per converged start).
TARGET_RATIO = {"cpu": 5.0, "cuda": 50.0}
TARGET_MIN_K = 10


def numpy_relu_loss_and_gradient(w: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """The ReLU student-teacher population loss (teacher I_k) and its gradient, closed form, NumPy."""
    w = w.reshape(-1, k)
    norms = np.linalg.norm(w, axis=1)
    cos = np.clip((w @ w.T) / np.outer(norms, norms), -1.0 + 1e-12, 1.0 - 1e-12)
    angle = np.arccos(cos)
    sin = np.sqrt(1.0 - cos**2)
    cos_t = np.clip(w / norms[:, None], -1.0 + 1e-12, 1.0 - 1e-12)
    angle_t = np.arccos(cos_t)
    sin_t = np.sqrt(1.0 - cos_t**2)
    pair = np.outer(norms, norms) * (sin + (np.pi - angle) * cos)
    cross = norms[:, None] * (sin_t + (np.pi - angle_t) * cos_t)
    loss = (0.5 * pair.sum() - cross.sum() + 0.5 * k * (np.pi + k - 1)) / (2 * np.pi)
    grad_pair = (sin * norms[None, :]).sum(1)[:, None] * w / norms[:, None] + (np.pi - angle) @ w
    grad_cross = sin_t.sum(1)[:, None] * w / norms[:, None] + (np.pi - angle_t)
    return float(loss), ((grad_pair - grad_cross) / (2 * np.pi)).reshape(-1)


@dataclass(slots=True)
class PeerCase:
    """One landscape of the comparison and how its loss is handed to each side (``relu_k``: the
    ReLU sizes the speed target applies to)."""

    name: str
    landscape: Landscape
    harness_loss_and_gradient: Any
    peer_loss_and_gradient: Any
    peer_backend: str
    relu_k: int | None = None


def peer_cases(relu_sizes: tuple[int, ...], linear: Landscape, sigmoid: Landscape) -> list[PeerCase]:
    cases = []
    for k in relu_sizes:
        cases.append(PeerCase(
            f"relu population loss (k = n = {k})", ReluTeacher(k, k),
            lambda theta, k=k: relu_loss_and_gradient(theta, k, k),
            lambda x, k=k: numpy_relu_loss_and_gradient(x, k), "numpy closed form", k,
        ))
    for name, landscape in (("linear (8-8-8-4, n=64)", linear), ("sigmoid (8-16-1, n=64)", sigmoid)):
        cases.append(PeerCase(name, landscape, lambda theta, l=landscape: (l.loss(theta), l.gradient(theta)),
                              _single_start(landscape), "the landscape's torch loss and gradient, one start per call"))
    return cases


def _single_start(landscape: Landscape) -> Any:
    def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
        theta = torch.as_tensor(x, dtype=torch.float64)[None]
        return float(landscape.loss(theta)[0]), landscape.gradient(theta)[0].numpy().astype(np.float64)

    return evaluate


def _peer(case: PeerCase, starts: Tensor) -> dict[str, float]:
    from scipy.optimize import minimize

    converged, iterations = 0, 0
    started, cpu_started = time.perf_counter(), time.thread_time()
    for row in starts.numpy():
        outcome = minimize(case.peer_loss_and_gradient, row, jac=True, method="L-BFGS-B",
                           options={"gtol": PEER_GTOL, "maxiter": PEER_MAX_ITERATIONS})
        converged += bool(outcome.success)
        iterations += int(outcome.nit)
    seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu_started
    return {"starts": len(starts), "converged": converged, "seconds": seconds, "cpu_seconds": cpu_seconds, "iterations": iterations,
            "seconds_per_converged_start": seconds / max(converged, 1), "cpu_seconds_per_converged_start": cpu_seconds / max(converged, 1)}


def _harness(case: PeerCase, starts: Tensor, device: str) -> dict[str, float]:
    start = starts.to(device)
    lbfgs(case.harness_loss_and_gradient, start[: min(8, len(start))], 5, PEER_GTOL)  # warm-up
    started, cpu_started = time.perf_counter(), time.thread_time()
    result = lbfgs(case.harness_loss_and_gradient, start, PEER_MAX_ITERATIONS, PEER_GTOL)
    if device == "cuda":
        torch.cuda.synchronize()
    search, cpu_search = time.perf_counter() - started, time.thread_time() - cpu_started
    converged = int(result.converged.sum())
    started = time.perf_counter()
    classify_batch(case.landscape, result.points.cpu().numpy(), None, probe_directions=4)
    certification = time.perf_counter() - started
    return {"starts": len(starts), "converged": converged, "search_seconds": search, "certification_seconds": certification,
            "cpu_search_seconds": cpu_search, "iterations": int(result.iterations.sum()),
            "seconds_per_converged_start": search / max(converged, 1), "cpu_seconds_per_converged_start": cpu_search / max(converged, 1),
            "certification_seconds_per_start": certification / len(starts)}


def peer_figures(cases: list[PeerCase], harness_starts: int, peer_starts: int, device: str) -> dict[str, Any]:
    """The comparison of the module docstring, per case."""
    figures: dict[str, Any] = {"gtol": PEER_GTOL, "rule": "L-BFGS-B's (gtol on max |g_i|, default ftol)", "cases": {}}
    for case in cases:
        starts = case.landscape.random_points(harness_starts, torch.Generator().manual_seed(11))
        harness = _harness(case, starts, device)
        peer = _peer(case, starts[:peer_starts])
        one_thread = device == "cpu" and torch.get_num_threads() == 1  # the module docstring's condition
        ratio = peer["seconds_per_converged_start"] / harness["seconds_per_converged_start"]
        cpu_ratio = peer["cpu_seconds_per_converged_start"] / max(harness["cpu_seconds_per_converged_start"], 1e-12)
        figures["cases"][case.name] = {
            "parameters": case.landscape.n_params, "peer_backend": case.peer_backend, "harness": harness, "peer": peer,
            "peer_over_harness_per_converged_start": ratio if math.isfinite(ratio) else None,
            "peer_over_harness_cpu_per_converged_start": cpu_ratio if one_thread and math.isfinite(cpu_ratio) else None,
        }
        if case.relu_k is not None and case.relu_k >= TARGET_MIN_K:
            target = TARGET_RATIO.get(device, TARGET_RATIO["cpu"])
            figures["cases"][case.name]["target"] = {"ratio": target, "met": bool(ratio >= target)}
    return figures


def format_peer(figures: dict[str, Any]) -> list[str]:
    lines = [f"scipy_lbfgs_peer (seconds per converged start, SciPy L-BFGS-B per start over the harness's batched L-BFGS; {figures['rule']}, gtol {figures['gtol']:g}):"]
    for name, case in figures["cases"].items():
        harness, peer = case["harness"], case["peer"]
        target = case.get("target")
        met = "" if target is None else f" [target {target['ratio']:g}x: {'met' if target['met'] else 'missed'}]"
        cpu = case["peer_over_harness_cpu_per_converged_start"]
        met += "" if cpu is None else f", CPU seconds {cpu:,.1f}x"
        lines.append(
            f"  {name}: {case['peer_over_harness_per_converged_start']:,.1f}x{met}  (harness {1e3 * harness['seconds_per_converged_start']:.2f} ms, "
            f"{harness['converged']}/{harness['starts']} converged, certification {1e3 * harness['certification_seconds_per_start']:.2f} ms/start; "
            f"peer {1e3 * peer['seconds_per_converged_start']:.2f} ms, {peer['converged']}/{peer['starts']} converged, {case['peer_backend']})"
        )
    return lines
