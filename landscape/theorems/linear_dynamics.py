r"""Gradient descent on deep linear networks (seed 000: Arora, Cohen, Golowich, Hu 2018; Bartlett et al. 2018).

Whitened data make the loss ``||W_N ... W_1 - Phi||_F^2`` (X = sqrt(d_0) I, Y = sqrt(d_0) Phi, so
S_xx = I and S_yx = Phi): twice Arora et al.'s l(W) = 1/2 ||W_{N:1} - Phi||^2, so GD on F with
step eta is GD on l with step 2 eta.  Theorems: ``deep-linear-gd-linear-rate`` and
``linear-residual-identity-init``.

Rate (Arora et al. Thm 1): no bottleneck, a balanced initialisation (delta = 0), a deficiency
margin c > 0 (||W_{N:1}(0) - Phi||_F <= sigma_min(Phi) - c) and a step
eta_l <= c^{(4N-2)/N} / (6144 N^3 ||Phi||_F^{(6N-4)/N}) give l(t) <= l(0) exp(-eta_l c^{2(N-1)/N} t);
in our units F_t <= F_0 exp(-2 eta c^{2(N-1)/N} t) with eta = eta_l / 2.  The property runs GD at
exactly that step and checks the inequality at every step of a finite horizon.  The step is
tiny, so the horizon sees the start of the convergence only; the variants are built so that the
failure shows there (a slow mode from the first step), far below the stability edge.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from typing import Any

from landscape.theorems.budget import BUDGETS
from landscape.certificates.registry import CheckResult, replayable
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.dynamics import gd_trajectory, rate_violation
from landscape.landscapes.base import Landscape
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.linear_trajectories import hessian_top_eigenvalue
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 100  # place in the catalogue (landscape.theorems.catalogue)



@dataclass(frozen=True, slots=True)
class TargetInstance:
    """Widths (d_0, ..., d_N) with d_N <= d_0 and every hidden width >= d_N, and a target Phi."""

    widths: tuple[int, ...]
    target: np.ndarray
    seed: int

    def landscape(self) -> DeepLinear:
        scale = math.sqrt(self.widths[0])
        return DeepLinear(self.widths, scale * np.eye(self.widths[0]), scale * self.target)

    def __repr__(self) -> str:
        return f"TargetInstance(widths={self.widths}, seed={self.seed})"


def _planted_target(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    left, _ = np.linalg.qr(rng.standard_normal((rows, rows)))
    right, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
    k = min(rows, cols)
    return left[:, :k] @ np.diag(np.sort(rng.uniform(1.0, 2.5, k))[::-1]) @ right[:, :k].T


@st.composite
def target_instances(
    draw: st.DrawFn, min_depth: int = 2, max_depth: int = 3, max_width: int = 3, min_output: int = 1
) -> TargetInstance:
    """No-bottleneck widths and a full-rank target with singular values in [1, 2.5]."""
    depth = draw(st.integers(min_depth, max_depth))
    d0 = draw(st.integers(min_output, max_width))
    d_last = draw(st.integers(min_output, d0))
    hidden = [draw(st.integers(d_last, max_width)) for _ in range(depth - 1)]
    seed = draw(st.integers(0, 2**16))
    return TargetInstance((d0, *hidden, d_last), _planted_target(d_last, d0, np.random.default_rng(seed)), seed)


def balanced_layers(landscape: DeepLinear, product: np.ndarray, unbalance: float = 1.0) -> np.ndarray:
    """W_1 = [S^{1/N} V^T; 0], W_j = diag(S^{1/N}, 0), W_N = [U S^{1/N}, 0] with product U S V^T:
    exactly balanced (W_{j+1}^T W_{j+1} = W_j W_j^T).  ``unbalance`` K scales W_1 by K and W_N by 1/K."""
    u, s, vt = np.linalg.svd(product, full_matrices=False)
    return factored_layers(landscape, u, s, vt, np.full(s.size, float(unbalance)))


def factored_layers(landscape: DeepLinear, u: np.ndarray, s: np.ndarray, vt: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Layers with product U diag(s) V^T (U, V with orthonormal columns, s > 0 in any order):
    W_1 = [diag(k s^{1/N}) V^T; 0], W_j = diag(s^{1/N}, 0), W_N = [U diag(s^{1/N} / k), 0]; balanced
    when every k_i = 1."""
    n = landscape.depth
    root = s ** (1.0 / n)
    k = s.size
    layers = []
    for index, (rows, cols) in enumerate(landscape.shapes):
        w = np.zeros((rows, cols))
        if index == 0:
            w[:k, :] = np.diag(root * factors) @ vt
        elif index == n - 1:
            w[:, :k] = u @ np.diag(root / factors)
        else:
            w[:k, :k] = np.diag(root)
        layers.append(w.reshape(-1))
    return np.concatenate(layers)


