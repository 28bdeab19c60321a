"""What the explorer's controls offer and hold: the comparisons, period kinds, views and
measures, matching a typed parameter to an option, custom runs of months, and the
:class:`Selection` a view is drawn for."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from csplib.errors import CspError, ParameterError
from csplib.periods import Period, month_range, parse_period, shift_month
from csplib.report import html as h
from csplib.report.data import REPORT_COLUMNS
from csplib.schema import ASB, CRIME_TYPES

SAME_PERIOD = "Same period last year"
PREVIOUS_PERIOD = "Previous period"
COMPARISONS = (SAME_PERIOD, PREVIOUS_PERIOD)

#: Period kinds offered, as the control shows them -> the Period kind ("custom": any run
#: of whole months).
PERIOD_KINDS = {
    "Financial quarter": "fquarter",
    "Month": "month",
    "Financial year": "fyear",
    "Rolling 12 months": "rolling12",
    "Custom months": "custom",
}

VIEWS = ("Overview", "Places", "Map", "Rate map", "County", "Peers", "Outcomes",
         "Stop and search")  # fmt: skip

ALL_CRIME = "All crime"
ASB_LABEL = "Anti-social behaviour (not crime)"
GROUP_PREFIX = "Offence group: "
TYPE_PREFIX = "Crime type: "

#: Columns the explorer reads: what the report sections read, plus the force area.
COLUMNS = [*REPORT_COLUMNS, "pfa_name"]


# ---- parameters ------------------------------------------------------------------------


def match_option(name: str, value: object, options: Sequence[str | tuple[str, str]]) -> str:
    """The option ``value`` names: exactly, else the one option equal to it ignoring case
    and spacing (an option's label, its value, or its value without a prefix such as
    'Crime type: '). Anything else is a :class:`ParameterError` naming the parameter and
    the valid values, on one line.

    >>> match_option("area", "synthchester", ["Northvale", "Synthchester"])
    'Synthchester'
    >>> match_option("measure", "burglary", ["All crime", "Crime type: Burglary"])
    'Crime type: Burglary'
    >>> match_option("area", "Nowhere", ["Northvale", "Synthchester"])
    Traceback (most recent call last):
    ...
    csplib.errors.ParameterError: area 'Nowhere' is not one of the options: Northvale, Synthchester.
    """
    pairs = [(o, o) if isinstance(o, str) else (str(o[0]), str(o[1])) for o in options]
    values = [v for _, v in pairs]
    text = str(value)
    if text in values:
        return text

    def norm(s: str) -> str:
        return " ".join(s.replace("&", "and").casefold().split())

    def keys(label: str, v: str) -> set[str]:
        out = {norm(label), norm(v)}
        for prefix in (GROUP_PREFIX, TYPE_PREFIX):
            if v.startswith(prefix):
                out.add(norm(v.removeprefix(prefix)))
        return out

    want = norm(text)
    hits = list(dict.fromkeys(v for label, v in pairs if want in keys(label, v)))
    if len(hits) == 1:
        return hits[0]
    shown = ", ".join(values)
    if len(hits) > 1:
        raise ParameterError(f"{name} '{text}' matches more than one option: {', '.join(hits)}")
    raise ParameterError(f"{name} '{text}' is not one of the options: {shown}")


# ---- measures --------------------------------------------------------------------------


def measure_options() -> list[str]:
    """Every measure the explorer offers, without duplicates: all crime, ASB, each offence
    group holding more than one crime type, and each crime type (a group holding one type
    is that type, offered once)."""
    types = [t for t in CRIME_TYPES if t != ASB]
    by_group: dict[str, list[str]] = {}
    for t in types:
        by_group.setdefault(CRIME_TYPES[t][0], []).append(t)
    groups = sorted(g for g, members in by_group.items() if len(members) > 1)
    return (
        [ALL_CRIME, ASB_LABEL]
        + [GROUP_PREFIX + g for g in groups]
        + [TYPE_PREFIX + t for t in sorted(types)]
    )


def measure_name(measure: str) -> str:
    """The measure as a sentence names it: 'Theft offences', 'Shoplifting'."""
    if measure == ASB_LABEL:
        return "Anti-social behaviour"
    return measure.removeprefix(GROUP_PREFIX).removeprefix(TYPE_PREFIX)


def _plural(name: str) -> bool:
    return name.casefold().endswith("offences") or name.casefold() == "drugs"


def agree(sentence: str, subject: str) -> str:
    """``sentence`` with its verb agreeing with a plural subject.

    >>> agree("Theft offences was 12 against 10 in ...", "Theft offences")
    'Theft offences were 12 against 10 in ...'
    """
    if _plural(subject) and sentence.startswith(subject + " was "):
        return subject + " were " + sentence[len(subject) + 5 :]
    return sentence


def select_measure(crimes: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, str, str | None]:
    """(rows, count measure 'crime' or 'asb', the column to break the rows down by).

    All crime breaks down by offence group, an offence group by crime type, a crime type
    and ASB by neighbourhood (LSOA).
    """
    if measure == ALL_CRIME:
        return crimes, "crime", "offence_group"
    if measure == ASB_LABEL:
        return crimes, "asb", "lsoa_name"
    if measure.startswith(GROUP_PREFIX):
        group = measure.removeprefix(GROUP_PREFIX)
        return crimes[crimes["offence_group"] == group], "crime", "crime_type"
    if measure.startswith(TYPE_PREFIX):
        kind = measure.removeprefix(TYPE_PREFIX)
        return crimes[crimes["crime_type"] == kind], "crime", "lsoa_name"
    raise ParameterError(f"measure '{measure}' is not one of the options", fix="pick from the list")


# ---- periods ---------------------------------------------------------------------------


def month_label(month: str) -> str:
    """'2024-01' as 'January 2024'."""
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


@dataclass(frozen=True, eq=False)
class MonthSpan:
    """A custom run of whole months ('2024-01 to 2024-06'), shaped like a Period for the
    indicator functions. Not equal to any Period, so sentences name it by its label."""

    start: str
    end: str
    kind: str = "custom"

    @property
    def months(self) -> list[str]:
        return month_range(self.start, self.end)

    @property
    def label(self) -> str:
        if self.start == self.end:
            return month_label(self.start)
        return f"{month_label(self.start)} to {month_label(self.end)}"

    @property
    def days(self) -> int:
        return sum(calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in self.months)

    def same_period_last_year(self) -> MonthSpan:
        return MonthSpan(shift_month(self.start, -12), shift_month(self.end, -12))

    def previous(self) -> MonthSpan:
        n = len(self.months)
        return MonthSpan(shift_month(self.start, -n), shift_month(self.end, -n))

    def __str__(self) -> str:
        return self.label


_CUSTOM = re.compile(r"\s*(\d{4}-\d{2})\s*(?:to|-|–)\s*(\d{4}-\d{2})\s*")


def parse_selection_period(text: str) -> Period | MonthSpan:
    """A period value of the controls: any form :func:`parse_period` reads, or a custom
    run of months 'YYYY-MM to YYYY-MM'."""
    m = _CUSTOM.fullmatch(str(text))
    if m:
        month_range(m.group(1), m.group(2))  # checks the order
        return MonthSpan(m.group(1), m.group(2))
    return parse_period(text)


def period_value(p: Period | MonthSpan) -> str:
    """The value the controls hold for a period (a custom span: 'YYYY-MM to YYYY-MM')."""
    if isinstance(p, MonthSpan):
        return f"{p.start} to {p.end}"
    if p.kind == "rolling12":
        return f"12 months to {p.end}"
    if p.kind == "month":
        return p.start
    return p.label


def periods_between(first: str, last: str, kind: str) -> list[Period]:
    """Every period of ``kind`` (a Period kind) wholly within the months ``first`` to
    ``last``, latest first."""
    out: list[Period] = []
    for month in month_range(first, last):
        p: Period | None = None
        if kind == "month":
            p = Period.month(month)
        elif kind == "rolling12" and shift_month(month, -11) >= first:
            p = Period.rolling12(month)
        elif kind == "fyear" and month[5:] == "03" and shift_month(month, -11) >= first:
            p = Period.fyear(int(month[:4]) - 1)
        elif kind == "fquarter" and month[5:] in ("06", "09", "12", "03"):
            start = shift_month(month, -2)
            p = Period("fquarter", start, month) if start >= first else None
        if p is not None:
            out.append(p)
    return out[::-1]


def months_of(label: str) -> list[str]:
    """The months of a period named by its value or its label (a custom span's label,
    'January 2024 to June 2024', included); none when it names no period."""
    try:
        return parse_selection_period(label).months
    except CspError:
        # A custom span's label ('January 2024 to June 2024') is not a period value.
        m = re.fullmatch(r"(\w+) (\d{4}) to (\w+) (\d{4})", label)
        if not m:
            return []
        a = list(calendar.month_name).index(m.group(1))
        b = list(calendar.month_name).index(m.group(3))
        return month_range(f"{m.group(2)}-{a:02d}", f"{m.group(4)}-{b:02d}")


def fquarter_of(month: str) -> str:
    """The financial quarter holding ``month``.

    >>> fquarter_of("2025-02")
    '2024/25 Q4'
    """
    year, mon = int(month[:4]), int(month[5:])
    fy = year if mon >= 4 else year - 1
    q = (mon - 4) // 3 + 1 if mon >= 4 else 4
    return f"{fy}/{(fy + 1) % 100:02d} Q{q}"


# ---- the selection ---------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the controls show: an area, a period value, a measure, a comparison, a view."""

    area: str
    period: str
    measure: str = ALL_CRIME
    comparison: str = SAME_PERIOD
    view: str = "Overview"

    def parsed(self) -> Period | MonthSpan:
        return parse_selection_period(self.period)

    def other(self) -> Period | MonthSpan:
        p = self.parsed()
        return p.same_period_last_year() if self.comparison == SAME_PERIOD else p.previous()


@dataclass
class ViewResult:
    """One rendered view, with the table and chart behind it (for export)."""

    html: h.Html
    table: pd.DataFrame | None = None  # as shown: formatted and suppressed
    table_title: str = ""
    chart: Any = None  # a function returning (fig, alt), or None
    warnings: list[str] = field(default_factory=list)


def group_display_name(gid: str, spec: dict) -> str:
    """How a peer group is named in text: its ``title`` or ``name`` when the file gives
    one, else its id read as words ('synthchester-msg' -> 'the most similar group of
    Synthchester')."""
    for key in ("title", "name", "display_name"):
        if spec.get(key):
            return str(spec[key])
    if gid.casefold().endswith("-msg"):
        return f"the most similar group of {gid[:-4].replace('-', ' ').title()}"
    return "the peer group " + gid.replace("-", " ").replace("_", " ")
