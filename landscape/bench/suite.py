"""``landscape bench``: the search engine's speed, measured, never asserted.

Every figure is a ratio of two timings taken in the same run on the same device:

* ``search_speedup_vs_loop``: batched start-steps per second of the search's descent (GD with
  per-start Armijo steps, in the engine's cache-sized chunks) over a per-start Python loop of the same optimiser with plain autograd,
  at several batch sizes B, for a depth-3 linear network (widths 8-8-8-4, n = 64, covariance
  form, analytic gradient) and a two-layer sigmoid network (8 inputs, 16 hidden units, n = 64).
* ``hessian_speedup_vs_loop``: batched exact Hessians + eigenvalues at B points over a loop of
  ``torch.autograd.functional.hessian`` + ``eigvalsh``.
* ``search_flop_fraction``: FLOP/s of the batched linear search (FLOPs counted by
  ``torch.utils.flop_counter``) over the dense matmul FLOP/s of the same device and dtype,
  measured in the same run.
* ``top_eig_speedup_vs_power_iteration``: our route to the top Hessian eigenvalue of one small
  model (exact Hessian + ``eigvalsh`` when P is small, else Lanczos) over Hessian-vector-product
  power iteration as PyHessian does it (at most 100 iterations, relative tolerance 1e-3).
* ``interval_backend_speedup`` and ``interval_proof_seconds``: see :mod:`landscape.bench.interval`.
* ``kernel_threads``: the intra-op threads each kernel figure ran with, as the harness's thread
  policy (:mod:`landscape.threads`) chose them for its size.
* ``scipy_lbfgs_peer``: SciPy's L-BFGS-B per start against the harness's batched L-BFGS on the
  same landscapes and stopping rule (:mod:`landscape.bench.peer`).
* ``catalogue_wall_seconds`` and ``pytest_wall_seconds``: whole runs under each thread policy
  (:mod:`landscape.bench.runs`).

Loops are timed on a few starts and converted to a rate, so the bench stays within minutes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.bench.peer import format_peer, peer_cases, peer_figures
from landscape.bench.runs import catalogue_figures, format_end_to_end, pytest_figures
from landscape.generators.data import regression_data
from landscape.bench.interval import format_interval, interval_figures
from landscape.landscapes.base import Landscape
from landscape.landscapes.deep_linear import DeepLinear
from landscape.searching.critical_points import chunk_size, descend_in_chunks
from landscape.searching.spectrum import lanczos_extremes, power_iteration_top
from landscape.threads import active_policy

FULL_SIZES = (64, 1024, 16384)
QUICK_SIZES = (16, 64, 256)
QUICK_END_TO_END_IDS = ("toy-vw-no-bad-min", "relu-spurious-local-min")  # a cheap theorem and the one the policy matters most for


class TwoLayerSigmoid(Landscape):
    """x -> v^T sigmoid(W x + b), squared loss over n samples: the bench's nonlinear model."""

    family = "bench-two-layer-sigmoid"

    def __init__(self, inputs: int, hidden: int, samples: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.x = torch.as_tensor(rng.standard_normal((inputs, samples)))
        self.y = torch.as_tensor(rng.standard_normal((1, samples)))
        self.inputs, self.hidden = inputs, hidden
        self.n_params = hidden * inputs + 2 * hidden

    def loss(self, theta: Tensor) -> Tensor:
        x, y = self.x.to(theta.device, theta.dtype), self.y.to(theta.device, theta.dtype)
        w_end = self.hidden * self.inputs
        w = theta[:, :w_end].reshape(-1, self.hidden, self.inputs)
        b = theta[:, w_end : w_end + self.hidden].unsqueeze(-1)
        v = theta[:, w_end + self.hidden :].unsqueeze(1)
        return ((v @ torch.sigmoid(w @ x + b) - y) ** 2).mean((-1, -2))

    def loss_scale(self) -> float:
        return float((self.y**2).mean())

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "inputs": self.inputs, "hidden": self.hidden}


def bench_models() -> dict[str, Landscape]:
    data = regression_data(8, 4, 64, seed=0)
    return {
        "linear (8-8-8-4, n=64)": DeepLinear((8, 8, 8, 4), data.x, data.y),
        "sigmoid (8-16-1, n=64)": TwoLayerSigmoid(8, 16, 64),
    }


def _seconds(function: Callable[[], Any], repeats: int = 1) -> float:
    function()  # warm-up: first-call overheads are not the engine's speed
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / repeats


