"""Partner indicator tables (data not from the police) -> the ``partner_indicators`` table.

Domestic abuse repeats, MARAC referrals, first-time entrants, reoffending, KSI
casualties, survey perceptions, needles collected...: small tables partners fill
in from ``data/templates/partner_indicators_template.csv``. The rules a row must
meet are documented in ``data/templates/README.md`` and enforced here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
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

TABLE = "partner_indicators"
COLUMNS = ["indicator", "area", "period", "numerator", "denominator", "value", "unit", "source"]
REQUIRED = [c for c in COLUMNS if c != "source"]
UNITS = ("count", "percent", "rate_per_1000", "proportion", "other")

#: value = numerator / denominator x this, by unit. A count has no denominator.
MULTIPLIER = {"percent": 100.0, "rate_per_1000": 1000.0, "proportion": 1.0, "other": 1.0}

TEMPLATE_HINT = (
    "start from data/templates/partner_indicators_template.csv (columns "
    + ", ".join(COLUMNS)
    + "; see data/templates/README.md)"
)

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def parse_period(text: str) -> str | None:
    """Normalise a reporting period, or None when it is not one we understand.

    Financial year "2023/24" (or "2023/2024"), financial quarter "2023/24 Q1",
    month "2023-04", calendar year "2023". Because Excel turns a typed 2023-04 into
    a date, "Apr-23", "April 2023" and a first-of-month date "2023-04-01" are read
    as that month too.

    >>> [parse_period(p) for p in ["2023/24", "2023/2024 q1", "2023-04", "2023", "Apr-23"]]
    ['2023/24', '2023/24 Q1', '2023-04', '2023', '2023-04']
    >>> [parse_period(p) for p in ["2023/25", "2023-13", "2023 Q1", "23/24"]]
    [None, None, None, None]
    """
    t = re.sub(r"\s+", " ", str(text)).strip().casefold()
    m = re.fullmatch(r"(\d{4})/(\d{2}|\d{4})(?: ?-? ?q([1-4]))?", t)
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        # The second year must follow the first: "2023/25" is a typo, not a period.
        if not ((len(m.group(2)) == 2 and end == (start + 1) % 100) or end == start + 1):
            return None
        fy = f"{start}/{(start + 1) % 100:02d}"
        return f"{fy} Q{m.group(3)}" if m.group(3) else fy
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-01)?", t)
    if m:
        return f"{m.group(1)}-{m.group(2)}" if 1 <= int(m.group(2)) <= 12 else None
    m = re.fullmatch(r"([a-z]+)[ -](\d{2}|\d{4})", t)
    if m and m.group(1) in _MONTHS:
        year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
        return f"{year}-{_MONTHS[m.group(1)]:02d}"
    if re.fullmatch(r"\d{4}", t):
        return t
    return None


@dataclass
class _Number:
    value: float
    decimals: int  # digits after the point as written: how precisely it was rounded


def _number(text: str, allow_percent_sign: bool = False) -> _Number | None:
    t = text.strip().replace(" ", "")
    if allow_percent_sign and t.endswith("%"):
        t = t[:-1]
    m = re.fullmatch(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?", t)
    if not m or t in ("", "-", ".", "-."):
        return None
    return _Number(float(t.replace(",", "")), len(m.group(1) or ""))


class _Reject(Exception):
    def __init__(self, column: str, reason: str, value: str | None = None) -> None:
        super().__init__(reason)
        self.column, self.reason, self.value = column, reason, value


def _numbers(row: dict[str, str], unit: str) -> tuple:
    """(numerator, denominator, value) parsed, None where a cell is empty."""
    numbers: dict[str, _Number | None] = {}
    for column in ("numerator", "denominator", "value"):
        if not row[column]:
            numbers[column] = None
            continue
        parsed = _number(row[column], allow_percent_sign=column == "value" and unit == "percent")
        if parsed is None:
            raise _Reject(column, f"{column} is not a number", row[column])
        numbers[column] = parsed
    num, den, val = numbers["numerator"], numbers["denominator"], numbers["value"]

    return num, den, val


def _check_counts(row: dict[str, str], unit: str, num, den, val) -> None:
    """The rules on the numbers' presence, signs and sizes, in the order they are told."""
    if den is not None and num is None:
        raise _Reject("numerator", "a denominator is given without a numerator")
    if val is None and num is None:
        raise _Reject("value", "give a value, or a numerator (and denominator)")
    for column, n in (("numerator", num), ("denominator", den)):
        if n is not None and n.value < 0:
            raise _Reject(column, f"{column} is negative (counts cannot be)", row[column])
    # Only 'other' may hold a signed quantity (a change, say); the other units are
    # counts or shares of counts.
    if val is not None and val.value < 0 and unit != "other":
        raise _Reject("value", f"value is negative, which a {unit} cannot be", row["value"])
    if den is not None and den.value == 0:
        raise _Reject("denominator", "denominator is zero", row["denominator"])
    if den is not None and unit == "count":
        raise _Reject(
            "denominator",
            "a count has no denominator: use unit percent, proportion or rate_per_1000",
            row["denominator"],
        )
    # A share cannot exceed its whole; a rate per 1,000 can (a town-centre ward with
    # few residents and many visitors), so it is not checked.
    share = unit in ("percent", "proportion")
    if share and num is not None and den is not None and num.value > den.value:
        raise _Reject(
            "numerator",
            "numerator is greater than denominator",
            f"{row['numerator']} > {row['denominator']}",
        )


