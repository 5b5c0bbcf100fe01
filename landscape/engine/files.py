"""A user's theorem file: import it by path and collect the theorems it defines.

``landscape verify --file my_claim.py``, ``landscape list --file my_claim.py`` and the replay of
a certificate about a user landscape all come here.  A file is imported as a module (never
evaluated as text, never unpickled); every module-level :class:`~landscape.theorems.model.Theorem`
(not starting with ``_``, not imported from the catalogue) is one of its theorems, in file order.
Every problem is one line: a missing file, a file that does not import (with the exception and
the line), a file that defines no theorem, a theorem id that is malformed or taken.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
import traceback
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from landscape.errors import InvalidArgument, LandscapeError, UnknownTheorem

if TYPE_CHECKING:
    from landscape.theorems.model import Theorem

TUTORIAL = "docs/tutorial.md"
# A file still importing after this long is named on stderr, so a slow or blocked import (top-level
# code that trains, downloads or sleeps) is not a silent hang.
IMPORT_NOTICE_SECONDS = 1.0


def import_file(path: Path | str) -> ModuleType:
    """The module of the Python file at ``path``, imported once per process.

    A file already imported (by pytest, or by an earlier call) is not imported again.  Its
    folder is put on ``sys.path`` first, so it can import its neighbours.
    """
    path = Path(path)
    if path.suffix != ".py":
        raise InvalidArgument(f"{path} is not a Python file; pass a .py file that defines theorems (see {TUTORIAL})")
    if not path.is_file():
        raise InvalidArgument(f"{path}: no such file; check the path")
    resolved = path.resolve()
    loaded = already_imported(resolved)
    if loaded is not None:
        return loaded
    name = f"landscape_user_{resolved.stem}_{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"{path} cannot be imported as a module; pass a .py file")
    module = importlib.util.module_from_spec(spec)
    if str(resolved.parent) not in sys.path:
        sys.path.insert(0, str(resolved.parent))
    sys.modules[name] = module
    notice = threading.Timer(IMPORT_NOTICE_SECONDS, _say_still_importing, (path,))
    notice.daemon = True
    notice.start()
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        if isinstance(exc, LandscapeError):
            raise type(exc)(f"{path.name}: {exc}") from None
        if isinstance(exc, KeyboardInterrupt):
            raise KeyboardInterrupt(f"while importing {path}") from None
        # SystemExit too: a file that exits on import is refused, it does not end the run
        raise InvalidArgument(f"{path} does not import: {_describe(exc, resolved)}; fix the file and run again") from None
    finally:
        notice.cancel()
    return module


def _say_still_importing(path: Path) -> None:
    print(f"landscape: importing {path} (its top-level code is still running; Ctrl-C stops it) ...", file=sys.stderr, flush=True)


def already_imported(resolved: Path) -> ModuleType | None:
    """The module this process imported from the file ``resolved``, if any."""
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.endswith(resolved.name) and os.path.realpath(file) == str(resolved):
            return module
    return None


def _describe(exc: BaseException, file: Path) -> str:
    """``Type: message (line N)``, N being the last line of ``file`` the exception passed through."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if Path(frame.filename) == file]
    message = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {message}" + (f" (line {lines[-1]})" if lines else "")


def theorems_in(path: Path | str) -> list[Theorem]:
    """The theorems a user file defines, validated; a file with none is an error."""
    from landscape.theorems.catalogue import REGISTRY
    from landscape.theorems.model import Theorem as TheoremType
    from landscape.theorems.registry import Registry

    module = import_file(path)
    catalogue = {id(theorem) for theorem in REGISTRY}
    found: list[Theorem] = []
    for name, value in vars(module).items():
        if isinstance(value, TheoremType) and not name.startswith("_") and id(value) not in catalogue:
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
    from landscape.theorems.catalogue import REGISTRY, build_registry

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
