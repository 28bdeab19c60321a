"""Writing CSV files a spreadsheet can open safely: no cell starts a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK("http://evil.example/a","x")`` becomes a live link,
older versions ran ``=cmd|...`` as a command), and a leading tab or carriage return
can hide the same. Every CSV the workbook writes for people to open (the ingest's
``rejects-<time>.csv``; any table export) goes through :func:`frame_to_csv_bytes` or
:func:`write_csv`, which neutralise such text cells the way OWASP recommends
(https://owasp.org/www-community/attacks/CSV_Injection): a single quote is put in front,
so the spreadsheet shows the text as text. The csv module quotes cells holding commas,
quotes or line breaks (rows end in CRLF, as RFC 4180 says, so a lone CR is quoted too),
so a cell cannot spill into the next one or start a row either.

Numbers stay numbers: columns of a numeric type are written as they are (``-3`` is a
count, not a formula), and a text cell that is exactly a plain number (``-1.5``,
``+44``, ``-2e3``) is left as it is too, since a spreadsheet can only read it as that
number. Everything else starting with one of the six characters is neutralised.

Files the workbook writes to read back itself in a source's own format (the fetched
data.police.uk CSVs, the synthetic sample) are not exports and keep their values
exactly, as data.police.uk publishes them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from csplib.store import atomic_write_bytes

#: A cell starting with one of these is read as a formula by spreadsheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A text cell made safe for a spreadsheet; anything else unchanged.

    >>> neutralise('=HYPERLINK("http://evil.example/a","x")')
    '\\'=HYPERLINK("http://evil.example/a","x")'
    >>> neutralise("-1.5"), neutralise(-3), neutralise("On or near High Street")
    ('-1.5', -3, 'On or near High Street')
    >>> neutralise("-1+cmd|' /C calc'!A0")
    "'-1+cmd|' /C calc'!A0"
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised (numeric columns untouched)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.is_datetime64_any_dtype(col):
            continue
        out[name] = col.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes, safe to open in a spreadsheet (no index)."""
    # CRLF line ends (RFC 4180): the csv writer then quotes any value holding a CR or
    # LF, so a value cannot start a new row.
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def rows_to_csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, each text cell neutralised (for writers without a DataFrame)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return buf.getvalue()


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to ``path`` atomically as a spreadsheet-safe CSV."""
    atomic_write_bytes(Path(path), frame_to_csv_bytes(frame))
