from __future__ import annotations

import json
from pathlib import Path

import pytest

from landscape.theorems.budget import budget_named
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY


@pytest.fixture(scope="session")
def certificate_file(tmp_path_factory) -> Path:
    """A real certificate (the degenerate saddle at the origin), written by a real verification."""
    folder = tmp_path_factory.mktemp("certificates")
    result = verify(REGISTRY.get("variant-deep-linear-every-saddle-strict"), budget_named("quick"), 0, certificates=folder)
    return Path(result.certificate_path)


@pytest.fixture
def certificate_data(certificate_file) -> dict:
    return json.loads(certificate_file.read_text())
