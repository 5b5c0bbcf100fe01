"""Families register themselves by class: one name per class, facts on the class, replay by discovery."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes import base
from landscape.landscapes.activations import ACTIVATIONS, NEURON_ACTIVATIONS
from landscape.landscapes.base import Landscape, landscape_from_spec
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.mlp import MLP
from landscape.landscapes.networks import SingleNeuron

TOY_FILE = '''
from landscape.landscapes.base import Landscape


class Toy(Landscape):
    family = "{family}"
    n_params = 1

    def loss(self, theta):
        return (theta * theta).sum(1)

    def loss_scale(self):
        return 1.0

    def spec(self):
        return {{"family": self.family}}

    @classmethod
    def from_spec(cls, spec):
        return cls()
'''


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """Each test claims names in a copy of the registry, so nothing leaks into other tests."""
    base._import_families()  # first, so that the families it defines stay in the real registry
    monkeypatch.setattr(base, "_FAMILIES", dict(base._FAMILIES))


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Bowl(Landscape):
    """A loss with everything but a family: helpers and variants like it claim no name."""

    n_params = 1

    def loss(self, theta: Tensor) -> Tensor:
        return (theta * theta).sum(1)

    def loss_scale(self) -> float:
        return 1.0

    def spec(self) -> dict:
        return {"family": self.family}


def test_a_second_class_claiming_a_family_is_refused_in_one_line():
    with pytest.raises(InvalidArgument, match="landscape family 'deep-linear' is defined twice: by DeepLinear "
                       r"\(landscape.landscapes.deep_linear\) and .*Impostor \(.*test_families\); pick another name") as caught:
        class Impostor(_Bowl):
            family = "deep-linear"
    assert "\n" not in str(caught.value)
    assert landscape_from_spec(DeepLinear((1, 1), [[1.0]], [[2.0]]).spec()).__class__ is DeepLinear


def test_the_same_class_imported_again_replaces_itself(tmp_path):
    path = tmp_path / "toy_family.py"
    path.write_text(TOY_FILE.format(family="test-toy"))
    first = _import(path, "toy_family")
    again = _import(path, "toy_family")  # pytest and the harness re-import user files
    assert first.Toy is not again.Toy
    assert type(landscape_from_spec({"family": "test-toy"})) is again.Toy


def test_a_copy_of_a_class_in_another_module_is_another_class(tmp_path):
    path = tmp_path / "toy_family.py"
    path.write_text(TOY_FILE.format(family="test-copied"))
    _import(path, "toy_family")
    with pytest.raises(InvalidArgument, match="'test-copied' is defined twice: by Toy \\(toy_family\\) and Toy \\(elsewhere\\)"):
        _import(path, "elsewhere")


def test_a_class_without_a_family_claims_nothing():
    before = dict(base._FAMILIES)

    class Helper(_Bowl):
        pass

    class Variant(DeepLinear):
        pass

    assert base._FAMILIES == before
    assert Variant((1, 1), [[1.0]], [[2.0]]).spec()["family"] == "deep-linear"


def test_a_family_without_from_spec_is_not_rebuilt_as_its_parent():
    class Shifted(DeepLinear):
        family = "test-shifted"

    spec = Shifted((1, 1), [[1.0]], [[2.0]]).spec()
    assert spec["family"] == "test-shifted"
    with pytest.raises(DataError, match="'test-shifted' cannot be rebuilt from its spec: .*Shifted .* defines no from_spec"):
        landscape_from_spec(spec)


def test_an_unknown_family_lists_the_known_ones():
    with pytest.raises(DataError, match="unknown landscape family 'no-such'; known families: .*deep-linear.*tube.*user"):
        landscape_from_spec({"family": "no-such"})


def test_replay_finds_every_family_without_importing_it_first():
    """A fresh process that imports only the base module rebuilds a family defined elsewhere."""
    code = textwrap.dedent('''
        import sys
        from landscape.landscapes.base import landscape_from_spec
        assert "landscape.landscapes.factorisation" not in sys.modules
        built = landscape_from_spec({"family": "matrix-factorisation", "Y": [[1.0, 0.0], [0.0, 2.0]], "lam": 0.5, "width": 1})
        print(type(built).__name__, built.optimum().value)
    ''')
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    name, value = done.stdout.split()
    assert name == "MatrixFactorisation" and float(value) == pytest.approx(0.5 * (1.0 + 0.5**2) + 0.5 * 1.5, rel=1e-12)


def test_a_family_states_its_facts_on_its_class():
    linear = DeepLinear((1, 1, 1), [[1.0]], [[1.0]])  # (vw - 1)^2
    assert linear.optimum().value == 0.0 and linear.polynomial_degree() == 4
    assert linear.zero_set_bound(0) == 1.0  # theta_0 = 0 kills the product: F = tr S_yy
    symbols, expression = linear.symbolic_form()
    assert len(symbols) == 2 and float(expression.subs({symbols[0]: 2, symbols[1]: 3})) == 25.0
    bowl = _Bowl()
    assert (bowl.optimum(), bowl.symbolic_form(), bowl.polynomial_degree(), bowl.zero_set_bound(0)) == (None,) * 4


def test_each_family_takes_the_activations_it_took():
    assert list(NEURON_ACTIVATIONS) == [
        "relu", "square", "square-plus-one", "negative-shifted-square", "sigmoid", "tanh", "softplus", "leaky-relu",
        "cube", "swish", "gaussian-well",
    ]
    assert list(ACTIVATIONS) == [*NEURON_ACTIVATIONS, "identity", "asinh", "requ", "exp", "tilted-sine"]
    with pytest.raises(InvalidArgument, match="unknown activation 'identity'; choose one of: relu, square, .*, gaussian-well$"):
        SingleNeuron("identity", 1.0, 1.0)
    net = MLP((1, 2, 1), "identity", np.ones((1, 3)), np.ones((1, 3)))
    assert float(net.loss(torch.zeros(1, net.n_params, dtype=torch.float64))[0]) == 1.0
