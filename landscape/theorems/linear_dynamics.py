r"""Gradient descent on deep linear networks (seed 000: Arora, Cohen, Golowich, Hu 2018; Bartlett et al. 2018).

Whitened data make the loss ``||W_N ... W_1 - Phi||_F^2`` (X = sqrt(d_0) I, Y = sqrt(d_0) Phi, so
S_xx = I and S_yx = Phi): twice Arora et al.'s l(W) = 1/2 ||W_{N:1} - Phi||^2, so our step eta is
their 2 eta.  Theorems: ``deep-linear-gd-linear-rate`` and ``linear-residual-identity-init``.

Rate (Arora et al. Thm 1): no bottleneck, balanced initialisation (delta = 0) and a deficiency
margin c > 0 (||W_{N:1}(0) - Phi||_F <= sigma_min(Phi) - c) give l(t) <= l(0) exp(-eta c^{2(N-1)/N} t)
for small eta; in our units F_t <= F_0 exp(-2 eta c^{2(N-1)/N} t).  Their step bound is far below
practical values; we use eta = 1/(4 N s^{2(N-1)/N}), s = max(||Phi||_2, ||W_{N:1}(0)||_2), and
check the rate inequality itself at every step.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.oracles.classify import classify
from landscape.oracles.dynamics import fitted_rate, gd_trajectory, rate_violation, steps_for
from landscape.oracles.landscapes import DeepLinear
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

STEP_CAP = 1500
REDUCTION = 1e10


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
def target_instances(draw: st.DrawFn, min_depth: int = 2, max_depth: int = 3, max_width: int = 3) -> TargetInstance:
    """No-bottleneck widths and a full-rank target with singular values in [1, 2.5]."""
    depth = draw(st.integers(min_depth, max_depth))
    d0 = draw(st.integers(1, max_width))
    d_last = draw(st.integers(1, d0))
    hidden = [draw(st.integers(d_last, max_width)) for _ in range(depth - 1)]
    seed = draw(st.integers(0, 2**16))
    return TargetInstance((d0, *hidden, d_last), _planted_target(d_last, d0, np.random.default_rng(seed)), seed)


def balanced_layers(landscape: DeepLinear, product: np.ndarray, unbalance: float = 1.0) -> np.ndarray:
    """W_1 = [S^{1/N} V^T; 0], W_j = diag(S^{1/N}, 0), W_N = [U S^{1/N}, 0] with product U S V^T:
    exactly balanced (W_{j+1}^T W_{j+1} = W_j W_j^T).  ``unbalance`` K scales W_1 by K and W_N by 1/K."""
    u, s, vt = np.linalg.svd(product, full_matrices=False)
    n = landscape.depth
    root = s ** (1.0 / n)
    k = s.size
    layers = []
    for index, (rows, cols) in enumerate(landscape.shapes):
        w = np.zeros((rows, cols))
        if index == 0:
            w[:k, :] = np.diag(root) @ vt * unbalance
        elif index == n - 1:
            w[:, :k] = u @ np.diag(root) / unbalance
        else:
            w[:k, :k] = np.diag(root)
        layers.append(w.reshape(-1))
    return np.concatenate(layers)


def _rate_setup(instance: TargetInstance, start_product: np.ndarray) -> tuple[float, float, int, float]:
    """(eta, margin c, steps, rate 2 eta c^{2(N-1)/N}) for the instance; c from sigma_min(Phi)/2."""
    n = len(instance.widths) - 1
    sigma = np.linalg.svd(instance.target, compute_uv=False)
    size = max(sigma[0], float(np.linalg.norm(start_product, 2)))
    eta = 1.0 / (4.0 * n * size ** (2.0 * (n - 1) / n))
    margin = 0.5 * sigma[-1]
    rate = 2.0 * eta * margin ** (2.0 * (n - 1) / n)
    return eta, margin, steps_for(REDUCTION, rate, STEP_CAP), rate


def _perturbed_product(instance: TargetInstance, rng: np.random.Generator, violate: str) -> np.ndarray:
    """W_{N:1}(0): Phi + E with ||E||_F = 0.45 sigma_min (margin kept), or, with
    ``violate='margin'``, Phi with its smallest singular component's sign flipped (distance 2 sigma_min)."""
    phi = instance.target
    if violate == "margin":
        u, s, vt = np.linalg.svd(phi, full_matrices=False)
        return phi - 2.0 * s[-1] * np.outer(u[:, -1], vt[-1])
    noise = rng.standard_normal(phi.shape)
    return phi + 0.45 * np.linalg.svd(phi, compute_uv=False)[-1] * noise / np.linalg.norm(noise)


