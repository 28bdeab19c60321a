"""Spreadsheets as ONS and the Home Office publish them (.xlsx, .xls, .ods): open a
workbook, read a sheet as text, find the header row below title lines."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import read_path_bytes

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


def norm_name(name: object) -> str:
    """Column-name key: case and runs of spaces do not matter.

    >>> norm_name("  Financial   year ")
    'financial year'
    """
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


# --------------------------------------------------------------------------------------
# Spreadsheet helpers (shared with the population and partner loaders)


def cell_text(value: object) -> str:
    """Text of one spreadsheet cell as a person would read it.

    Whole-number floats lose their ``.0`` because xlrd and odf return every number
    as a float, and ``41233.0`` must parse as a count.

    >>> cell_text(41233.0), cell_text(None), cell_text(2.5), cell_text(" Kent ")
    ('41233', '', '2.5', ' Kent ')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value is pd.NaT:
            return ""
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


class Workbook:
    """An open .xlsx/.xls/.ods workbook: ``sheet_names`` and ``sheet_text(book, name)``.
    Use it as a context manager so the file is closed.

    .xls goes through xlrd directly because pandas has deprecated its xlrd engine;
    .xlsx (openpyxl) and .ods (odfpy) go through ``pandas.read_excel``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._xls = None
        if self.path.suffix.casefold() == ".xls":
            import xlrd  # only needed for the old binary format

            self._xls = xlrd.open_workbook(str(self.path))
            self.sheet_names: list[str] = list(self._xls.sheet_names())
        else:
            engine = "odf" if self.path.suffix.casefold() == ".ods" else None
            self._excel = pd.ExcelFile(self.path, engine=engine)
            self.sheet_names = [str(s) for s in self._excel.sheet_names]

    def close(self) -> None:
        """Release the file handle (pandas keeps the workbook open until closed)."""
        if self._xls is None:
            self._excel.close()
        else:
            self._xls.release_resources()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(self, sheet: str) -> pd.DataFrame:
        """The cells of one sheet as Python objects, blank rows kept."""
        if self._xls is None:
            return pd.read_excel(self._excel, sheet_name=sheet, header=None, dtype=object)
        import xlrd

        book = self._xls
        ws = book.sheet_by_name(sheet)
        rows = []
        for r in range(ws.nrows):
            row = []
            for c, (kind, value) in enumerate(zip(ws.row_types(r), ws.row_values(r), strict=True)):
                if kind == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate_as_datetime(value, book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        value = ws.cell_value(r, c)
                row.append(value)
            rows.append(row)
        return pd.DataFrame(rows, dtype=object)


def open_workbook(path: Path) -> Workbook:
    """Open an .xlsx/.xls/.ods workbook, turning library errors into an actionable error."""
    path = Path(path)
    if not path.is_file():
        read_path_bytes(path)  # raises the shared "file not found" / "folder" errors
    try:
        return Workbook(path)
    # xlrd, openpyxl, odfpy and zipfile each raise their own exception types.
    except Exception as err:
        raise InputFormatError(
            f"the spreadsheet cannot be read ({type(err).__name__}: {err})",
            file=path.name,
            fix="open it in Excel or LibreOffice and save it again, or export the table as CSV",
        ) from None


def sheet_text(book: Workbook, sheet: str) -> pd.DataFrame:
    """One sheet as strings; the index is the spreadsheet row number (1-based).

    Blank rows are kept when reading without a header, so position i is row i+1.
    """
    raw = book.raw(sheet)
    text = raw.map(cell_text)
    text.columns = range(text.shape[1])
    text.index = pd.RangeIndex(1, len(text) + 1)
    return text.astype("str")


def find_header_row(
    frame: pd.DataFrame, is_header: Callable[[list[str]], bool], max_rows: int = 60
) -> int | None:
    """Row number of the first row (among the first ``max_rows``) whose normalised
    cell texts satisfy ``is_header``; None when there is none."""
    for row_number, row in frame.head(max_rows).iterrows():
        if is_header([norm_name(v) for v in row.tolist()]):
            return int(row_number)
    return None


def rows_below(frame: pd.DataFrame, header_row: int, names: dict[int, str]) -> pd.DataFrame:
    """The rows under a header row, columns picked by position and renamed, blank rows
    removed (a blank spreadsheet row is layout, not a record), with ``source_line``."""
    body = frame.loc[header_row + 1 :, list(names)].rename(columns=names)
    blank = (body.apply(lambda s: s.str.strip()) == "").all(axis=1)
    body = body[~blank].copy()
    body["source_line"] = body.index.to_numpy(dtype="int64")
    return body.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# The loader
