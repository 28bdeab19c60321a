"""Reporting periods (months, financial and calendar quarters and years, rolling 12 months)
and the check that the data covers every month of one.

Months are strings ``YYYY-MM`` throughout, as in the canonical tables. Partnerships report
in financial years: Q1 = April-June, Q2 = July-September, Q3 = October-December,
Q4 = January-March of the next calendar year; "2024/25" runs April 2024 to March 2025.

>>> p = parse_period("2019/20 Q1")
>>> p.label, p.start, p.end, p.days
('2019/20 Q1', '2019-04', '2019-06', 91)
>>> p.same_period_last_year().label
'2018/19 Q1'
>>> parse_period("12 months to 2019-06").months[0]
'2018-07'
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from csplib.errors import CoverageError, ParameterError

KINDS = ("month", "fquarter", "fyear", "cquarter", "cyear", "rolling12")

_MONTH_ABBR = [calendar.month_abbr[i] for i in range(13)]  # '', 'Jan', ... 'Dec'
_MONTH_NAMES = {calendar.month_abbr[i].casefold(): i for i in range(1, 13)}
_MONTH_NAMES.update({calendar.month_name[i].casefold(): i for i in range(1, 13)})
_MONTH_NAMES["sept"] = 9

ACCEPTED_FORMS = (
    "2019/20 Q1 (financial quarter; also 2019-20 Q1, 2019/2020 Q1, FY2019 Q1, FY19/20 Q1, "
    "Q1 2019/20), "
    "2019/20 (financial year April-March; also FY2019/20, FY2019, 2019/2020), "
    "2019 Q2 (calendar quarter; also 2019Q2), "
    "2019-06 (month; also Jun 2019), "
    "12 months to 2019-06 (rolling 12 months; also rolling 12 to 2019-06), "
    "CY2019 (calendar year; also Jan-Dec 2019)"
)
_FIX = f"write the period in one of these forms: {ACCEPTED_FORMS}"


# --- month arithmetic -------------------------------------------------------------------


def _month_number(month: str) -> int:
    """'2019-04' -> 2019 * 12 + 3, so that consecutive months differ by one."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(month))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ParameterError(f"'{month}' is not a month in the form YYYY-MM", fix="e.g. 2019-04")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def shift_month(month: str, n: int) -> str:
    """The month ``n`` months after ``month`` (before, if ``n`` is negative).

    >>> shift_month("2019-02", -3)
    '2018-11'
    """
    return _month_text(_month_number(month) + n)


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive.

    >>> month_range("2019-11", "2020-02")
    ['2019-11', '2019-12', '2020-01', '2020-02']
    """
    first, last = _month_number(start), _month_number(end)
    if last < first:
        raise ParameterError(f"month range {start} to {end} ends before it starts")
    return [_month_text(n) for n in range(first, last + 1)]


def _month_label(month: str) -> str:
    year, mon = divmod(_month_number(month), 12)
    return f"{_MONTH_ABBR[mon + 1]} {year}"


# --- Period -----------------------------------------------------------------------------

#: kind -> (number of months, allowed calendar month numbers of the first month)
_SHAPES: dict[str, tuple[int, tuple[int, ...]]] = {
    "month": (1, tuple(range(1, 13))),
    "fquarter": (3, (4, 7, 10, 1)),
    "fyear": (12, (4,)),
    "cquarter": (3, (1, 4, 7, 10)),
    "cyear": (12, (1,)),
    "rolling12": (12, tuple(range(1, 13))),
}


@dataclass(frozen=True)
class Period:
    """A reporting period: ``kind`` and its first and last months (``YYYY-MM``, inclusive).

    Build one with :func:`parse_period` or the class methods named after the kinds:

    >>> Period.fquarter(2019, 4).label, Period.fquarter(2019, 4).months
    ('2019/20 Q4', ['2020-01', '2020-02', '2020-03'])
    >>> Period.fyear(2024).start, Period.fyear(2024).end
    ('2024-04', '2025-03')
    >>> Period.cquarter(2019, 2).label, Period.month("2019-04").label
    ('2019 Q2', 'Apr 2019')
    >>> Period.rolling12("2019-06").label
    '12 months to Jun 2019'
    """

    kind: str
    start: str
    end: str

    def __post_init__(self) -> None:
        if self.kind not in _SHAPES:
            raise ParameterError(
                f"period kind '{self.kind}' is not one of {', '.join(KINDS)}",
            )
        n_months, first_months = _SHAPES[self.kind]
        first, last = _month_number(self.start), _month_number(self.end)
        if last - first + 1 != n_months or (first % 12 + 1) not in first_months:
            raise ParameterError(
                f"a '{self.kind}' period cannot run from {self.start} to {self.end}",
                fix="build periods with parse_period() or the Period class methods",
            )

    # constructors ------------------------------------------------------------------------
    @classmethod
    def month(cls, month: str) -> Period:
        """One calendar month, e.g. ``Period.month("2019-04")``."""
        return cls("month", month, month)

    @classmethod
    def fquarter(cls, fy_start_year: int, quarter: int) -> Period:
        """Financial quarter ``quarter`` (1-4) of the financial year starting in April of
        ``fy_start_year``: ``Period.fquarter(2019, 1)`` is April-June 2019 ("2019/20 Q1")."""
        _check_quarter(quarter, f"{fy_start_year}/{(fy_start_year + 1) % 100:02d} Q{quarter}")
        first = int(fy_start_year) * 12 + 3 + 3 * (int(quarter) - 1)
        return cls("fquarter", _month_text(first), _month_text(first + 2))

    @classmethod
    def fyear(cls, fy_start_year: int) -> Period:
        """Financial year April ``fy_start_year`` to March of the next year."""
        first = int(fy_start_year) * 12 + 3
        return cls("fyear", _month_text(first), _month_text(first + 11))

    @classmethod
    def cquarter(cls, year: int, quarter: int) -> Period:
        """Calendar quarter: Q1 = January-March ... Q4 = October-December."""
        _check_quarter(quarter, f"{year} Q{quarter}")
        first = int(year) * 12 + 3 * (int(quarter) - 1)
        return cls("cquarter", _month_text(first), _month_text(first + 2))

    @classmethod
    def cyear(cls, year: int) -> Period:
        """Calendar year January-December."""
        return cls("cyear", f"{int(year):04d}-01", f"{int(year):04d}-12")

    @classmethod
    def rolling12(cls, end: str) -> Period:
        """The 12 months ending with month ``end`` (inclusive)."""
        return cls("rolling12", shift_month(end, -11), end)

    # properties --------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """How reports name the period: '2019/20 Q1', '2019/20', '2019 Q2', 'Jan-Dec 2019',
        'Apr 2019', '12 months to Jun 2019'."""
        first = _month_number(self.start)
        year, mon = divmod(first, 12)
        mon += 1
        if self.kind == "month":
            return _month_label(self.start)
        if self.kind == "fquarter":
            fy = year if mon >= 4 else year - 1
            quarter = (mon - 4) // 3 + 1 if mon >= 4 else 4
            return f"{fy}/{(fy + 1) % 100:02d} Q{quarter}"
        if self.kind == "fyear":
            return f"{year}/{(year + 1) % 100:02d}"
        if self.kind == "cquarter":
            return f"{year} Q{(mon - 1) // 3 + 1}"
        if self.kind == "cyear":
            # Not a bare "2019": that is ambiguous with the financial year 2019/20.
            return f"Jan-Dec {year}"
        return f"12 months to {_month_label(self.end)}"

    @property
    def months(self) -> list[str]:
        """Every month of the period, ``YYYY-MM``, in order."""
        return month_range(self.start, self.end)

    @property
    def days(self) -> int:
        """Number of days in the period (leap days included): 91 for April-June."""
        total = 0
        for month in self.months:
            year, mon = divmod(_month_number(month), 12)
            total += calendar.monthrange(year, mon + 1)[1]
        return total

    def same_period_last_year(self) -> Period:
        """The same kind of period twelve months earlier (2019/20 Q1 -> 2018/19 Q1)."""
        return Period(self.kind, shift_month(self.start, -12), shift_month(self.end, -12))

    def previous(self) -> Period:
        """The period of the same kind immediately before this one (2019/20 Q1 -> 2018/19 Q4;
        for years and rolling 12 months this is the same as :meth:`same_period_last_year`).

        >>> Period.fquarter(2019, 1).previous().label
        '2018/19 Q4'
        """
        n_months = _SHAPES[self.kind][0]
        return Period(
            self.kind, shift_month(self.start, -n_months), shift_month(self.end, -n_months)
        )

    def __str__(self) -> str:
        return self.label


def _check_quarter(quarter: int, text: str) -> None:
    if int(quarter) not in (1, 2, 3, 4):
        raise ParameterError(
            f"period '{text}': quarter Q{quarter} does not exist; quarters are Q1 to Q4 "
            "(financial: Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar)",
            fix=_FIX,
        )


# --- parsing ----------------------------------------------------------------------------


def _fy_start(part: str, text: str, *, dash_two_digits: bool) -> int | None:
    """Start year of a financial year written 'fy2019', '2019/20', '2019/2020', 'fy2019/20',
    '2019-2020', 'fy19/20', '19/20' (and '2019-20', '19-20' when ``dash_two_digits``); None
    when ``part`` is not one. Two-digit years are taken as 20YY."""
    m = re.fullmatch(r"fy ?(\d{4})", part)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"(fy ?)?(\d{4}|\d{2}) ?([/-]) ?(\d{2}|\d{4})", part)
    if not m:
        return None
    has_fy, first, sep, second = m.group(1), m.group(2), m.group(3), m.group(4)
    if len(first) == 2 and len(second) == 4:
        return None
    if sep == "-" and len(second) == 2 and not (has_fy or dash_two_digits):
        return None  # 'YYYY-MM' is a month
    y1 = int(first) + (2000 if len(first) == 2 else 0)
    expected = y1 + 1 if len(second) == 4 else (y1 + 1) % 100
    if int(second) != expected:
        raise ParameterError(
            f"period '{text}': a financial year runs April to March, so {y1} must be "
            f"followed by {expected:0{len(second)}d} ({y1}/{(y1 + 1) % 100:02d}), "
            f"not {second}",
            fix=f"for a month write {y1}-MM; otherwise {_FIX}",
        )
    return y1


def _parse_month(part: str, text: str) -> str | None:
    """'2019-06', '2019-6', 'jun 2019', 'june 2019' -> '2019-06'; None when not a month."""
    m = re.fullmatch(r"(\d{4}) ?- ?(\d{1,2})", part)
    if m:
        year, mon = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"([a-z]+)\.? ?(\d{4})", part)
        if not m or m.group(1) not in _MONTH_NAMES:
            return None
        year, mon = int(m.group(2)), _MONTH_NAMES[m.group(1)]
    if not 1 <= mon <= 12:
        hint = ""
        if mon == (year + 1) % 100:
            hint = f"; for the financial year write {year}/{mon:02d}"
        raise ParameterError(
            f"period '{text}': month {mon:02d} does not exist (months are 01 to 12){hint}",
            fix=_FIX,
        )
    return f"{year:04d}-{mon:02d}"


def parse_period(text: str | Period) -> Period:
    """Read a period the way users type it (case and spacing do not matter).

    >>> parse_period("2019-20 q1").label
    '2019/20 Q1'
    >>> parse_period("FY2019 Q1") == parse_period("2019/2020 Q1") == Period.fquarter(2019, 1)
    True
    >>> parse_period("fy2019/20").months[-1]
    '2020-03'
    >>> parse_period("2019Q2").months
    ['2019-04', '2019-05', '2019-06']
    >>> parse_period("rolling 12 to 2019-06") == Period.rolling12("2019-06")
    True

    "YYYY-MM" is always a month (ISO 8601), so "2011-12" is December 2011; write the
    financial year as 2011/12. "FY2019" means 2019/20 (the year starting April 2019). A
    bare year ("2019") is refused as ambiguous: write 2019/20 or CY2019.

    Raises :class:`~csplib.errors.ParameterError` quoting the text, saying what is wrong
    (quarter 5, month 13, 2019/21) and listing the accepted forms.
    """
    if isinstance(text, Period):
        return text
    raw = str(text)
    s = " ".join(raw.split()).casefold()
    s = re.sub(r" ?([/-]) ?", r"\1", s)  # "2019 / 20" -> "2019/20"

    # Quarters: "<year> q<n>" or "q<n> <year>".
    m = re.fullmatch(r"(?P<pre>.+?)[ -]?q ?(?P<q>\d+)", s) or re.fullmatch(
        r"q ?(?P<q>\d+)[ -]?(?P<pre>.+)", s
    )
    if m:
        pre, quarter = m.group("pre"), int(m.group("q"))
        cal = re.fullmatch(r"(?:cy ?|calendar (?:year )?)?(\d{4})", pre)
        if cal:
            _check_quarter(quarter, raw)
            return Period.cquarter(int(cal.group(1)), quarter)
        fy = _fy_start(pre, raw, dash_two_digits=True)
        if fy is not None:
            _check_quarter(quarter, raw)
            return Period.fquarter(fy, quarter)
        raise ParameterError(f"period '{raw}' not recognised", fix=_FIX)

    m = re.fullmatch(
        r"(?:12 months?|twelve months|rolling 12(?: months)?|rolling twelve months|r12) "
        r"(?:to|ending|up to) (?P<m>.+)",
        s,
    )
    if m:
        end = _parse_month(m.group("m"), raw)
        if end is None:
            raise ParameterError(
                f"period '{raw}': '{m.group('m')}' is not a month",
                fix="write the last month as YYYY-MM, e.g. 12 months to 2019-06",
            )
        return Period.rolling12(end)

    m = re.fullmatch(r"(?:cy ?|calendar (?:year )?|jan(?:uary)?-dec(?:ember)? ?)(\d{4})", s)
    if m:
        return Period.cyear(int(m.group(1)))

    fy = _fy_start(s, raw, dash_two_digits=False)
    if fy is not None:
        return Period.fyear(fy)

    month = _parse_month(s, raw)
    if month is not None:
        return Period.month(month)

    if re.fullmatch(r"\d{4}", s):
        raise ParameterError(
            f"period '{raw}' is ambiguous: a financial year or a calendar year?",
            fix=f"write {s}/{(int(s) + 1) % 100:02d} for April {s} to March {int(s) + 1}, "
            f"or CY{s} for January to December {s}",
        )
    raise ParameterError(f"period '{raw}' not recognised", fix=_FIX)


# --- coverage ---------------------------------------------------------------------------

COVERAGE_FLAG_COLUMNS = ["force", "month", "status", "note"]
_STATUS_RANK = {"present": 0, "incomplete": 2, "missing": 3}  # anything else ranks 1


def check_coverage(
    period: Period | Sequence[str],
    coverage: pd.DataFrame,
    force: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Force-months of ``period`` that are not fully present in the ``coverage`` table.

    Returns a frame with columns ``force, month, status, note``, one row per force-month
    whose status is not ``present`` (empty when the period is fully covered). A month with
    no row in ``coverage`` is reported as ``missing`` ("not loaded"); if a force-month has
    several rows the worst status wins; an unrecognised status is reported as it is, never
    read as present.

    ``force`` selects the force(s) to check; by default every force in ``coverage``.

    >>> cov = pd.DataFrame({"force": ["kent"] * 2, "month": ["2019-04", "2019-05"],
    ...                     "status": ["present", "incomplete"], "note": [None, "late file"]})
    >>> check_coverage(Period.fquarter(2019, 1), cov).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'force': 'kent', 'month': '2019-05', 'status': 'incomplete', 'note': 'late file'},
     {'force': 'kent', 'month': '2019-06', 'status': 'missing', 'note': 'not loaded'}]
    """
    months = period.months if isinstance(period, Period) else [str(m) for m in period]
    for month in months:
        _month_number(month)
    missing_cols = {"force", "month", "status"} - set(coverage.columns)
    if missing_cols:
        raise ParameterError(
            f"coverage table lacks column(s) {', '.join(sorted(missing_cols))}",
            fix="pass the canonical coverage table (force, month, status, ...)",
        )
    if force is None:
        forces = sorted(str(f) for f in coverage["force"].dropna().unique())
    elif isinstance(force, str):
        forces = [force]
    else:
        forces = [str(f) for f in force]

    rows: list[dict[str, object]] = []
    if not forces:
        rows = [
            {"force": None, "month": m, "status": "missing", "note": "no coverage recorded"}
            for m in months
        ]
    cov = coverage[coverage["month"].astype(str).isin(months)]
    for f in forces:
        own = cov[cov["force"].astype(str) == f]
        by_month: dict[str, tuple[int, str, object]] = {}
        for rec in own.to_dict("records"):
            status = str(rec["status"]).strip().casefold()
            rank = _STATUS_RANK.get(status, 1)
            note = rec.get("note")
            if status not in _STATUS_RANK:
                note = f"unrecognised status '{rec['status']}'"
            month = str(rec["month"])
            if month not in by_month or rank > by_month[month][0]:
                by_month[month] = (rank, status, note)
        for month in months:
            if month not in by_month:
                rows.append({"force": f, "month": month, "status": "missing", "note": "not loaded"})
            elif by_month[month][0] > 0:
                _rank, status, note = by_month[month]
                note = None if note is None or pd.isna(note) else str(note)
                rows.append({"force": f, "month": month, "status": status, "note": note})
    return pd.DataFrame(rows, columns=COVERAGE_FLAG_COLUMNS)