def linear_rate_check(theorem_id: str, violate: str = "none"):
    r"""Property of Arora et al. (seed 000): from a balanced initialisation with deficiency margin,
    fixed-step GD satisfies F_t <= F_0 exp(-2 eta c^{2(N-1)/N} t) at every step, down to F_0/1e10.
    Variants: ``margin`` (flipped singular component: no deficiency margin) and ``balance`` (the same
    product factored with W_1 x 10 and W_N / 10) — each must produce a witness of failure."""

    def check(instance: TargetInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        rng = np.random.default_rng(seed)
        product = _perturbed_product(instance, rng, violate)
        eta, margin, steps, rate = _rate_setup(instance, _perturbed_product(instance, np.random.default_rng(seed), "none"))
        start = balanced_layers(landscape, product, 10.0 if violate == "balance" else 1.0)
        run = gd_trajectory(landscape, start, eta, steps)
        losses = run.losses[:, 0]
        first_bad = rate_violation(losses, rate)
        counts = Counter(trajectories=1)
        fitted = fitted_rate(losses)
        if first_bad is not None:
            claim = (f"GD (eta={eta:.3g}) from a {'balanced' if violate != 'balance' else 'unbalanced'} start "
                     f"{'without' if violate == 'margin' else 'with'} deficiency margin breaks the rate {rate:.3g} at step {first_bad}: "
                     f"F = {losses[first_bad]:.6g}, F_T = {losses[-1]:.6g}")
            found = classify(landscape, start, 0.0, context.tolerances, seed)
            # replaying up to the first violation is enough to certify it
            entry = {"name": "gd-trajectory", "args": {"step": eta, "steps": first_bad, "rate": rate, "expect": "rate-violated"}}
            cert = certify(theorem_id, "counterexample", claim, landscape, start, found, context, seed, [entry])
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
        message = (f"{steps} steps, eta={eta:.3g}, c={margin:.3g}: bound rate {rate:.3g} held at every step; "
                   f"fitted rate {-fitted:.3g}; F_T/F_0 = {losses[-1] / losses[0]:.3g}")
        return Evidence(Outcome.SUPPORTS, message, None, counts, 0)

    return check


DEEP_LINEAR_GD_LINEAR_RATE = Theorem(
    id="deep-linear-gd-linear-rate",
    title="Deep linear networks: GD from a balanced start with deficiency margin converges linearly",
    source="000 (Arora, Cohen, Golowich, Hu 2018)",
    statement=(
        "No bottleneck ($d_j \\ge \\min(d_0, d_N)$), a balanced initialisation and a deficiency margin $c > 0$: gradient "
        "descent with a small step converges to the global minimum at a linear rate, "
        "$\\ell(t) \\le \\ell(0)\\,e^{-\\eta c^{2(N-1)/N} t}$.  Both conditions are necessary."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: target_instances(),
    check=linear_rate_check("deep-linear-gd-linear-rate"),
    hypotheses=("whitened data, d_N <= d_0 <= hidden widths", "balanced start, ||W_{N:1}(0) - Phi|| = 0.45 sigma_min(Phi)"),
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
        statement="Dropped hypothesis: the product starts with one singular component of $\\Phi$ sign-flipped.",
        expectation=Expectation.HOLDS,
        instances=lambda: target_instances(),
        check=linear_rate_check("variant-gd-rate-without-margin", violate="margin"),
        hypotheses=("balanced start, ||W_{N:1}(0) - Phi|| = 2 sigma_min(Phi)",),
        falsifies="deep-linear-gd-linear-rate",
    ),
    Theorem(
        id="variant-gd-rate-unbalanced",
        title="(false) GD converges linearly from an unbalanced start with deficiency margin",
        source="000 with balancedness dropped",
        statement="Dropped hypothesis: the same product as the theorem's start, factored with $W_1 \\times 10$, $W_N / 10$.",
        expectation=Expectation.HOLDS,
        instances=lambda: target_instances(),
        check=linear_rate_check("variant-gd-rate-unbalanced", violate="balance"),
        hypotheses=("deficiency margin kept, balancedness violated by a factor 100",),
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
