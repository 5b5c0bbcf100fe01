"""A user claim on a wide MLP of 20,865 parameters (32-128-128-1, tanh) on 16 samples: every local
minimum of the squared loss is global.

Above 2,048 parameters the harness forms no P x P Hessian (refinement by conjugate gradients on
Hessian-vector products, classification by Lanczos), so this runs on the quick budget in bounded
memory: `landscape verify --file docs/examples/wide_mlp.py`.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import api


@api.builder
def wide_mlp(seed: int, samples: int = 16) -> api.Landscape:
    torch.manual_seed(seed)
    module = torch.nn.Sequential(
        torch.nn.Linear(32, 128), torch.nn.Tanh(), torch.nn.Linear(128, 128), torch.nn.Tanh(), torch.nn.Linear(128, 1)
    )
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, 32))
    y = np.sin(x[:, :1])
    return api.from_module(module, x, y, optimum=0.0)


WIDE_MLP_NO_SPURIOUS_MINIMA = api.Theorem(
    id="wide-mlp-no-spurious-minima",
    title="A wide tanh MLP on fewer samples than its width has no spurious local minimum",
    source="user claim",
    statement="Every local minimum of the squared loss of a 32-128-128-1 tanh MLP on 16 samples is global.",
    expectation=api.Expectation.HOLDS,
    instances=lambda: st.integers(0, 2**16).map(wide_mlp),
    check=api.forbid(api.PointClass.LOCAL_MINIMUM),
)
