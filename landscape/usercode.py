"""A user's Python file, imported by path: the one way the harness runs a user's code.

A theorem file (``landscape verify --file``, pytest) and the file of a ``@builder`` that a
certificate names (replay, with the user's permission) are imported here: as a module, once per
process, never evaluated as text, never unpickled.  A file that does not import is one line
naming the exception and the line.
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

from landscape.errors import InvalidArgument, LandscapeError

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
