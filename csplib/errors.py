"""User-facing errors: which file, which line or column, what was expected, what to do."""

from __future__ import annotations

from pathlib import Path


class CspError(Exception):
    """An error the user can act on.

    The CLI prints ``str(err)`` (no traceback) and exits non-zero.

    >>> str(CspError("header not recognised", file="a.csv", line=1, fix="use a street file"))
    'a.csv, line 1: header not recognised. Fix: use a street file'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message.rstrip(".") + "."
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class InputFormatError(CspError):
    """A file is not in the format expected (wrong header, not text, empty...)."""


class ParameterError(CspError):
    """A parameter file or command-line value is invalid."""


class CoverageError(CspError):
    """A period needs months that are missing or incomplete in the data."""
