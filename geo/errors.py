"""One error tree for frontline; each subclass carries its exit code.

Library code raises these; only ``geo.cli`` turns them into a one-line message and ``sys.exit(exit_code)``.
Anything else that escapes is a bug and is allowed to show its traceback.

Exit codes, grouped by kind (after kart's ``exceptions.py``):

====  ==========================================================================
0     success
1     a negative answer: no layer on that date, a store that fails ``verify``,
      a corrupted version refused for reading, ``diff --exit-code`` found changes
2     bad input or usage: unreadable or invalid files, unknown status, bad dates,
      names that would leave the store (click's own usage errors also exit 2)
3     something the command needs is missing: pinned web assets not in the cache,
      an optional dependency (matplotlib, a browser) not installed
75    temporary: the store lock could not be taken in time (EX_TEMPFAIL)
====  ==========================================================================
"""

from __future__ import annotations

SUCCESS = 0
NEGATIVE = 1
INVALID_INPUT = 2
MISSING_RESOURCE = 3
TEMPORARY = 75


class FrontlineError(Exception):
    """Root of every error frontline raises on purpose."""

    exit_code = NEGATIVE

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        """The error as one line, ready for a terminal."""
        return " ".join(str(self).split())


class NotFound(FrontlineError):
    """A theatre, date, version or place that the store does not hold."""

    exit_code = NEGATIVE


class NoLayerOnDate(NotFound):
    """No layer on the asked date; the message names the nearest dates that have one."""


class CorruptStore(FrontlineError):
    """Stored data failed a hash or consistency check; nothing is drawn from it."""

    exit_code = NEGATIVE


class InvalidInput(FrontlineError):
    """Input that frontline refuses: bad files, bad geometry, bad names, bad dates."""

    exit_code = INVALID_INPUT


class ValidationError(InvalidInput):
    """A layer that breaks a rule; ``where`` names the file and feature, ``problem`` what is wrong."""

    def __init__(self, problem: str, *, where: str = "", feature: int | None = None):
        self.problem = problem
        self.where = where
        self.feature = feature
        parts = [p for p in (where, f"feature {feature}" if feature is not None else "") if p]
        super().__init__(f"{': '.join(parts)}: {problem}" if parts else problem)


class LimitExceeded(InvalidInput):
    """Input past a configured size or vertex limit, refused before it is read whole."""


class MissingResource(FrontlineError):
    """Something the command needs is not installed or not cached (assets, matplotlib, a browser)."""

    exit_code = MISSING_RESOURCE


class LockTimeout(FrontlineError):
    """Another writer held the store lock for longer than the timeout."""

    exit_code = TEMPORARY
