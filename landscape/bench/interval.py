"""Interval figures for ``landscape bench``: the ball-arithmetic backend and the cost of a proof.

* ``interval_backend_speedup``: python-flint (Arb balls) over mpmath's ``iv`` context on the same
  work: a chain of scalar multiply-adds, and an interval matrix product of the catalogue's sizes.
  It is why the interval level is built on python-flint.
* ``interval_proof_seconds``: one complete proof (existence, class, sub-optimality) on the
  catalogue's small witnesses: the tilted-sine net's strict minimum (P = 3), the sigmoid net's
  Morse-Bott minimum (P = 6) and the single neuron's critical line (P = 2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from flint import arb, arb_mat

from landscape.oracles.interval.proofs import prove
from landscape.landscapes.mlp import MLP
from landscape.landscapes.networks import SigmoidNet, SingleNeuron

SCALAR_OPERATIONS = 4000
MATRIX_SIZE = 24  # mpmath's iv product is pure Python: 64 x 64 takes seconds, this keeps the bench short


def _seconds(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def backend_speedup() -> dict[str, float]:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(64).tolist()
    balls = [arb(v, 1e-12) for v in values]
    intervals = [mpmath.iv.mpf([v - 1e-12, v + 1e-12]) for v in values]

    def chain(items: list[Any], zero: Any) -> Callable[[], Any]:
        def run() -> Any:
            total = zero
            for i in range(SCALAR_OPERATIONS):
                total = total + items[i % 64] * items[(i + 1) % 64]
            return total
        return run

    matrix = rng.standard_normal((MATRIX_SIZE, MATRIX_SIZE)).tolist()
    a, b = arb_mat(matrix), arb_mat(matrix)
    ia, ib = mpmath.iv.matrix(matrix), mpmath.iv.matrix(matrix)
    return {
        "scalar_multiply_add": _seconds(chain(intervals, mpmath.iv.mpf(0))) / _seconds(chain(balls, arb(0))),
        f"matrix_product_{MATRIX_SIZE}": _seconds(lambda: ia * ib) / max(_seconds(lambda: a * b), 1e-9),
    }


def proof_seconds() -> dict[str, float]:
    narrow = MLP((1, 1, 1), "tilted-sine", [[0.0, 0.25]], [[-0.5707963267948966, 2.5707963267948966]])
    sigmoid = SigmoidNet(3, [[0.0, 0.5, 1.0]], [0.7037835935850543, -0.15132531284751627, 1.3382028436600266])
    neuron = SingleNeuron("negative-shifted-square", 1.0, 1.0)
    cases = {
        "mlp tilted-sine strict minimum (P=3)": (narrow, [-25.132741228718345, 4.188790204786391, -1.0], "strict-minimum"),
        "sigmoid-net Morse-Bott minimum (P=6)": (sigmoid, [1.3238135928330654] * 3 + [1 / 3] * 3, "morse-bott-minimum"),
        "single-neuron critical line (P=2)": (neuron, [1.0, 1.0], "morse-bott-minimum"),
    }
    out = {}
    for name, (landscape, point, claim) in cases.items():
        prove(landscape, np.asarray(point), claim)  # the first call pays torch's one-off set-up
        out[name] = _seconds(lambda: prove(landscape, np.asarray(point), claim))
    return out


def interval_figures() -> dict[str, Any]:
    return {"interval_backend_speedup": backend_speedup(), "interval_proof_seconds": proof_seconds()}


def format_interval(figures: dict[str, Any]) -> list[str]:
    speed = figures["interval_backend_speedup"]
    lines = ["interval_backend_speedup (python-flint Arb balls over mpmath iv, same work): "
             + ", ".join(f"{k}: {v:,.0f}x" for k, v in speed.items())]
    lines.append("interval_proof_seconds (existence + class, one certificate): "
                 + ", ".join(f"{k}: {v:.3f}s" for k, v in figures["interval_proof_seconds"].items()))
    return lines