def require_complete(
    period: Period,
    coverage: pd.DataFrame,
    force: str | Sequence[str] | None = None,
    *,
    allow_incomplete: bool = False,
) -> pd.DataFrame:
    """Refuse a period the data does not fully cover, unless ``allow_incomplete``.

    Returns the flags from :func:`check_coverage` (empty when complete). When months are
    missing or incomplete and ``allow_incomplete`` is False, raises
    :class:`~csplib.errors.CoverageError` naming each force-month and its status: a missing
    month must never be read as zero crime.
    """
    flags = check_coverage(period, coverage, force)
    if flags.empty or allow_incomplete:
        return flags
    items = []
    for rec in flags.to_dict("records"):
        who = f"{rec['force']} " if rec["force"] is not None else ""
        note = f" ({rec['note']})" if rec["note"] else ""
        items.append(f"{who}{rec['month']} {rec['status']}{note}")
    shown = "; ".join(items[:12]) + (f"; and {len(items) - 12} more" if len(items) > 12 else "")
    label = period.label if isinstance(period, Period) else "the period"
    raise CoverageError(
        f"{label} is not fully covered by the data: {shown}",
        fix="load the missing force-months (data.police.uk publishes about two months after "
        "the month ends), choose a period the data covers, or build it anyway with these "
        "months flagged and no change stated (--allow-incomplete on the command line, "
        "allow_incomplete: true in a parameter file or notebook)",
    )
