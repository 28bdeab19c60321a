"""Long trend and season: up to five years per offence group, and each month of the
current year against the same month in earlier years. ASB is its own series.

Years are consecutive 12-month blocks ending with ``end_month`` (the current year is the
last one). A month the store does not hold, or holds incomplete (the coverage table), is
a gap: the month has no count, a year with a gap has no total (its partial sum and the
months it covers are given beside it), and a gap is never compared with anything.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csplib.indicators.counts import monthly_counts
from csplib.periods import Period, shift_month

WITHIN = "within the earlier range"
ABOVE = "above every earlier year"
BELOW = "below every earlier year"
NO_HISTORY = "no earlier year to compare"
GAP = "gap"


def _population_for(year_label_month: str, population: Mapping[int, int] | None) -> float:
    """Population for a 12-month year: the mid-year estimate of the calendar year of its
    seventh month (the year most of it lies in), else the nearest earlier year, else the
    earliest year there is."""
    if not population:
        return np.nan
    year = int(year_label_month[:4])
    years = sorted(population)
    earlier = [y for y in years if y <= year]
    return float(population[earlier[-1] if earlier else years[0]])


@dataclass(frozen=True)
class TrendResult:
    """``years``: one row per (year, group): year (label), start, end, count (NA when the
    year has a gap), partial (the sum of the months held), months (how many of 12 are
    held complete), population, rate_per_1000 (NA with a gap or without population).
    ``season``: one row per (month of the current year, group): month, count, earlier_mean,
    earlier_min, earlier_max, earlier_years, position (within / above / below / gap / no
    earlier year). ``monthly``: the monthly series with gaps as NA."""

    measure: str
    end_month: str
    years: pd.DataFrame
    season: pd.DataFrame
    monthly: pd.DataFrame
    first_month: str
    notes: tuple[str, ...] = ()

    def to_figures(self) -> dict:
        def num(x):
            return None if x is None or pd.isna(x) else round(float(x), 4)

        years: dict = {}
        for r in self.years.itertuples():
            years.setdefault(r.group, []).append(
                {
                    "year": r.year,
                    "count": None if pd.isna(r.count) else int(r.count),
                    "months": int(r.months),
                    "rate_per_1000": num(r.rate_per_1000),
                }
            )
        season: dict = {}
        for r in self.season.itertuples():
            season.setdefault(r.group, []).append(
                {
                    "month": r.month,
                    "count": None if pd.isna(r.count) else int(r.count),
                    "earlier_mean": num(r.earlier_mean),
                    "earlier_min": num(r.earlier_min),
                    "earlier_max": num(r.earlier_max),
                    "position": r.position,
                }
            )
        return {
            "measure": self.measure,
            "end_month": self.end_month,
            "years": years,
            "season": season,
        }


def long_trend(
    crimes: pd.DataFrame,
    coverage: pd.DataFrame,
    end_month: str,
    *,
    measure: str = "crime",
    years: int = 5,
    population: Mapping[int, int] | None = None,
    by: str | None = "offence_group",
    force: str | list[str] | None = None,
) -> TrendResult:
    """Counts and rates per 12-month year and the current year's months against the
    seasonal profile, for an area's rows of the crimes table.

    ``measure`` is "crime" (ASB excluded) or "asb" (ASB only; ``by`` is then ignored).
    ``population`` maps mid-year to residents. The first year shown is the earliest
    whole 12-month block the store reaches (at most ``years`` back); months before the
    store begins are not shown at all (they are not gaps, they predate the data).
    """
    first_data = str(crimes["month"].min()) if len(crimes) else end_month
    starts = [shift_month(end_month, -12 * k - 11) for k in range(years)][::-1]
    starts = [s for s in starts if s >= first_data] or [shift_month(end_month, -11)]
    first = starts[0]
    key = None if measure == "asb" else by
    monthly = _monthly_series(crimes, coverage, first, end_month, key, measure, force)
    years_df = _years_table(monthly, starts, population)
    season = _season_table(monthly, end_month, years)
    notes = []
    gaps = sorted(monthly.loc[monthly["count"].isna(), "month"].unique())
    if gaps:
        notes.append(
            "Months missing or incomplete in the data, shown as gaps (not zero): " + ", ".join(gaps)
        )
    return TrendResult(measure, end_month, years_df, season, monthly, first, tuple(notes))


def _monthly_series(
    crimes: pd.DataFrame,
    coverage: pd.DataFrame,
    first: str,
    end_month: str,
    key: str | None,
    measure: str,
    force: str | list[str] | None,
) -> pd.DataFrame:
    """month, group, count (NA for a gap) from ``first`` to ``end_month``, with an
    "All crimes" line beside the groups when there are groups."""
    monthly = monthly_counts(
        crimes, [first, end_month], by=key, measure=measure, coverage=coverage, force=force
    )
    monthly["group"] = (
        monthly[key].astype("str")
        if key
        else ("Anti-social behaviour" if measure == "asb" else "All crimes")
    )
    if key:  # an "All crimes" line beside the groups; a gap in any group is a gap in all
        total = monthly.groupby("month", as_index=False).agg(
            count=("count", lambda s: pd.NA if s.isna().any() else int(s.sum()))
        )
        total["group"] = "All crimes"
        monthly = pd.concat([monthly[["month", "group", "count"]], total], ignore_index=True)
    return monthly[["month", "group", "count"]].astype({"count": "Int64"})


def _years_table(
    monthly: pd.DataFrame, starts: list[str], population: Mapping[int, int] | None
) -> pd.DataFrame:
    """One row per (12-month year starting at each of ``starts``, group): see
    :class:`TrendResult`."""
    rows = []
    for s in starts:
        e = shift_month(s, 11)
        label = Period.rolling12(e).label
        part = monthly[(monthly["month"] >= s) & (monthly["month"] <= e)]
        pop = _population_for(shift_month(s, 6), population)
        for g, sub in part.groupby("group", sort=True):
            held = int(sub["count"].notna().sum())
            partial = int(sub["count"].sum(skipna=True))
            count = partial if held == 12 else pd.NA
            rate = partial / pop * 1000 if held == 12 and pop == pop else np.nan
            rows.append((label, s, e, g, count, partial, held, pop, rate))
    return pd.DataFrame(
        rows,
        columns=[
            "year",
            "start",
            "end",
            "group",
            "count",
            "partial",
            "months",
            "population",
            "rate_per_1000",
        ],
    ).astype({"count": "Int64"})


def _season_table(monthly: pd.DataFrame, end_month: str, years: int) -> pd.DataFrame:
    """One row per (month of the year ending ``end_month``, group) against the same month
    in up to ``years - 1`` earlier years: see :class:`TrendResult`."""
    current = Period.rolling12(end_month).months
    season_rows = []
    for g, sub in monthly.groupby("group", sort=True):
        values = dict(zip(sub["month"], sub["count"], strict=True))
        for m in current:
            earlier = [values.get(shift_month(m, -12 * k)) for k in range(1, years)]
            earlier = [int(v) for v in earlier if v is not None and not pd.isna(v)]
            v = values.get(m)
            season_rows.append(
                (
                    m,
                    g,
                    v if v is not None else pd.NA,
                    float(np.mean(earlier)) if earlier else np.nan,
                    min(earlier) if earlier else np.nan,
                    max(earlier) if earlier else np.nan,
                    len(earlier),
                    _season_position(v, earlier),
                )
            )
    return pd.DataFrame(
        season_rows,
        columns=[
            "month",
            "group",
            "count",
            "earlier_mean",
            "earlier_min",
            "earlier_max",
            "earlier_years",
            "position",
        ],
    ).astype({"count": "Int64"})


def _season_position(v: object, earlier: list[int]) -> str:
    """Where a month's count lies against the same month in earlier years."""
    if v is None or pd.isna(v):
        return GAP
    if not earlier:
        return NO_HISTORY
    if v > max(earlier):
        return ABOVE
    if v < min(earlier):
        return BELOW
    return WITHIN


