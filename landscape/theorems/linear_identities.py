r"""Identities of linear networks checkable at a point (seed 003 Lemma 1.1; seed 000).

Theorems: ``one-hidden-critical-point-equations`` (003 Lemma 1.1) and ``balancedness-invariant``
(Arora, Cohen, Golowich, Hu, as told in seed 000); falsified variants at the end.  Both come with
replayable checks (``lemma-1-1``, ``balancedness``) that recompute the identity from the
certificate's landscape and point.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch

from landscape.generators.architectures import architectures, one_hidden_layer
from landscape.oracles.certificates import CheckResult, check
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.critical import theory_points
from landscape.oracles.landscapes import DTYPE, DeepLinear, Landscape
from landscape.oracles.optimum import optimum_of
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.linear import LinearInstance, linear_instances
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

# An identity that holds exactly is "violated" when its residual exceeds VIOLATION_RTOL times the
# natural scale of its terms; at refined critical points residuals are ~1e-13 relative.
VIOLATION_RTOL = 1e-6
# Singular values below RANK_RTOL x the largest count as zero (full column rank decisions).
RANK_RTOL = 1e-6
SXX_CONDITION_MAX = 1e10


def _norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(a))


def full_column_rank(a: np.ndarray) -> bool:
    singular = np.linalg.svd(a, compute_uv=False)
    return bool(singular.size and singular[-1] > RANK_RTOL * max(singular[0], 1e-300) and a.shape[0] >= a.shape[1])


def lemma_residuals(landscape: DeepLinear, point: np.ndarray, pseudo_inverse: bool = False) -> dict[str, float]:
    r"""Relative residuals of 003 Lemma 1.1 at (U, V) = (W_2, W_1^T).

    (1.15a) U V^T Sxx V = Syx V, (1.15b) Sxx V U^T U = Sxy U always; with Sxx invertible (or, for the
    variant, with Sxx^+ in its place) (i) U = Syx V (V^T Sxx V)^{-1} when V has full column rank,
    (ii) V = Sxx^{-1} Sxy U (U^T U)^{-1} when U has full column rank, (iii) Sigma P_U = P_U Sigma.
    """
    w1, w2 = (w[0].numpy() for w in landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None]))
    u, v = w2, w1.T
    sxx, syx = landscape.sxx, landscape.syx
    sxy = syx.T
    out = {
        "1.15a": _norm(u @ v.T @ sxx @ v - syx @ v) / max(_norm(u) * _norm(v) ** 2 * _norm(sxx) + _norm(syx) * _norm(v), 1e-300),
        "1.15b": _norm(sxx @ v @ u.T @ u - sxy @ u) / max(_norm(sxx) * _norm(v) * _norm(u) ** 2 + _norm(sxy) * _norm(u), 1e-300),
    }
    invertible = np.linalg.cond(sxx) < SXX_CONDITION_MAX
    if not (invertible or pseudo_inverse):
        return out
    sxx_inv = np.linalg.pinv(sxx, hermitian=True)
    if full_column_rank(v) and invertible:
        fitted = syx @ v @ np.linalg.inv(v.T @ sxx @ v)
        out["i"] = _norm(u - fitted) / max(_norm(u), _norm(fitted), 1e-300)
    if full_column_rank(u):
        fitted = sxx_inv @ sxy @ u @ np.linalg.inv(u.T @ u)
        out["ii"] = _norm(v - fitted) / max(_norm(v), _norm(fitted), 1e-300)
        projector = u @ np.linalg.inv(u.T @ u) @ u.T
        sigma = syx @ sxx_inv @ sxy
        out["iii"] = _norm(sigma @ projector - projector @ sigma) / max(_norm(sigma), 1e-300)
    return out


def _is_critical(landscape: Landscape, point: np.ndarray, tol: Tolerances) -> tuple[bool, float]:
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    norm = float(landscape.gradient(theta).norm())
    scale = max(landscape.loss_scale(), abs(float(landscape.loss(theta)[0]))) / max(1.0, float(theta.norm()))
    return norm <= tol.gradient * scale, norm


@check("lemma-1-1")
def check_lemma(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point is critical and identity ``identity`` of 003 Lemma 1.1 is violated there."""
    if not isinstance(landscape, DeepLinear) or landscape.depth != 2:
        return CheckResult("lemma-1-1", False, "Lemma 1.1 concerns one-hidden-layer linear networks")
    critical, norm = _is_critical(landscape, point, tol)
    name = str(args["identity"])
    residual = lemma_residuals(landscape, point, bool(args.get("pseudo_inverse", False))).get(name)
    violated = residual is not None and residual > VIOLATION_RTOL
    return CheckResult(
        "lemma-1-1", critical and violated,
        f"|grad| = {norm:.3g} (critical: {critical}); relative residual of ({name}) = "
        f"{'n/a' if residual is None else f'{residual:.3g}'} (violated above {VIOLATION_RTOL:g})",
    )


