"""Periods of a plan register: ``YYYY-MM`` (a month), ``YYYY`` (a calendar year),
``YYYY/YY`` (a financial year, April to March) or ``YYYY/YY Qn`` (a financial quarter,
Q1 = April-June), and their first and last months."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from csplib.errors import ParameterError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_FQ = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
_PLAN_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")

PERIOD_FORMATS = "YYYY-MM (month), YYYY (year), YYYY/YY (financial year) or YYYY/YY Qn"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period.

    >>> period_bounds("2012/13")
    (datetime.date(2012, 4, 1), datetime.date(2013, 3, 31))
    >>> period_bounds("2014/15 Q3")
    (datetime.date(2014, 10, 1), datetime.date(2014, 12, 31))
    >>> period_bounds("2016-02")
    (datetime.date(2016, 2, 1), datetime.date(2016, 2, 29))
    """
    text = str(period).strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), _month_end(year, month)
    if m := _YEAR.match(text):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if (m := _FY.match(text)) and (int(m[1]) + 1) % 100 == int(m[2]):
        year = int(m[1])
        return date(year, 4, 1), date(year + 1, 3, 31)
    if (m := _FQ.match(text)) and (int(m[1]) + 1) % 100 == int(m[2]):
        year, q = int(m[1]), int(m[3])
        first_month = 4 + 3 * (q - 1)
        y = year + (first_month - 1) // 12
        first_month = (first_month - 1) % 12 + 1
        return date(y, first_month, 1), _month_end(y, first_month + 2)
    raise ValueError(f"period {text!r} is not one of {PERIOD_FORMATS}")


def first_month(period: str) -> str:
    """The first month (``YYYY-MM``) of a period.

    >>> first_month("2015/16 Q2")
    '2015-07'
    """
    return f"{period_bounds(period)[0]:%Y-%m}"


def as_month(value: Any, what: str, *, last: bool) -> str:
    """The first (or last) month of a month or period, or a ParameterError naming
    ``what`` asked for it."""
    try:
        bounds = period_bounds(str(value))
    except ValueError as exc:
        raise ParameterError(f"{what}: {exc}", fix="give a month such as 2016-04") from None
    return f"{bounds[1 if last else 0]:%Y-%m}"


def parse_date(text: str) -> date | None:
    """A date written ``2024-03-31`` or ``31/03/2024``; None if it is neither.

    >>> parse_date("31/03/2024"), parse_date("2024-3-31"), parse_date("March 2024")
    (datetime.date(2024, 3, 31), datetime.date(2024, 3, 31), None)
    """
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None
