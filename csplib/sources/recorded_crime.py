"""Home Office / ONS police recorded crime open-data tables -> the ``recorded_crime`` table.

Reads the force-level (PFA) and CSP-level tables (one row per financial quarter x
area x Home Office offence code) from CSV, .xlsx, .xls or .ods.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import (
    LoadResult,
    check_columns,
    empty_rejects,
    make_rejects,
    read_path_bytes,
    read_table,
)
from csplib.sources.spreadsheet import (
    SPREADSHEET_SUFFIXES,
    find_header_row,
    norm_name,
    open_workbook,
    rows_below,
    sheet_text,
)

TABLE = "recorded_crime"

#: Canonical column -> column name as published.
REQUIRED = {
    "financial_year": "Financial Year",
    "financial_quarter": "Financial Quarter",
    "force_name": "Force Name",
    "offence_description": "Offence Description",
    "offence_group": "Offence Group",
    "offence_subgroup": "Offence Subgroup",
    "offence_code": "Offence Code",
    "count": "Number of Offences",
}
#: Present in the CSP-level table only.
OPTIONAL = {"csp_name": "CSP Name"}

COLUMNS = [
    "financial_year",
    "financial_quarter",
    "force_name",
    "csp_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "count",
]

_FIX = (
    "give the Home Office 'police recorded crime open data' table (force or CSP level) "
    "with the columns " + ", ".join(REQUIRED.values()) + " (and CSP Name at CSP level)"
)

# Reasons are fixed strings (the offending text goes in the ``value`` column) so that
# ``LoadResult.reject_reasons()`` groups them.
BAD_YEAR = "financial year is not like 2017/18"
BAD_QUARTER = "financial quarter is not 1, 2, 3 or 4"
NO_FORCE = "force name is empty"
NO_CSP = "CSP name is empty"
BAD_COUNT = "number of offences is not a whole number"
NEGATIVE_COUNT = "number of offences is negative"


def load_recorded_crime(path: Path, *, reject_negative: bool = False) -> LoadResult:
    """Load a police recorded crime open-data table (force or CSP level).

    Columns are matched ignoring case and spacing, in any order; extra columns are
    ignored. Spreadsheets: every sheet with a header row holding 'Financial Year' is
    read, and ``source_line`` is the spreadsheet row number.

    Rows are rejected (never dropped) when the financial year, quarter, force (or CSP)
    name or number of offences is unusable. Negative numbers of offences are real in
    these tables: they are net adjustments for crimes cancelled or reclassified after
    the quarter they were first counted in (Kent 2017/18 Q4 has a -1 for homicide),
    and the published totals include them. They are therefore kept and counted in
    ``flags['negative_count']``; pass ``reject_negative=True`` to reject them instead.
    "-00" (published for codes with nothing recorded) reads as 0.
    """
    path = Path(path)
    name = path.name
    flags: Counter = Counter()
    notes: list[str] = []
    kept: list[pd.DataFrame] = []
    rejects: list[pd.DataFrame] = []

    if path.suffix.casefold() in SPREADSHEET_SUFFIXES:
        with open_workbook(path) as book:
            sheets = [(sheet, sheet_text(book, sheet)) for sheet in book.sheet_names]
        found = False
        for sheet, text in sheets:
            header_row = find_header_row(text, lambda cells: "financial year" in cells)
            if header_row is None:
                notes.append(f"sheet '{sheet}' skipped: no 'Financial Year' header row")
                continue
            found = True
            header = text.loc[header_row].tolist()
            source_file = f"{name} [{sheet}]"
            try:
                positions = _column_positions(header, source_file)
            except InputFormatError as err:
                # check_columns says line 1; in a spreadsheet the header is further down.
                raise InputFormatError(
                    err.message, file=source_file, line=header_row, fix=err.fix
                ) from None
            raw = rows_below(text, header_row, {i: c for c, i in positions.items()})
            frame, bad = _validate(raw, source_file, "csp_name" in positions, reject_negative)
            kept.append(frame)
            rejects.append(bad)
        if not found:
            raise InputFormatError(
                "no sheet has a header row with a 'Financial Year' column",
                file=name,
                fix=_FIX,
            )
    else:
        table = read_table(read_path_bytes(path), name)
        positions = _column_positions(table.header, name)
        raw = table.frame[[*(table.header[i] for i in positions.values()), "source_line"]]
        raw.columns = [*positions, "source_line"]
        frame, bad = _validate(raw, name, "csp_name" in positions, reject_negative)
        kept.append(frame)
        rejects.extend([table.rejects, bad])

    frame = pd.concat(kept, ignore_index=True) if kept else _empty_frame()
    all_rejects = pd.concat([r for r in rejects if len(r)] or [empty_rejects()], ignore_index=True)
    n_negative = int((frame["count"] < 0).sum())
    if n_negative:
        flags["negative_count"] = n_negative
        notes.append(
            f"{n_negative} row(s) have a negative number of offences: net adjustments for "
            "crimes cancelled or reclassified later, kept because the published totals "
            "include them"
        )
    return LoadResult(TABLE, frame, all_rejects, str(path), flags, notes)


def _column_positions(header: list[str], source_file: str) -> dict[str, int]:
    """Canonical column -> position in ``header``; raises for missing columns."""
    keys = [norm_name(h) for h in header]
    positions: dict[str, int] = {}
    for canonical, published in {**REQUIRED, **OPTIONAL}.items():
        if norm_name(published) in keys:
            positions[canonical] = keys.index(norm_name(published))
    # check_columns compares case-insensitively; collapse spacing first so that
    # "Number of  Offences" matches too.
    check_columns(
        [re.sub(r"\s+", " ", str(h)).strip() for h in header],
        list(REQUIRED.values()),
        source_file,
        "a police recorded crime open-data table",
        _FIX,
    )
    return positions


def _financial_year(text: str) -> str | None:
    """'2017/18', '2017-18' or '2017/2018' -> '2017/18'; None when not a financial year.

    >>> _financial_year("2017-2018"), _financial_year("2017/19")
    ('2017/18', None)
    """
    m = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", text.strip())
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    if (len(m.group(2)) == 2 and end == (start + 1) % 100) or end == start + 1:
        return f"{start}/{(start + 1) % 100:02d}"
    return None


def _quarter(text: str) -> int | None:
    m = re.fullmatch(r"(?:q\s*)?([1-4])", text.strip().casefold())
    return int(m.group(1)) if m else None


def _lookup(series: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply ``func`` once per distinct value (a CSP table repeats a handful of years
    and quarters over hundreds of thousands of rows)."""
    table = {v: func(v) for v in series.unique()}
    return series.map(table)


