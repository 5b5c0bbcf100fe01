"""The public API: adapters agree with independent implementations, builder arguments round-trip
through JSON exactly, and the catalogue uses nothing a user cannot import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import landscape
from landscape import api
from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.builders import decode, encode, instance_key, render
from landscape.landscapes.base import Landscape
from landscape.theorems.catalogue import FAMILIES

ROOT = Path(__file__).resolve().parent.parent


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 5)), rng.standard_normal((2, 5))


def _points(count: int, size: int) -> torch.Tensor:
    return torch.randn(count, size, generator=torch.Generator().manual_seed(1), dtype=torch.float64)


def test_a_module_landscape_is_the_deep_linear_landscape():
    """Two bias-free linear layers as a torch module give DeepLinear's loss, gradient and Hessian
    (independent implementations: closed-form covariance form vs. autograd through the module)."""
    x, y = _data()
    module = torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False), torch.nn.Linear(2, 2, bias=False))
    user = api.from_module(module, x.T, y.T)  # samples as rows
    reference = api.DeepLinear((3, 2, 2), x, y)  # samples as columns; same row-major layer order
    theta = _points(4, reference.n_params)
    assert user.n_params == reference.n_params
    torch.testing.assert_close(user.loss(theta), reference.loss(theta))
    torch.testing.assert_close(user.gradient(theta), reference.gradient(theta))
    torch.testing.assert_close(user.hessian(theta), reference.hessian(theta))


def test_function_landscape_derivatives_match_torch_func():
    """The adapters' reverse-mode gradient and Hessian equal torch.func's (the base class's)."""
    m = np.array([[2.0, 0.5], [0.5, -1.0]])
    user = api.from_function(lambda u, d: ((d["M"] - torch.outer(u, u)) ** 2).sum(), 2, {"M": m})
    theta = _points(5, 2)
    torch.testing.assert_close(user.gradient(theta), Landscape.gradient(user, theta))
    torch.testing.assert_close(user.hessian(theta), Landscape.hessian(user, theta))


def test_loss_must_return_a_scalar():
    with pytest.raises(InvalidArgument, match="must return a scalar"):
        api.from_function(lambda u, d: u * 2, 3)


@pytest.mark.parametrize("n_params", [0, -1, 2.5, True], ids=["zero", "negative", "float", "bool"])
def test_n_params_must_be_a_positive_integer(n_params):
    with pytest.raises(InvalidArgument, match="n_params"):
        api.from_function(lambda u, d: (u**2).sum(), n_params)


ROUND_TRIP = [
    ("scalars", {"a": 1, "b": 2.5, "c": "text", "d": None, "e": True}),
    ("tuple", {"widths": (2, 3, 1)}),
    ("nested", {"spec": {"k": [1.0, (2, 3)]}}),
    ("float-array", {"x": np.arange(6.0).reshape(2, 3) / 7}),
    ("int-array", {"x": np.arange(4)}),
]


@pytest.mark.parametrize("name, arguments", ROUND_TRIP, ids=[r[0] for r in ROUND_TRIP])
def test_builder_arguments_round_trip_exactly(name, arguments):
    encoded = {k: encode(v, k) for k, v in arguments.items()}
    decoded = {k: decode(v) for k, v in encoded.items()}
    for key, value in arguments.items():
        if isinstance(value, np.ndarray):
            assert decoded[key].dtype == value.dtype and np.array_equal(decoded[key], value)
        else:
            assert decoded[key] == value and type(decoded[key]) is type(value)
    assert render(encoded) == render({k: encode(v, k) for k, v in decoded.items()})


def test_a_tensor_argument_comes_back_as_a_float64_tensor():
    value = decode(encode(torch.tensor([1.0, 2.0]), "t"))
    assert isinstance(value, torch.Tensor) and value.dtype == torch.float64 and value.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "value, error, message",
    [(float("nan"), DataError, "not finite"), (np.array([1.0, np.inf]), DataError, r"\[1\] = inf"), (object(), InvalidArgument, "cannot record")],
    ids=["nan", "inf-in-array", "object"],
)
def test_unrecordable_builder_arguments_are_refused(value, error, message):
    with pytest.raises(error, match=message):
        encode(value, "f(x=...)")


