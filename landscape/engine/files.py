"""A user's theorem file: import it (:mod:`landscape.usercode`) and collect the theorems it defines.

``landscape verify --file my_claim.py``, ``landscape list --file my_claim.py`` and the replay of
a certificate about a user landscape all come here.  A file is imported as a module (never
evaluated as text, never unpickled); every module-level :class:`~landscape.theorems.model.Theorem`
(not starting with ``_``, not imported from the catalogue) is one of its theorems, in file order.
Every problem is one line: a missing file, a file that does not import (with the exception and
the line), a file that defines no theorem, a theorem id that is malformed or taken.
"""

from __future__ import annotations

from pathlib import Path

from landscape.errors import InvalidArgument, UnknownTheorem
from landscape.theorems.catalogue import REGISTRY, build_registry
from landscape.theorems.model import Theorem
from landscape.theorems.registry import Registry
from landscape.usercode import TUTORIAL, import_file

def theorems_in(path: Path | str) -> list[Theorem]:
    """The theorems a user file defines, validated; a file with none is an error."""
    module = import_file(path)
    catalogue = {id(theorem) for theorem in REGISTRY}
    found: list[Theorem] = []
    for name, value in vars(module).items():
        if isinstance(value, Theorem) and not name.startswith("_") and id(value) not in catalogue:
            if all(value is not other for other in found):
                found.append(value)
    if not found:
        raise InvalidArgument(
            f"{path} defines no theorem; assign a landscape.api.Theorem to a top-level name (see {TUTORIAL})"
        )
    scratch = Registry()
    for theorem in found:
        if theorem.id in REGISTRY:
            raise InvalidArgument(f"{path}: theorem id {theorem.id!r} is taken by the catalogue; give yours another id")
        scratch.register(theorem)
    return found


def chosen_theorems(ids: list[str], file: Path | None, variants: bool = False) -> list[Theorem]:
    """What ``landscape verify`` runs.

    Without ``file``: the named ids, else the catalogue; with ``variants``, also the falsified
    variants of what was chosen (all of them when no id is named).
    With ``file``: the named ids among the file's theorems and the catalogue (a file theorem
    may not reuse a catalogue id), else every theorem and variant the file defines.
    """
    if file is None:
        theorems = [REGISTRY.get(i) for i in ids] if ids else REGISTRY.catalogue()
        if variants:
            named = {t.id for t in theorems}
            theorems += [v for v in REGISTRY.variants() if v not in theorems and (not ids or v.falsifies in named)]
        return theorems
    own = theorems_in(file)
    if not ids:
        return own
    registry = build_registry()
    for theorem in own:
        registry.register(theorem)
    try:
        return [registry.get(i) for i in ids]
    except UnknownTheorem as exc:
        raise UnknownTheorem(str(exc).replace("`landscape list`", f"`landscape list --file {file}`")) from None