def _checked_value(row: dict[str, str], unit: str, num, den, val) -> float:
    """The value kept: computed from numerator and denominator where given (and checked
    against the value written), else the value written."""
    if num is not None and den is not None:
        computed: float | None = num.value / den.value * MULTIPLIER[unit]
    elif num is not None and unit in ("count", "other"):
        computed = num.value
    else:
        computed = None
    if computed is None and val is None:
        raise _Reject("value", f"a {unit} needs a value, or a denominator to go with the numerator")
    if computed is not None and val is not None:
        # The given value may be the computed one rounded as written: 23.3 stands for
        # anything in [23.25, 23.35].
        tolerance = 0.5 * 10.0 ** (-val.decimals) + 1e-9 * max(1.0, abs(computed))
        if abs(val.value - computed) > tolerance:
            raise _Reject(
                "value",
                "value disagrees with numerator / denominator",
                f"{row['value']} (computed {computed:.6g})",
            )
    value = computed if computed is not None else val.value  # type: ignore[union-attr]
    if unit == "percent" and value > 100:
        raise _Reject("value", "percentage over 100", row["value"] or f"{value:.6g}")
    if unit == "proportion" and value > 1:
        raise _Reject("value", "proportion over 1", row["value"] or f"{value:.6g}")
    return value


def _check_row(row: dict[str, str]) -> dict[str, object]:
    """One row's canonical values, or ``_Reject`` naming the first rule it breaks."""
    for column in ("indicator", "area"):
        if not row[column]:
            raise _Reject(column, f"{column} is empty")
    period = parse_period(row["period"])
    if period is None:
        raise _Reject(
            "period",
            "period is not a financial year 2023/24, quarter 2023/24 Q1, "
            "month 2023-04 or year 2023",
            row["period"],
        )
    unit = row["unit"].casefold()
    if unit not in UNITS:
        raise _Reject("unit", "unknown unit: use " + ", ".join(UNITS), row["unit"])

    num, den, val = _numbers(row, unit)
    _check_counts(row, unit, num, den, val)
    value = _checked_value(row, unit, num, den, val)
    return {
        "indicator": row["indicator"],
        "area": row["area"],
        "period": period,
        "numerator": num.value if num is not None else float("nan"),
        "denominator": den.value if den is not None else float("nan"),
        "value": float(value),
        "unit": unit,
        "source": row["source"] or None,
    }