def _validate(
    raw: pd.DataFrame, source_file: str, has_csp: bool, reject_negative: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical rows kept, and one reject per unusable row (first problem found)."""
    raw = raw.reset_index(drop=True)
    s = {c: raw[c].astype("str").str.strip() for c in raw.columns if c != "source_line"}
    lines = raw["source_line"].to_numpy()

    year = _lookup(s["financial_year"], _financial_year)
    quarter = _lookup(s["financial_quarter"], _quarter)
    count_ok = s["count"].str.fullmatch(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)").fillna(False)
    count = pd.to_numeric(s["count"].where(count_ok).str.replace(",", ""), errors="coerce")

    checks: list[tuple[pd.Series, str, str]] = [
        (year.isna(), "financial_year", BAD_YEAR),
        (quarter.isna(), "financial_quarter", BAD_QUARTER),
        (s["force_name"] == "", "force_name", NO_FORCE),
    ]
    if has_csp:
        checks.append((s["csp_name"] == "", "csp_name", NO_CSP))
    checks.append((count.isna(), "count", BAD_COUNT))
    if reject_negative:
        checks.append((count < 0, "count", NEGATIVE_COUNT))

    bad = pd.Series(False, index=raw.index)
    reject_parts = []
    for mask, column, reason in checks:
        hit = mask.fillna(False).astype(bool) & ~bad
        if hit.any():
            published = {**REQUIRED, **OPTIONAL}[column]
            reject_parts.append(
                make_rejects(
                    source_file, lines[hit.to_numpy()], reason, published, raw.loc[hit, column]
                )
            )
        bad |= hit
    rejects = pd.concat(reject_parts, ignore_index=True) if reject_parts else empty_rejects()

    good = ~bad
    out = pd.DataFrame(
        {
            "financial_year": year[good].astype("str"),
            "financial_quarter": quarter[good].astype("int64"),
            "force_name": s["force_name"][good],
            "csp_name": s["csp_name"][good]
            if has_csp
            else pd.Series(pd.NA, index=raw.index[good], dtype="str"),
        }
    )
    for column in ("offence_description", "offence_group", "offence_subgroup", "offence_code"):
        text = s[column][good]
        out[column] = text.mask(text == "")  # an empty cell is missing, not a name
    out["count"] = count[good].astype("int64")
    return out[COLUMNS].reset_index(drop=True), rejects


def _empty_frame() -> pd.DataFrame:
    dtypes = {c: "str" for c in COLUMNS} | {"financial_quarter": "int64", "count": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
