"""One exception hierarchy for the harness.

Every error a user can cause derives from :class:`LandscapeError`; the CLI turns any of them
into one line on stderr and exit status 2.  :class:`TheoremViolation` is the structured
failure that pytest, the CLI and reports all render the same way.
"""

from __future__ import annotations


class LandscapeError(Exception):
    """Root of every error raised on purpose by the harness."""


class InvalidArgument(LandscapeError, ValueError):
    """An argument is out of its domain; the message names it and says how to fix it."""


class DataError(InvalidArgument):
    """Data (X, Y, covariances, a point) is malformed: NaN, infinite, or mismatched shapes."""


class OptimumError(InvalidArgument):
    """A loss below the stated global optimum: the optimum given with a landscape is wrong."""


class UnknownTheorem(LandscapeError, KeyError):
    """No theorem is registered under the requested id."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else "unknown theorem"


class DuplicateTheorem(LandscapeError):
    """Two theorems were registered under one id."""


class CertificateError(LandscapeError):
    """A certificate file cannot be read: missing, not JSON, wrong schema, malformed fields."""


class TheoremViolation(AssertionError):
    """A verdict that does not match the theorem's expectation.

    Carries the theorem id so that pytest, the CLI and reports render the same object::

        deep-linear-no-bad-local-min: expected holds, got refuted
          certificate: landscape-certificates/deep-linear-no-bad-local-min.json
    """

    def __init__(self, theorem_id: str, expected: str, got: str, detail: str = "") -> None:
        self.theorem_id = theorem_id
        self.expected = expected
        self.got = got
        self.detail = detail
        message = f"{theorem_id}: expected {expected}, got {got}"
        super().__init__(message + (f"\n  {detail}" if detail else ""))