def _loop_rate(landscape: Landscape, steps: int, starts: int, dtype: torch.dtype) -> float:
    """Start-steps per second of the same Armijo GD, one start at a time, plain autograd."""
    generator = torch.Generator().manual_seed(1)
    points = landscape.random_points(starts, generator).to(dtype)

    def run() -> None:
        for row in points:
            theta = row.clone().requires_grad_(True)
            step = 1e-2
            loss = landscape.loss(theta[None])[0]
            for _ in range(steps):
                (grad,) = torch.autograd.grad(loss, theta)
                with torch.no_grad():
                    trial = theta - step * grad
                    trial_loss = landscape.loss(trial[None])[0]
                    if trial_loss <= loss - 1e-4 * step * grad.dot(grad):
                        theta, step = trial.requires_grad_(True), step * 1.5
                    else:
                        step *= 0.5
                loss = landscape.loss(theta[None])[0]

    return starts * steps / _seconds(run)


def _batched_rate(landscape: Landscape, batch: int, steps: int, device: str, dtype: torch.dtype) -> float:
    generator = torch.Generator().manual_seed(1)
    start = landscape.random_points(batch, generator).to(device=device, dtype=dtype)
    chunk = chunk_size(landscape.n_params, start.element_size())
    return batch * steps / _seconds(lambda: descend_in_chunks(landscape, start, steps, chunk))


def _matmul_flops(device: str, dtype: torch.dtype, size: int = 1024) -> float:
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    return 2 * size**3 / _seconds(lambda: a @ b, repeats=3)


def _search_flops(landscape: Landscape, batch: int, steps: int, device: str, dtype: torch.dtype) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    start = landscape.random_points(batch, torch.Generator().manual_seed(2)).to(device=device, dtype=dtype)
    chunk = chunk_size(landscape.n_params, start.element_size())
    counter = FlopCounterMode(display=False)
    with counter:
        descend_in_chunks(landscape, start, steps, chunk)
    return counter.get_total_flops() / _seconds(lambda: descend_in_chunks(landscape, start, steps, chunk))


def _hessian_speedup(landscape: Landscape, batch: int, loop_points: int) -> float:
    points = landscape.random_points(batch, torch.Generator().manual_seed(3))
    batched = _seconds(lambda: torch.linalg.eigvalsh(landscape.hessian(points)))

    def loop() -> None:
        for row in points[:loop_points]:
            torch.linalg.eigvalsh(torch.autograd.functional.hessian(lambda t: landscape.loss(t[None])[0], row))

    per_point = _seconds(loop) / loop_points
    return per_point * batch / batched


def _top_eig(landscape: Landscape) -> dict[str, float]:
    """Both routes compute the dominant eigenvalue (largest in magnitude, signed), which is what
    power iteration converges to."""
    point = landscape.random_points(1, torch.Generator().manual_seed(4))

    def ours() -> float:
        if landscape.n_params <= 2000:
            values = torch.linalg.eigvalsh(landscape.hessian(point))[0]
        else:
            low, high = lanczos_extremes(
                lambda v: landscape.hessian_vector_products(point, v), 1, landscape.n_params, 40,
                torch.Generator().manual_seed(5),
            )
            values = torch.cat([low, high])
        return float(values[values.abs().argmax()])

    def power() -> float:
        return power_iteration_top(lambda v: landscape.hessian_vector_products(point, v), landscape.n_params, torch.Generator().manual_seed(5))[0]

    speedup = _seconds(power) / _seconds(ours)
    return {"speedup": speedup, "ours": ours(), "power_iteration": power()}


@dataclass(slots=True)
class BenchSettings:
    sizes: tuple[int, ...] = FULL_SIZES
    steps: int = 20
    loop_starts: int = 4
    hessian_batch: int = 1024
    hessian_loop_points: int = 16
    device: str = "cpu"
    dtype: torch.dtype = torch.float64
    peer: bool = True
    peer_relu_sizes: tuple[int, ...] = (8, 16)
    peer_harness_starts: int = 256
    peer_starts: int = 16
    end_to_end: bool = True
    end_to_end_ids: tuple[str, ...] = ()  # empty: the whole catalogue
    pytest_selection: str | None = None  # a -k expression; None: every catalogue test


