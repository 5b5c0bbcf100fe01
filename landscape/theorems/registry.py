"""A registry of theorems keyed by id; duplicate ids are an error."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from landscape.errors import DuplicateTheorem, InvalidArgument, UnknownTheorem
from landscape.theorems.model import Theorem

ID_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class Registry:
    """Theorems by id, in registration order."""

    def __init__(self) -> None:
        self._theorems: dict[str, Theorem] = {}

    def register(self, theorem: Theorem) -> Theorem:
        if not theorem.id or not set(theorem.id) <= ID_CHARACTERS:
            raise InvalidArgument(
                f"theorem id {theorem.id!r} must be kebab-case: lowercase letters, digits and '-'"
            )
        if theorem.id in self._theorems:
            raise DuplicateTheorem(f"theorem id {theorem.id!r} is registered twice; ids must be unique")
        self._theorems[theorem.id] = theorem
        return theorem

    def get(self, theorem_id: str) -> Theorem:
        try:
            return self._theorems[theorem_id]
        except KeyError:
            close = difflib.get_close_matches(theorem_id, list(self._theorems), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UnknownTheorem(
                f"unknown theorem id {theorem_id!r}{hint}; run `landscape list` to see the ids"
            ) from None

    def __contains__(self, theorem_id: object) -> bool:
        return theorem_id in self._theorems

    def __iter__(self) -> Iterator[Theorem]:
        return iter(self._theorems.values())

    def __len__(self) -> int:
        return len(self._theorems)

    def catalogue(self) -> list[Theorem]:
        """The theorems proper (no falsified variants)."""
        return [t for t in self if not t.is_variant]

    def variants(self) -> list[Theorem]:
        """The falsified variants."""
        return [t for t in self if t.is_variant]