# Arora et al. Thm 1's step bound: eta <= c^{(4N-2)/N} / (6144 N^3 ||Phi||_F^{(6N-4)/N}) for their
# loss l = F/2, i.e. half of it for our F (the iterates coincide).
STEP_BOUND_CONSTANT = 6144.0
RATE_HORIZON = 500  # steps checked, every one of them, at the theorem's own step
MARGIN_FRACTION = 0.5  # the claimed margin c = MARGIN_FRACTION sigma_min(Phi)
SLOW_UNBALANCE = 20.0  # k = (K, 1/K, 1, ...): the (1, 2) error mode then moves at O(1/K^2)
NEAR_DEFICIENT = 0.05  # the no-margin start: sigma_min replaced by NEAR_DEFICIENT sigma_min


@dataclass(frozen=True, slots=True)
class RateSetup:
    """The theorem's constants on one instance (our units: F = ||W_{N:1} - Phi||_F^2).

    Attributes:
        eta: our step, half of Arora et al.'s bound (their loss is F/2).
        margin: the claimed deficiency margin c.
        rate: 2 eta c^{2(N-1)/N}: the theorem says F_t <= F_0 exp(-rate t).
    """

    eta: float
    margin: float
    rate: float


def theorem_setup(instance: TargetInstance) -> RateSetup:
    """eta = c^{(4N-2)/N} / (2 x 6144 N^3 ||Phi||_F^{(6N-4)/N}), c = MARGIN_FRACTION sigma_min(Phi)."""
    n = len(instance.widths) - 1
    sigma = np.linalg.svd(instance.target, compute_uv=False)
    margin = MARGIN_FRACTION * sigma[-1]
    frobenius = float(np.linalg.norm(instance.target))
    theirs = margin ** ((4.0 * n - 2.0) / n) / (STEP_BOUND_CONSTANT * n**3 * frobenius ** ((6.0 * n - 4.0) / n))
    eta = 0.5 * theirs
    return RateSetup(eta, margin, 2.0 * eta * margin ** (2.0 * (n - 1) / n))


def _start(instance: TargetInstance, landscape: DeepLinear, rng: np.random.Generator, violate: str) -> np.ndarray:
    """The layers GD starts from.

    * ``none``: balanced, product Phi + E, ||E||_F = 0.45 sigma_min (margin 0.55 sigma_min >= c);
    * ``margin``: balanced, product Phi with sigma_min replaced by NEAR_DEFICIENT sigma_min (right
      sign, no margin: ||W_{N:1} - Phi|| = 0.95 sigma_min): GD leaves the near-saddle slowly;
    * ``balance``: margin kept (||E|| = 0.45 sigma_min), E = eps u_1 v_2^T in the product's own singular
      basis, factored with k = (K, 1/K, 1, ...): every gradient entry of that mode is O(1/K).
    """
    phi = instance.target
    u, s, vt = np.linalg.svd(phi, full_matrices=False)
    if violate == "margin":
        return balanced_layers(landscape, phi - (1.0 - NEAR_DEFICIENT) * s[-1] * np.outer(u[:, -1], vt[-1]))
    if violate == "balance":
        return _slow_mode_start(landscape, u, s, vt)
    noise = rng.standard_normal(phi.shape)
    return balanced_layers(landscape, phi + 0.45 * s[-1] * noise / np.linalg.norm(noise))


