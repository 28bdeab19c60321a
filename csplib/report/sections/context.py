"""The context every section builds from: the loaded data, the report's parameters
and the facts all sections share (periods compared, coverage flags, population)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csplib.indicators.priorities import LikeForLike, like_for_like_months
from csplib.indicators.suppression import DisclosurePolicy
from csplib.periods import Period, check_coverage
from csplib.report.assessment_data import AssessmentData, population_by_year
from csplib.report.data import ReportData, area_population
from csplib.report.theme import months_text


@dataclass(frozen=True)
class Quarter:
    """A quarterly briefing: one quarter against the same quarter last year."""

    data: ReportData
    threshold: int
    period: Period
    previous: Period
    flags: pd.DataFrame  # coverage flags of both quarters
    population: tuple[int, int] | None  # (people, mid-year) for the quarter's year
    previous_population: tuple[int, int] | None
    # The one disclosure policy of the report: tables, notes, alt text, chart data and
    # figures.json all go through it.
    policy: DisclosurePolicy = field(default_factory=DisclosurePolicy)

    def shown(self, n: object, measure: str, geography: str | None = None) -> str:
        """A count as the report may print it: suppressed ('<5') when the policy applies
        to ``measure`` at ``geography`` (default: the area's own), else in full."""
        where = geography or self.data.area.kind
        if self.policy.applies(where, measure):
            return count_text(n, self.policy.threshold)
        return count_text(n, 0)


def count_text(n: object, threshold: int) -> str:
    """'1,234'; a count of 1 to threshold - 1 as '<threshold' (threshold 0: never)."""
    if n is None or n is pd.NA or (isinstance(n, float) and np.isnan(n)):
        return "gap"
    n = int(n)  # type: ignore[arg-type]
    return f"<{threshold}" if 0 < n < threshold else f"{n:,}"


def month_long(month: str) -> str:
    """'2024-07' -> 'July 2024' (the report's one date style)."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def months_long(months: list[str]) -> str:
    """'December 2022'; consecutive months as one range, 'July 2018 to March 2019';
    'December 2022 and March 2023' (:func:`csplib.report.theme.months_text`)."""
    return months_text(months)


def span_long(first: str, last: str) -> str:
    """'July to September 2024'; 'December 2023 to February 2024'; 'July 2024'.

    >>> span_long("2024-07", "2024-09"), span_long("2023-12", "2024-02")
    ('July to September 2024', 'December 2023 to February 2024')
    """
    if first == last:
        return month_long(first)
    a, b = pd.Period(first, freq="M"), pd.Period(last, freq="M")
    if a.year == b.year:
        return f"{a.strftime('%B')} to {month_long(last)}"
    return f"{month_long(first)} to {month_long(last)}"


def quarter(data: ReportData, threshold: int = 5) -> Quarter:
    period, previous = data.period, data.period.same_period_last_year()
    forces = list(data.area.forces)
    year = int(period.start[:4])
    return Quarter(
        data=data, threshold=threshold, period=period, previous=previous,
        flags=check_coverage(previous.months + period.months, data.coverage, forces),
        population=area_population(data.population, data.area.lad_codes, year),
        previous_population=area_population(data.population, data.area.lad_codes, year - 1),
        policy=DisclosurePolicy(threshold=threshold),
    )  # fmt: skip


@dataclass(frozen=True)
class Year:
    """A strategic assessment: a financial year against the year before, like-for-like
    months, within three years of trend."""

    data: AssessmentData
    threshold: int
    show_comments: bool  # free-text consultation comments can identify people
    period: Period
    previous: Period
    years: list[Period]
    flags: pd.DataFrame  # coverage flags of the three years
    flagged: list[str]  # their months, sorted
    lfl: LikeForLike  # the months compared in both years
    area_crimes: pd.DataFrame
    pop_by_year: dict[int, int]
    # The first month the store holds for the area's forces (None: it holds none). A
    # month before it is not missing data: the data simply begins later.
    first_month: str | None = None

    @property
    def before_data(self) -> list[str]:
        """The flagged months before the store's first month (sorted)."""
        if self.first_month is None:
            return []
        return [m for m in self.flagged if m < self.first_month]

    @property
    def charted_from(self) -> str:
        """The first month of the three-year chart: the window's first, or the store's
        first month when the data begins later."""
        return max(self.data.months[0], self.first_month or self.data.months[0])

    @property
    def gaps(self) -> list[str]:
        """The flagged months from the store's first month on: missing or incomplete
        data, shown as gaps (sorted)."""
        return [m for m in self.flagged if m not in self.before_data]

    def lfl_header(self, label: str) -> str:
        """A column header for a count over the like-for-like months: the year's label,
        with the number of months when a month is left out of both years ('2023/24 (11
        months)'), so it is never read as the whole year's count."""
        if not self.lfl.excluded:
            return label
        return f"{label} ({len(self.lfl.current)} months)"


def first_month(coverage: pd.DataFrame, forces: list[str]) -> str | None:
    """The first month the coverage table holds for ``forces`` (None: none)."""
    if coverage.empty or "force" not in coverage:
        return None
    own = coverage.loc[coverage["force"].isin(forces), "month"]
    return str(min(own)) if len(own) else None


def year(data: AssessmentData, threshold: int = 5, show_comments: bool = False) -> Year:
    period, previous = data.period, data.period.same_period_last_year()
    flags = check_coverage(data.months, data.coverage, list(data.area.forces))
    flagged = sorted(set(flags["month"]))
    return Year(
        data=data, threshold=threshold, show_comments=bool(show_comments), period=period,
        previous=previous, years=data.years, flags=flags, flagged=flagged,
        lfl=like_for_like_months(period, previous, flagged),
        area_crimes=data.area.select(data.crimes),
        pop_by_year=population_by_year(data.population, data.area.lad_codes),
        first_month=first_month(data.coverage, list(data.area.forces)),
    )  # fmt: skip


def clean(value: object, digits: int = 4) -> object:
    """Plain JSON values: NaN and <NA> -> None, numpy numbers -> Python, floats rounded."""
    if isinstance(value, dict):
        return {str(k): clean(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v, digits) for v in value.tolist()]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), digits)
    return str(value)


def records(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON-able rows (:func:`clean`)."""
    return [clean(r) for r in frame.astype(object).to_dict("records")]  # type: ignore[misc]
