"""The one error type users see: it says what went wrong and what to do."""

from __future__ import annotations


class CadenaError(Exception):
    """A problem the user can act on; the CLI prints it without a traceback and exits 2."""

    exit_code = 2


class NotACaseError(CadenaError):
    """The folder given (or the current one) holds no case."""