def null_space_shift(landscape: DeepLinear, point: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """W_1 + c n^T with n in the kernel of a singular Sxx: the gradient never sees it, so a critical
    point stays critical while V acquires a component (ii) with Sxx^+ cannot produce."""
    values, vectors = np.linalg.eigh(landscape.sxx)
    if values[0] > RANK_RTOL * max(values[-1], 1e-300):
        return None
    w1_size = landscape.widths[0] * landscape.widths[1]
    shift = np.outer(rng.standard_normal(landscape.widths[1]), vectors[:, 0])
    out = point.copy()
    out[:w1_size] += shift.reshape(-1)
    return out


def lemma_check(theorem_id: str, pseudo_inverse: bool = False):
    """Property of 003 Lemma 1.1: every candidate critical point (theory points and search) satisfies
    (1.15) and, with Sxx invertible, (i)-(iii).  The variant drops 'Sxx invertible' and uses Sxx^+."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        rng = np.random.default_rng(seed)
        special = theory_points(landscape, rng)
        if pseudo_inverse:
            shifted = [(f"{label} + ker(Sxx)", null_space_shift(landscape, p, rng)) for label, p in special]
            special += [(label, p) for label, p in shifted if p is not None]
        found = survey(landscape, context, seed, special, restarts=0 if pseudo_inverse else min(context.budget.restarts, 4))
        counts = found.counts()
        checked = 0
        for label, point, kind in found.items():
            if kind.kind is PointClass.NOT_CRITICAL:
                continue
            checked += 1
            for name, residual in lemma_residuals(landscape, point, pseudo_inverse).items():
                if residual > VIOLATION_RTOL:
                    claim = f"{label}: a critical point violating Lemma 1.1 ({name}), relative residual {residual:.3g}"
                    entry = {"name": "lemma-1-1", "args": {"identity": name, "pseudo_inverse": pseudo_inverse}}
                    cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, [entry])
                    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts)
        message = f"(1.15) and (i)-(iii) hold at all {checked} critical candidates"
        return Evidence(Outcome.SUPPORTS if checked else Outcome.INCONCLUSIVE, message, None, counts, found.restarts)

    return check


ONE_HIDDEN_CRITICAL_POINT_EQUATIONS = Theorem(
    id="one-hidden-critical-point-equations",
    title="One hidden layer: the critical point equations of Lemma 1.1",
    source="003 Lemma 1.1 (Baldi-Hornik 1989)",
    statement=(
        "At any critical point $UV^\\top\\Sigma_{xx}V = \\Sigma_{yx}V$ and $\\Sigma_{xx}VU^\\top U = \\Sigma_{xy}U$; with "
        "$\\Sigma_{xx}$ invertible, (i) $U = \\Sigma_{yx}V(V^\\top\\Sigma_{xx}V)^{-1}$ for full-rank $V$, (ii) "
        "$V = \\Sigma_{xx}^{-1}\\Sigma_{xy}U(U^\\top U)^{-1}$ for full-rank $U$, (iii) $\\Sigma P_U = P_U\\Sigma$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: linear_instances(one_hidden_layer(max_width=3)),
    check=lemma_check("one-hidden-critical-point-equations"),
    hypotheses=("S_xx invertible (full row rank X)", "n_1 <= n_2 <= n_0"),
)


# -- balancedness-invariant ------------------------------------------------------------------

POINTS_PER_INSTANCE = 16
STEP_FRACTIONS = (1e-2, 1e-3, 1e-4)


def balancedness_terms(landscape: DeepLinear, point: np.ndarray, layer: int, swapped: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""(D, dD/dt, scale) for D_j = W_{j+1}^T W_{j+1} - W_j W_j^T (or, swapped, W_{j+1} W_{j+1}^T - W_j^T W_j)
    along gradient flow dW/dt = -grad F: dD/dt = -2 sym(W_{j+1}^T G_{j+1}) + 2 sym(G_j W_j^T), which the
    identity W_{j+1}^T G_{j+1} = G_j W_j^T makes zero."""
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    weights = [w[0].numpy() for w in landscape.layers(theta)]
    grads = [g[0].numpy() for g in landscape.layers(landscape.gradient(theta))]
    low, high, g_low, g_high = weights[layer], weights[layer + 1], grads[layer], grads[layer + 1]
    if swapped:
        d = high @ high.T - low.T @ low
        rate = -(high @ g_high.T + g_high @ high.T) + (low.T @ g_low + g_low.T @ low)
    else:
        d = high.T @ high - low @ low.T
        rate = -(high.T @ g_high + g_high.T @ high) + (low @ g_low.T + g_low @ low.T)
    scale = _norm(high) * _norm(g_high) + _norm(low) * _norm(g_low)
    return d, rate, np.array(max(scale, 1e-300))


@check("balancedness")
def check_balancedness(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Along gradient flow the claimed invariant of layer pair (j, j+1) changes at a non-zero rate."""
    if not isinstance(landscape, DeepLinear) or not 0 <= int(args["layer"]) < landscape.depth - 1:
        return CheckResult("balancedness", False, "needs a deep linear landscape and a layer j with j + 1 < L")
    _, rate, scale = balancedness_terms(landscape, point, int(args["layer"]), bool(args.get("swapped", False)))
    relative = _norm(rate) / float(scale)
    return CheckResult("balancedness", relative > VIOLATION_RTOL, f"||dD/dt|| / scale = {relative:.3g} (non-zero above {VIOLATION_RTOL:g})")


def gd_drift_order(landscape: DeepLinear, point: np.ndarray, layer: int) -> tuple[float, float]:
    """(fitted order p of ||D(x - eta G) - D(x)|| ~ eta^p, max relative error against the exact
    one-step drift eta^2 (G_{j+1}^T G_{j+1} - G_j G_j^T))."""
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    gradient = landscape.gradient(theta)
    grads = [g[0].numpy() for g in landscape.layers(gradient)]
    exact_per_eta2 = grads[layer + 1].T @ grads[layer + 1] - grads[layer] @ grads[layer].T
    base, _, _ = balancedness_terms(landscape, point, layer, False)
    size = 1.0 / max(float(gradient.norm()), 1e-300)
    drifts, errors = [], []
    for fraction in STEP_FRACTIONS:
        eta = fraction * size
        stepped, _, _ = balancedness_terms(landscape, (theta - eta * gradient)[0].numpy(), layer, False)
        drift = stepped - base
        drifts.append(_norm(drift))
        errors.append(_norm(drift - eta**2 * exact_per_eta2) / max(_norm(eta**2 * exact_per_eta2), 1e-300))
    order = float(np.polyfit(np.log(STEP_FRACTIONS), np.log(np.maximum(drifts, 1e-300)), 1)[0])
    return order, max(errors)


def balancedness_check(theorem_id: str, swapped: bool = False):
    """Property of seed 000: at random points the gradient-flow rate of D_j vanishes (the identity
    W_{j+1}^T dF/dW_{j+1} = dF/dW_j W_j^T), and one GD step moves D_j by exactly
    eta^2 (G_{j+1}^T G_{j+1} - G_j G_j^T) (order 2 in eta).  The variant swaps the transposes."""

    def check(instance: LinearInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        points = landscape.random_points(POINTS_PER_INSTANCE, torch.Generator().manual_seed(seed)).numpy()
        worst_order_gap, worst_error = 0.0, 0.0
        for index, point in enumerate(points):
            for layer in range(landscape.depth - 1):
                _, rate, scale = balancedness_terms(landscape, point, layer, swapped)
                relative = _norm(rate) / float(scale)
                if relative > VIOLATION_RTOL:
                    claim = f"random point {index}: the {'swapped ' if swapped else ''}balancedness of layers ({layer + 1}, {layer + 2}) changes along gradient flow (rate {relative:.3g})"
                    optimum = optimum_of(landscape)
                    found = classify(landscape, point, optimum.value, context.tolerances, seed)
                    entry = {"name": "balancedness", "args": {"layer": layer, "swapped": swapped}}
                    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, [entry])
                    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter(points=index + 1), 0)
                if not swapped and index < 4:
                    order, error = gd_drift_order(landscape, point, layer)
                    worst_order_gap, worst_error = max(worst_order_gap, abs(order - 2.0)), max(worst_error, error)
        counts = Counter(points=POINTS_PER_INSTANCE)
        if worst_order_gap > 0.05 or worst_error > 1e-4:
            return Evidence(Outcome.INCONCLUSIVE, f"GD drift not of order 2 (order gap {worst_order_gap:.3g}, error {worst_error:.3g})", None, counts, 0)
        message = f"flow-invariance identity at {POINTS_PER_INSTANCE} points; GD drift order 2 (max gap {worst_order_gap:.2g}, exact-formula error {worst_error:.2g})"
        return Evidence(Outcome.SUPPORTS, message, None, counts, 0)

    return check


BALANCEDNESS_INVARIANT = Theorem(
    id="balancedness-invariant",
    title="Deep linear networks: balancedness is conserved by gradient flow, drifts O(eta^2) under GD",
    source="000 (Arora, Cohen, Golowich, Hu 2018: trajectory characterisation)",
    statement=(
        "Along gradient flow $W_{j+1}^\\top W_{j+1} - W_jW_j^\\top$ is constant (equivalently "
        "$W_{j+1}^\\top\\,\\partial F/\\partial W_{j+1} = \\partial F/\\partial W_j\\,W_j^\\top$ at every point); along gradient "
        "descent with step $\\eta$ it drifts by $O(\\eta^2)$ per step."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: linear_instances(architectures(min_depth=2, max_depth=4, max_width=3)),
    check=balancedness_check("balancedness-invariant"),
    hypotheses=("any widths, depth 2-4, squared loss",),
)

VARIANTS = [
    Theorem(
        id="variant-lemma-1-1-pseudo-inverse",
        title="(false) Lemma 1.1 (ii) with a singular S_xx and its pseudo-inverse",
        source="003 Lemma 1.1 with 'S_xx invertible' dropped",
        statement="Dropped hypothesis: with rank-deficient $X$, $V = \\Sigma_{xx}^{+}\\Sigma_{xy}U(U^\\top U)^{-1}$ at critical "
        "points; a kernel component of $V$, invisible to the gradient, refutes it.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(one_hidden_layer(min_width=1, max_width=3), x_rank="deficient"),
        check=lemma_check("variant-lemma-1-1-pseudo-inverse", pseudo_inverse=True),
        hypotheses=("X rank deficient",),
        falsifies="one-hidden-critical-point-equations",
    ),
    Theorem(
        id="variant-balancedness-swapped",
        title="(false) W_{j+1} W_{j+1}^T - W_j^T W_j is conserved by gradient flow",
        source="seed 000's invariant with the transposes swapped",
        statement="Wrong conclusion: the Gram matrices on the outer sides of the layers are balanced.",
        expectation=Expectation.HOLDS,
        instances=lambda: linear_instances(
            architectures(min_depth=2, max_depth=3, min_width=2, max_width=2)
        ),
        check=balancedness_check("variant-balancedness-swapped", swapped=True),
        hypotheses=("uniform width 2",),
        falsifies="balancedness-invariant",
    ),
]

THEOREMS = [ONE_HIDDEN_CRITICAL_POINT_EQUATIONS, BALANCEDNESS_INVARIANT]