def _slow_mode_start(landscape: DeepLinear, u: np.ndarray, s: np.ndarray, vt: np.ndarray) -> np.ndarray:
    """Layers with product Z = A diag(sigma) B^T and Z - Phi = eps a_i b_j^T exactly (i < j the pair
    with the widest singular gap; eps = min(0.45 sigma_min, gap / 2), so the margin is kept), row i
    of W_1 times K and row j over K.

    Phi = U S V^T; M = diag(sigma) - eps e_i e_j^T is chosen with the singular values S (its 2x2
    block [[sigma_i, -eps], [0, sigma_j]] needs sigma_i sigma_j = s_i s_j and
    sigma_i^2 + sigma_j^2 = s_i^2 + s_j^2 - eps^2), M = P S Q^T, then A = U P^T, B = V Q^T."""
    gaps = s[:-1] - s[1:]
    i = int(np.argmax(gaps))
    j = i + 1
    eps = min(0.45 * s[-1], 0.5 * gaps[i])
    total, difference = np.sqrt((s[i] + s[j]) ** 2 - eps**2), np.sqrt((s[i] - s[j]) ** 2 - eps**2)
    sigma = s.copy()
    sigma[i], sigma[j] = 0.5 * (total + difference), 0.5 * (total - difference)
    m = np.diag(sigma)
    m[i, j] = -eps
    p, _, qt = np.linalg.svd(m)
    a, b_t = u @ p.T, qt.T @ vt
    factors = np.ones(s.size)
    factors[i], factors[j] = SLOW_UNBALANCE, 1.0 / SLOW_UNBALANCE
    return factored_layers(landscape, a, sigma, b_t, factors)