def spread(*values: float) -> Landscape:
    raise AssertionError("never called: only decorated")


def test_a_builder_must_name_its_arguments():
    with pytest.raises(InvalidArgument, match="name every argument"):
        api.builder(spread)


def test_an_instance_repr_with_an_address_is_refused():
    with pytest.raises(InvalidArgument, match="memory address"):
        instance_key(object())
    assert instance_key((1, 2)) == "(1, 2)"


def test_api_names_are_the_catalogues_objects():
    from landscape.theorems import common, model

    assert api.Theorem is model.Theorem and api.survey is common.survey and api.certify is common.certify
    assert all(getattr(landscape, name) is getattr(api, name) for name in api.__all__)
    with pytest.raises(AttributeError):
        landscape.no_such_name  # noqa: B018


def test_import_landscape_stays_cheap():
    code = "import sys, landscape; print('torch' in sys.modules, 'hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_catalogue_imports_only_public_names():
    """Every name a catalogue module imports from the package is public (no underscore), so a
    user's file can take the same route; the Theorem model and building blocks are in the API."""
    imported: set[str] = set()
    for family in FAMILIES:
        tree = ast.parse(Path(family.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("landscape"):
                names = {alias.name for alias in node.names}
                assert not {n for n in names if n.startswith("_")}, (family.__name__, node.module, names)
                assert not any(part.startswith("_") for part in node.module.split(".")), node.module
                imported |= names
    blocks = {"Theorem", "Expectation", "Evidence", "Outcome", "Context", "survey", "certify", "certified", "classify", "PointClass"}
    assert blocks & imported <= set(api.__all__)
    assert blocks <= set(api.__all__)


MODULE_CLAIM = '''
from __future__ import annotations
import numpy as np
import torch
from hypothesis import strategies as st
from landscape import api


@api.builder
def two_layer(x: np.ndarray, y: np.ndarray) -> api.Landscape:
    """A bias-free 2-2-1 linear network as a torch module; the optimum from the catalogue's oracle."""
    net = torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.Linear(2, 1, bias=False))
    return api.from_module(net, x, y, optimum=api.optimum_of(api.DeepLinear((2, 2, 1), x.T, y.T)).value)


def data(seed: int) -> api.Landscape:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 2))
    return two_layer(x, x @ np.array([[1.0], [-2.0]]) + 0.1 * rng.standard_normal((5, 1)))


def origin(landscape):
    return [("origin", np.zeros(landscape.n_params))]


NO_SPURIOUS = api.Theorem(
    id="module-no-spurious-minima", title="t", source="test", statement="s", expectation=api.Expectation.HOLDS,
    instances=lambda: st.integers(0, 50).map(data), check=api.forbid(api.PointClass.LOCAL_MINIMUM, special=origin),
)
ONLY_MINIMA = api.Theorem(
    id="variant-module-only-minima", title="t", source="test", statement="s", expectation=api.Expectation.HOLDS,
    instances=lambda: st.integers(0, 50).map(data),
    check=api.forbid(api.PointClass.LOCAL_MINIMUM, api.PointClass.STRICT_SADDLE, special=origin),
    falsifies="module-no-spurious-minima",
)
'''


def test_a_torch_module_theorem_runs_through_the_cli(tmp_path):
    """A claim about a torch module verifies (holds), its variant is refuted at the origin (a strict
    saddle of a two-layer linear network), and the certificate replays by rebuilding the module."""
    import io

    from landscape.cli import main

    (tmp_path / "module_claim.py").write_text(MODULE_CLAIM)
    out = io.StringIO()
    status = main(["verify", "--file", str(tmp_path / "module_claim.py"), "--instances", "2", "--restarts", "8",
                   "--certificates", str(tmp_path / "certs")], out=out)
    assert status == 0, out.getvalue()
    assert "2 of 2 verdicts as expected" in out.getvalue() and "budget quick+instances=2+restarts=8" in out.getvalue()
    outcome = api.replay(tmp_path / "certs" / "variant-module-only-minima.json")
    assert outcome.passed and outcome.claim.startswith("origin: a strict_saddle")
