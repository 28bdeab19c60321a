"""The months a fetch asks for, and what became of each (fetched, or why not).

A month that was not fetched is never zero crime: its status says why, it is listed
in the fetch manifest and the store's coverage marks it missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from csplib.coverage import month_range
from csplib.errors import ParameterError
from csplib.sources.police_uk import FIRST_MONTH

FETCHED = "fetched"
NOT_PUBLISHED = "not yet published"
MISSING = "missing for this force"
NOT_AVAILABLE = "not available"
NO_CRIMES = "no crimes returned"

#: What each status means for the analyst (printed and written to the manifest).
EXPLAIN = {
    FETCHED: "",
    NOT_PUBLISHED: "data.police.uk has not published this month yet (it lags about two "
    "months): fetch again later",
    MISSING: "data.police.uk holds no file for this force and month, as for Greater "
    "Manchester from July 2019",
    NOT_AVAILABLE: "no download holds this month (older than the data kept, or outside "
    "the archives listed)",
    NO_CRIMES: "the API returned no crimes for the area this month, which is what a force "
    "that did not submit data looks like; no file is written and the month is asked for "
    "again on the next run",
}

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class MonthStatus:
    """One requested file (kind and month) and what happened to it."""

    kind: str
    month: str
    status: str
    file: str | None = None
    source: str = ""
    note: str = ""
    cached: bool = False
    rows: int | None = None

    @property
    def fetched(self) -> bool:
        return self.status == FETCHED


def requested_months(first: str, last: str, today: date | None = None) -> list[str]:
    """Every month from ``first`` to ``last``, checked for a possible range.

    >>> requested_months("2023-11", "2024-02", today=date(2024, 6, 1))
    ['2023-11', '2023-12', '2024-01', '2024-02']
    """
    for label, value in (("--from", first), ("--to", last)):
        if not _MONTH.match(str(value)):
            raise ParameterError(
                f"{label} '{value}' is not a month", fix="give months as YYYY-MM, e.g. 2023-04"
            )
    if first > last:
        raise ParameterError(
            f"--from {first} is after --to {last}", fix="give the earlier month in --from"
        )
    if first < FIRST_MONTH:
        raise ParameterError(
            f"--from {first} is before data.police.uk began ({FIRST_MONTH})",
            fix=f"start at {FIRST_MONTH} or later",
        )
    today = today or date.today()
    current = f"{today.year:04d}-{today.month:02d}"
    if last > current:
        raise ParameterError(
            f"--to {last} is in the future (this month is {current})",
            fix="end the range at the latest month you need; recent months arrive about "
            "two months late",
        )
    return month_range(first, last)