def linear_rate_check(theorem_id: str, violate: str = "none"):
    r"""Property of Arora et al. (seed 000, their Thm 1): no bottleneck, a balanced start with
    deficiency margin c, and the theorem's own step eta: F_t <= F_0 exp(-2 eta c^{2(N-1)/N} t) at
    every step of the first RATE_HORIZON.  Their step is tiny, so the horizon covers the start of
    the convergence only; every step of it is checked.  Variants (each with the same eta, far
    below the stability edge 2/lambda_max(H(theta_0)), which the certificate records):
    ``margin`` (a near-deficient product) and ``balance`` (a slow error mode made slower by a
    per-direction unbalance)."""

    def check(instance: TargetInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        setup = theorem_setup(instance)
        start = _start(instance, landscape, np.random.default_rng(seed), violate)
        edge = setup.eta * hessian_top_eigenvalue(landscape, start)
        run = gd_trajectory(landscape, start, setup.eta, RATE_HORIZON)
        losses = run.losses[:, 0]
        first_bad = rate_violation(losses, setup.rate)
        counts = Counter(trajectories=1)
        if first_bad is not None:
            claim = (f"GD at the theorem's step eta = {setup.eta:.3g} (eta lambda_max(H(theta_0)) = {edge:.3g} < 2) from a "
                     f"{'balanced' if violate != 'balance' else 'unbalanced'} start {'without' if violate == 'margin' else 'with'} "
                     f"deficiency margin breaks the rate {setup.rate:.3g} at step {first_bad}: F = {losses[first_bad]:.9g}, "
                     f"bound {losses[0] * np.exp(-setup.rate * first_bad):.9g}")
            found = classify(landscape, start, 0.0, context.tolerances, seed)
            entry = {"name": "gd-trajectory", "args": {"step": setup.eta, "steps": first_bad, "rate": setup.rate, "expect": "rate-violated"}}
            stable = {"name": "step-below-edge", "args": {"step": setup.eta}}
            cert = certify(theorem_id, "counterexample", claim, landscape, start, found, context, seed, [entry, stable])
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
        message = (f"{RATE_HORIZON} steps at the theorem's eta = {setup.eta:.3g} (eta lambda_max = {edge:.2g}), c = {setup.margin:.3g}: "
                   f"F_t <= F_0 exp(-{setup.rate:.3g} t) at every step; F_T/F_0 = {losses[-1] / losses[0]:.9g}")
        return Evidence(Outcome.SUPPORTS, message, None, counts, 0)

    return check


@replayable("step-below-edge")
def check_step_below_edge(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The step is below the stability edge 2/lambda_max(H(point)): a failure is not divergence."""
    if not isinstance(landscape, DeepLinear):
        return CheckResult("step-below-edge", False, "needs a deep linear landscape")
    product = float(args["step"]) * hessian_top_eigenvalue(landscape, point)
    return CheckResult("step-below-edge", product < 2.0, f"eta lambda_max(H) = {product:.4g} (below 2 required)")


DEEP_LINEAR_GD_LINEAR_RATE = Theorem(
    id="deep-linear-gd-linear-rate",
    title="Deep linear networks: GD from a balanced start with deficiency margin converges linearly",
    source="000 (Arora, Cohen, Golowich, Hu 2018)",
    statement=(
        "No bottleneck ($d_j \\ge \\min(d_0, d_N)$), a balanced initialisation and a deficiency margin $c > 0$: gradient "
        "descent with the step $\\eta \\le c^{(4N-2)/N}/(6144N^3\\|\\Phi\\|_F^{(6N-4)/N})$ converges to the global "
        "minimum at a linear rate, $\\ell(t) \\le \\ell(0)\\,e^{-\\eta c^{2(N-1)/N} t}$ (checked at every step of the first "
        "500 at exactly that step).  Both conditions are necessary."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=BUDGETS["quick"]: target_instances(max_depth=budget.sized(3, 6), max_width=budget.sized(3, 8)),
    check=linear_rate_check("deep-linear-gd-linear-rate"),
    hypotheses=("whitened data, d_N <= d_0 <= hidden widths", "balanced start, ||W_{N:1}(0) - Phi|| = 0.45 sigma_min(Phi)",
                "quick: depth 2-3, widths <= 3; standard: depth 2-6, widths <= 8"),
)


# -- linear-residual-identity-init -----------------------------------------------------------

RESIDUAL_STEPS = 300


@dataclass(frozen=True, slots=True)
class ResidualInstance:
    """Uniform width d, depth N >= 2, and the eigenvalues of two symmetric targets: ``positive`` (all > 0)
    and ``negative`` (the smallest replaced by a negative value).

    The targets are diagonal, which loses no generality: GD from the identity is equivariant under
    W_j -> Q^T W_j Q, Phi -> Q^T Phi Q.  In a rotated basis the exact invariant (all layers equal,
    symmetric, commuting with Phi) is only kept up to rounding, and the rounding error grows along
    the unstable direction until floating-point GD leaves the stall (observed for N = 2, d >= 2) —
    a property of floating point, not of the exact iteration the theorem is about."""

    width: int
    depth: int
    positive: tuple[float, ...]
    negative: tuple[float, ...]
    seed: int

    def target(self, values: tuple[float, ...]) -> np.ndarray:
        return np.diag(values)

    def landscape(self, values: tuple[float, ...]) -> DeepLinear:
        scale = math.sqrt(self.width)
        return DeepLinear((self.width,) * (self.depth + 1), scale * np.eye(self.width), scale * self.target(values))


@st.composite
def residual_instances(draw: st.DrawFn) -> ResidualInstance:
    width, depth, seed = draw(st.integers(1, 3)), draw(st.integers(2, 4)), draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed + 1)
    positive = tuple(float(v) for v in np.sort(rng.uniform(0.5, 2.0, width))[::-1])
    negative = positive[:-1] + (-float(rng.uniform(0.5, 2.0)),)
    return ResidualInstance(width, depth, positive, negative, seed)


def residual_check(theorem_id: str, claim_all_converge: bool = False):
    r"""Property of Bartlett et al. (seed 000): from W_j = I, fixed-step GD (eta = 0.2/N, 300 steps)
    converges (F_T <= 1e-10 F_0) for a symmetric positive definite target and stalls for a symmetric
    target with a negative eigenvalue mu: every layer stays the same symmetric matrix commuting with
    Phi, so each eigen-mode follows w <- w - 2 eta w^{N-1}(w^N - mu), which decreases w > 0 towards 0
    without crossing it, and F_t >= mu^2.  The harness certifies the finite-horizon facts
    F_T <= 1e-10 F_0 and min_t F_t >= mu^2/2 by replay.  The variant claims convergence for every
    symmetric target."""

    def check(instance: ResidualInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        eta = 0.2 / instance.depth
        identity = np.concatenate([np.eye(instance.width).reshape(-1)] * instance.depth)
        good, bad = instance.landscape(instance.positive), instance.landscape(instance.negative)
        good_run = gd_trajectory(good, identity, eta, 0 if claim_all_converge else RESIDUAL_STEPS).losses[:, 0]
        bad_run = gd_trajectory(bad, identity, eta, RESIDUAL_STEPS).losses[:, 0]
        mu = instance.negative[-1]
        converges = {"step": eta, "steps": RESIDUAL_STEPS, "expect": "converges", "threshold": 1e-10 * good_run[0]}
        stalls = {"step": eta, "steps": RESIDUAL_STEPS, "expect": "stalls", "threshold": 0.5 * mu**2}
        counts = Counter(trajectories=2)
        good_ok, bad_stalls = good_run[-1] <= converges["threshold"], bad_run.min() >= stalls["threshold"]
        found = classify(bad, identity, 0.0, context.tolerances, seed)
        if claim_all_converge and bad_stalls:
            claim = f"GD from the identity stalls for a symmetric target with eigenvalue {mu:.3g}: min F_t = {bad_run.min():.6g} over {RESIDUAL_STEPS} steps"
            cert = certify(theorem_id, "counterexample", claim, bad, identity, found, context, seed, [{"name": "gd-trajectory", "args": stalls}])
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
        if claim_all_converge:
            return Evidence(Outcome.SUPPORTS if bad_run[-1] <= 1e-10 * bad_run[0] else Outcome.INCONCLUSIVE, "negative target did not stall", None, counts, 0)
        if not (good_ok and bad_stalls):
            return Evidence(Outcome.INCONCLUSIVE, f"no dichotomy: PD F_T = {good_run[-1]:.3g}, negative-target min F = {bad_run.min():.3g}", None, counts, 0)
        claim = (f"width {instance.width}, depth {instance.depth}: from the identity GD converges for a PD target "
                 f"(F_T = {good_run[-1]:.3g}) and stalls at F >= {bad_run.min():.6g} for a target with eigenvalue {mu:.3g}")
        converges_elsewhere = dict(converges, landscape=good.spec(), start=identity.tolist())
        cert = certify(theorem_id, "witness", claim, bad, identity, found, context, seed,
                       [{"name": "gd-trajectory", "args": stalls}, {"name": "gd-trajectory", "args": converges_elsewhere}])
        return certified(Outcome.WITNESS, claim, cert, counts, 0)

    return check


LINEAR_RESIDUAL_IDENTITY_INIT = Theorem(
    id="linear-residual-identity-init",
    title="Linear residual networks from the identity: GD converges for PD targets, fails for negative eigenvalues",
    source="000 (Bartlett, Helmbold, Long 2018, as told by Arora et al.)",
    statement=(
        "Uniform width, identity initialisation $W_j = I$: gradient descent converges for some targets (symmetric positive "
        "definite) and fails for others (a symmetric target with a negative eigenvalue)."
    ),
    expectation=Expectation.WITNESSED,
    instances=residual_instances,
    check=residual_check("linear-residual-identity-init"),
    hypotheses=("uniform width 1-3, depth 2-4, whitened data", "diagonal targets (no loss of generality)"),
)

VARIANTS = [
    Theorem(
        id="variant-gd-rate-without-margin",
        title="(false) GD from a balanced start converges linearly without a deficiency margin",
        source="000 with the deficiency margin dropped",
        statement="Dropped hypothesis: the product starts as $\\Phi$ with $\\sigma_{\\min}$ shrunk to $0.05\\,\\sigma_{\\min}$ "
        "(no deficiency margin, near a rank-deficient saddle); at the theorem's step the rate fails.",
        expectation=Expectation.HOLDS,
        instances=lambda: target_instances(),
        check=linear_rate_check("variant-gd-rate-without-margin", violate="margin"),
        hypotheses=("balanced start, ||W_{N:1}(0) - Phi|| = 0.95 sigma_min(Phi)",),
        falsifies="deep-linear-gd-linear-rate",
    ),
    Theorem(
        id="variant-gd-rate-unbalanced",
        title="(false) GD converges linearly from an unbalanced start with deficiency margin",
        source="000 with balancedness dropped",
        statement="Dropped hypothesis: the error $\\epsilon u_1v_2^\\top$ of a product with margin, factored with row 1 of "
        "$W_1$ times 20, row 2 over 20 (and $W_N$ inversely): at the theorem's step, far below $2/\\lambda_{\\max}(H(\\theta_0))$, "
        "that error mode decays more slowly than the rate.",
        expectation=Expectation.HOLDS,
        instances=lambda: target_instances(min_output=2),
        check=linear_rate_check("variant-gd-rate-unbalanced", violate="balance"),
        hypotheses=("deficiency margin kept, balancedness violated per singular direction", "d_N >= 2"),
        falsifies="deep-linear-gd-linear-rate",
    ),
    Theorem(
        id="variant-residual-any-symmetric-target",
        title="(false) From the identity, GD converges for every symmetric target",
        source="000 (Bartlett et al.) with 'positive definite' dropped",
        statement="Dropped hypothesis: a symmetric target with a negative eigenvalue.",
        expectation=Expectation.HOLDS,
        instances=residual_instances,
        check=residual_check("variant-residual-any-symmetric-target", claim_all_converge=True),
        hypotheses=("a negative eigenvalue",),
        falsifies="linear-residual-identity-init",
    ),
]

THEOREMS = [DEEP_LINEAR_GD_LINEAR_RATE, LINEAR_RESIDUAL_IDENTITY_INIT]