def load_partner_indicators(path: Path) -> LoadResult:
    """Load a partner indicator table (CSV, or the first sheet holding the template
    header in an .xlsx/.xls/.ods workbook).

    Each row must meet the rules in ``data/templates/README.md``; a row that breaks
    one is rejected with the rule as its reason and its line (spreadsheet row). When
    numerator and denominator are both given, the kept ``value`` is the one computed
    from them (a given value must agree with it to the precision written).
    """
    path = Path(path)
    name = path.name
    notes: list[str] = []
    if path.suffix.casefold() in SPREADSHEET_SUFFIXES:
        raw, source_file, extra = _read_spreadsheet(path)
        parser_rejects = empty_rejects()
    else:
        table = read_table(read_path_bytes(path), name)
        source_file = name
        keys = [norm_name(h) for h in table.header]
        check_columns(
            [re.sub(r"\s+", " ", h).strip() for h in table.header],
            REQUIRED,
            name,
            "a partner indicator table",
            TEMPLATE_HINT,
        )
        raw = pd.DataFrame({"source_line": table.frame["source_line"]})
        for column in COLUMNS:
            raw[column] = table.frame[table.header[keys.index(column)]] if column in keys else ""
        extra = [h for h, k in zip(table.header, keys, strict=True) if k not in COLUMNS]
        parser_rejects = table.rejects
    if extra:
        notes.append("columns ignored (not in the template): " + ", ".join(extra))

    kept: list[dict[str, object]] = []
    bad: list[tuple[int, str, str, str | None]] = []
    first_line: dict[tuple[object, ...], int] = {}
    for rec in raw.to_dict("records"):
        line = int(rec["source_line"])
        row = {c: str(rec[c]).strip() for c in COLUMNS}
        try:
            out = _check_row(row)
        except _Reject as err:
            bad.append((line, err.column, err.reason, err.value))
            continue
        # Two values for one indicator, area, period and unit cannot both be right.
        key = (out["indicator"], out["area"], out["period"], out["unit"])
        if key in first_line:
            bad.append(
                (
                    line,
                    "period",
                    f"repeats the indicator, area, period and unit of line {first_line[key]}",
                    row["period"],
                )
            )
            continue
        first_line[key] = line
        kept.append(out)

    frame = pd.DataFrame(kept, columns=COLUMNS).astype(
        {
            "indicator": "str",
            "area": "str",
            "period": "str",
            "numerator": "float64",
            "denominator": "float64",
            "value": "float64",
            "unit": "str",
            "source": "str",
        }
    )
    parts = [parser_rejects] if len(parser_rejects) else []
    parts += [make_rejects(source_file, [ln], reason, col, [v]) for ln, col, reason, v in bad]
    rejects = pd.concat(parts, ignore_index=True) if parts else empty_rejects()
    rejects = rejects.sort_values("source_line", kind="stable").reset_index(drop=True)
    return LoadResult(TABLE, frame, rejects, str(path), Counter(), notes)


def _read_spreadsheet(path: Path) -> tuple[pd.DataFrame, str, list[str]]:
    with open_workbook(path) as book:
        sheets = [(sheet, sheet_text(book, sheet)) for sheet in book.sheet_names]
    for sheet, text in sheets:
        header_row = find_header_row(text, lambda cells: "indicator" in cells)
        if header_row is None:
            continue
        header = text.loc[header_row].tolist()
        keys = [norm_name(h) for h in header]
        source_file = f"{path.name} [{sheet}]"
        missing = [c for c in REQUIRED if c not in keys]
        if missing:
            raise InputFormatError(
                "this does not look like a partner indicator table: missing column(s) "
                + ", ".join(repr(m) for m in missing),
                file=source_file,
                line=header_row,
                fix=TEMPLATE_HINT,
            )
        names = {keys.index(c): c for c in COLUMNS if c in keys}
        raw = rows_below(text, header_row, names)
        if "source" not in raw:
            raw["source"] = ""
        extra = [str(h) for h, k in zip(header, keys, strict=True) if k and k not in COLUMNS]
        return raw, source_file, extra
    raise InputFormatError(
        "no sheet has a header row with an 'indicator' column",
        file=path.name,
        fix=TEMPLATE_HINT,
    )