def run_bench(settings: BenchSettings, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Measure every figure of the module docstring; returns a JSON-serialisable dict."""
    models = bench_models()
    figures: dict[str, Any] = {
        "device": settings.device,
        "dtype": str(settings.dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "steps_per_timing": settings.steps,
        "search_speedup_vs_loop": {},
        "batched_start_steps_per_second": {},
        "loop_start_steps_per_second": {},
    }
    for name, landscape in models.items():
        progress(f"loop baseline: {name}")
        loop = _loop_rate(landscape, settings.steps, settings.loop_starts, settings.dtype)
        figures["loop_start_steps_per_second"][name] = loop
        figures["search_speedup_vs_loop"][name] = {}
        figures["batched_start_steps_per_second"][name] = {}
        for batch in settings.sizes:
            progress(f"batched search: {name}, B = {batch}")
            rate = _batched_rate(landscape, batch, settings.steps, settings.device, settings.dtype)
            figures["batched_start_steps_per_second"][name][str(batch)] = rate
            figures["search_speedup_vs_loop"][name][str(batch)] = rate / loop
    progress("exact Hessians")
    figures["hessian_speedup_vs_loop"] = {
        name: _hessian_speedup(landscape, settings.hessian_batch, settings.hessian_loop_points)
        for name, landscape in models.items()
    }
    figures["hessian_batch"] = settings.hessian_batch
    progress("FLOP fraction")
    linear = models["linear (8-8-8-4, n=64)"]
    peak = _matmul_flops(settings.device, settings.dtype)
    achieved = _search_flops(linear, max(settings.sizes), settings.steps, settings.device, settings.dtype)
    figures["matmul_flops_per_second"] = peak
    figures["search_flops_per_second"] = achieved
    figures["search_flop_fraction"] = achieved / peak
    progress("top eigenvalue")
    figures["top_eig_speedup_vs_power_iteration"] = _top_eig(models["sigmoid (8-16-1, n=64)"])
    progress("interval proofs")
    figures.update(interval_figures())
    figures["kernel_threads"] = _kernel_threads(models, settings)
    if settings.peer:
        progress("SciPy L-BFGS-B peer")
        cases = peer_cases(settings.peer_relu_sizes, models["linear (8-8-8-4, n=64)"], models["sigmoid (8-16-1, n=64)"])
        figures["scipy_lbfgs_peer"] = peer_figures(cases, settings.peer_harness_starts, settings.peer_starts, settings.device)
    if settings.end_to_end:
        progress("quick catalogue under each thread policy")
        figures["catalogue_wall_seconds"] = catalogue_figures(settings.end_to_end_ids)
        progress("pytest over the catalogue tests, serial and -n auto")
        figures["pytest_wall_seconds"] = pytest_figures(settings.pytest_selection)
    return figures


def _kernel_threads(models: dict[str, Landscape], settings: BenchSettings) -> dict[str, Any]:
    """Threads the policy in force gave each kernel figure (the search's by chunk size)."""
    policy = active_policy()
    search = {}
    for name, landscape in models.items():
        chunk = chunk_size(landscape.n_params, torch.tensor([], dtype=settings.dtype).element_size())
        search[name] = {str(b): policy.for_elements(min(b, chunk) * landscape.n_params) for b in settings.sizes}
    return {"policy": policy.source, "search": search, "loop": policy.small, "hessian": policy.small,
            "flop_fraction": search["linear (8-8-8-4, n=64)"][str(max(settings.sizes))]}


def format_figures(figures: dict[str, Any]) -> str:
    """The table ``landscape bench`` prints."""
    threads = figures["kernel_threads"]
    lines = [f"device {figures['device']} ({figures['dtype']}), torch {figures['torch']}, thread policy {threads['policy']}"]
    lines.append(f"search_speedup_vs_loop (batched start-steps/s over a per-start autograd loop of the same optimiser, loop on {threads['loop']} thread(s)):")
    for name, by_size in figures["search_speedup_vs_loop"].items():
        cells = ", ".join(f"B={b}: {v:,.1f}x ({threads['search'][name][b]} thr)" for b, v in by_size.items())
        lines.append(f"  {name}: {cells}")
    lines.append(f"hessian_speedup_vs_loop (B={figures['hessian_batch']}, exact Hessian + eigenvalues, {threads['hessian']} thread(s)):")
    for name, value in figures["hessian_speedup_vs_loop"].items():
        lines.append(f"  {name}: {value:,.1f}x")
    lines.append(
        f"search_flop_fraction ({threads['flop_fraction']} thread(s)): {figures['search_flop_fraction']:.3f} "
        f"({figures['search_flops_per_second'] / 1e9:.2f} GFLOP/s of {figures['matmul_flops_per_second'] / 1e9:.2f} GFLOP/s dense matmul)"
    )
    top = figures["top_eig_speedup_vs_power_iteration"]
    lines.append(
        f"top_eig_speedup_vs_power_iteration: {top['speedup']:,.1f}x (ours {top['ours']:.6g}, power iteration {top['power_iteration']:.6g})"
    )
    lines += format_interval(figures)
    if "scipy_lbfgs_peer" in figures:
        lines += format_peer(figures["scipy_lbfgs_peer"])
    lines += format_end_to_end(figures)
    return "\n".join(lines)