#: The partner-table indicator a council's monthly anti-social behaviour case counts go
#: under (data/templates/README.md), shown beside police.uk's ASB incidents.
COUNCIL_ASB_INDICATOR = "Council ASB cases"


def council_asb_cases(
    partner: pd.DataFrame | None, area: str, months: list[str]
) -> pd.Series | None:
    """The council's ASB cases per month of ``months`` for ``area`` from the partner
    table's monthly ``Council ASB cases`` rows (``<NA>`` for a month with no row: a gap,
    never a zero), or None when the table holds no such monthly row for the area.

    >>> p = pd.DataFrame({"indicator": ["Council ASB cases"] * 2, "area": ["Town"] * 2,
    ...                   "period": ["2024-01", "2024-03"], "value": [40.0, 35.0]})
    >>> council_asb_cases(p, "town", ["2024-01", "2024-02", "2024-03"]).tolist()
    [40, <NA>, 35]
    """
    if partner is None or partner.empty:
        return None
    key = COUNCIL_ASB_INDICATOR.casefold()
    rows = partner[
        (partner["indicator"].astype("str").str.strip().str.casefold() == key)
        & (partner["area"].astype("str").str.strip().str.casefold() == area.strip().casefold())
        & partner["period"].astype("str").str.fullmatch(r"\d{4}-\d{2}")
    ]
    if rows.empty:
        return None
    values = pd.to_numeric(rows["value"], errors="coerce")
    by_month = dict(zip(rows["period"].astype("str"), values, strict=True))
    out = [by_month.get(m) for m in months]
    return pd.Series([pd.NA if v is None or pd.isna(v) else int(v) for v in out],
                     index=months, dtype="Int64")  # fmt: skip


def peak_months(monthly: pd.Series, n: int = 2) -> list[str]:
    """The ``n`` calendar months (``'July'``) with the highest mean count over the months
    held (gaps left out), highest first: where in the year a series peaks.

    >>> s = pd.Series([1, 5, 9, 2, 6, 8], index=["2022-01", "2022-02", "2022-03",
    ...                                          "2023-01", "2023-02", "2023-03"])
    >>> peak_months(s)
    ['March', 'February']
    """
    s = pd.to_numeric(monthly, errors="coerce").dropna()
    if s.empty:
        return []
    cal = pd.Series(s.to_numpy(dtype=float), index=[int(m[5:7]) for m in s.index])
    means = cal.groupby(level=0).mean().sort_values(ascending=False, kind="stable")
    return [calendar.month_name[m] for m in means.index[:n]]
