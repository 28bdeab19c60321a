"""Counts of recorded crime and ASB from the canonical ``crimes`` table: by area, period,
crime type, offence group or crime class; rates per 1,000 residents and per day.

Total recorded crime excludes anti-social behaviour: ASB incidents are not crimes and are
counted separately (``measure="asb"``). Rows with no LSOA have no CSP; they are kept (as a
``<NA>`` group) when counting by CSP, never dropped silently.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from csplib.errors import CspError, ParameterError
from csplib.periods import Period, check_coverage, month_range
from csplib.schema import ASB, force_slug

Measure = Literal["crime", "asb"]
MEASURES = ("crime", "asb")


def _require(crimes: pd.DataFrame, columns: Sequence[str]) -> None:
    absent = [c for c in columns if c not in crimes.columns]
    if absent:
        raise ParameterError(
            f"crimes table lacks column(s) {', '.join(absent)}",
            fix="pass the canonical crimes table (see docs/architecture.md)",
        )


def asb_mask(crimes: pd.DataFrame) -> pd.Series:
    """True for anti-social behaviour rows: ``is_asb`` true *or* crime type
    'Anti-social behaviour' (either is enough, so ASB can never leak into crime counts)."""
    _require(crimes, ["is_asb"])
    mask = crimes["is_asb"].astype("boolean").fillna(False).astype(bool)
    if "crime_type" in crimes.columns:
        mask = mask | (crimes["crime_type"] == ASB).fillna(False).astype(bool)
    return mask


def _measure_rows(crimes: pd.DataFrame, measure: str) -> pd.DataFrame:
    if measure not in MEASURES:
        raise ParameterError(f"measure '{measure}' is not one of {', '.join(MEASURES)}")
    asb = asb_mask(crimes)
    return crimes[asb] if measure == "asb" else crimes[~asb]


def select_area(
    crimes: pd.DataFrame, *, csp: str | None = None, force: str | None = None
) -> pd.DataFrame:
    """Rows of ``crimes`` in one CSP (by ``csp_code`` or ``csp_name``, case-insensitive)
    and/or one force (by identifier such as ``kent``, or name such as ``Kent Police``).

    A CSP selection holds only rows whose LSOA places them in the CSP: rows with no
    location cannot be placed and are not in it (count them with ``count_by(...,
    by="csp_name")`` at force level, where they form the ``<NA>`` group).

    Raises :class:`~csplib.errors.ParameterError` when neither is given or nothing matches
    (suggesting close names), since an area with no rows at all is almost always a typo.
    """
    if csp is None and force is None:
        raise ParameterError("select_area needs csp= or force=")
    mask = pd.Series(True, index=crimes.index)
    if force is not None:
        _require(crimes, ["force"])
        slug = force_slug(str(force))
        mask &= (crimes["force"].astype("str").str.casefold() == slug).fillna(False)
        if not mask.any():
            known = sorted(str(f) for f in crimes["force"].dropna().unique())
            raise ParameterError(
                f"no rows for force '{force}' (looked for identifier '{slug}')",
                fix=_suggest(slug, known, "forces in the data"),
            )
    if csp is not None:
        _require(crimes, ["csp_code", "csp_name"])
        key = str(csp).strip().casefold()
        by_code = crimes["csp_code"].astype("str").str.casefold() == key
        by_name = crimes["csp_name"].astype("str").str.casefold() == key
        mask &= (by_code.fillna(False) | by_name.fillna(False)).astype(bool)
        if not mask.any():
            known = sorted(
                {str(v) for v in crimes["csp_name"].dropna().unique()}
                | {str(v) for v in crimes["csp_code"].dropna().unique()}
            )
            where = f" in force '{force}'" if force is not None else ""
            raise ParameterError(
                f"no rows for CSP '{csp}'{where}",
                fix=_suggest(str(csp), known, "CSP names and codes in the data"),
            )
    return crimes[mask]


def _suggest(value: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
    return f"use one of the {what}: {shown}" if known else "the table is empty"


def in_period(crimes: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Rows whose ``month`` falls in ``period``."""
    _require(crimes, ["month"])
    return crimes[crimes["month"].astype("str").isin(period.months)]


def count_crimes(crimes: pd.DataFrame, period: Period | None = None) -> int:
    """Total recorded crime: rows that are not ASB (in ``period``, if given)."""
    rows = in_period(crimes, period) if period is not None else crimes
    return int((~asb_mask(rows)).sum())


def count_asb(crimes: pd.DataFrame, period: Period | None = None) -> int:
    """ASB incidents (in ``period``, if given); never part of total recorded crime."""
    rows = in_period(crimes, period) if period is not None else crimes
    return int(asb_mask(rows).sum())


def count_by(
    crimes: pd.DataFrame,
    by: str | Sequence[str],
    *,
    period: Period | None = None,
    measure: Measure = "crime",
) -> pd.DataFrame:
    """Counts by one or more columns (e.g. ``offence_group``, ``crime_type``,
    ``crime_class``, ``csp_name``, ``month``).

    Returns columns ``[*by, "count"]`` (count int64), largest first then by key. Missing
    keys (rows with no CSP, say) form their own ``<NA>`` group rather than disappearing.
    ``measure="crime"`` counts crimes (ASB excluded), ``"asb"`` counts ASB only.
    """
    keys = [by] if isinstance(by, str) else list(by)
    _require(crimes, keys)
    rows = in_period(crimes, period) if period is not None else crimes
    rows = _measure_rows(rows, measure)
    out = rows.groupby(keys, dropna=False, sort=False).size().reset_index(name="count")
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["count", *keys], ascending=[False, *[True] * len(keys)]).reset_index(
        drop=True
    )


def monthly_counts(
    crimes: pd.DataFrame,
    months: Period | Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    measure: Measure = "crime",
    coverage: pd.DataFrame | None = None,
    force: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Monthly counts over ``months`` (a Period or a list of ``YYYY-MM``), every month and
    every group present, zero-filled.

    Returns columns ``["month", *by, "count"]`` (count ``Int64``), sorted by month then
    group. A zero here is only a true zero if the force-month was loaded: pass the
    ``coverage`` table (and ``force``, by default the forces in ``crimes``) and months that
    are not ``present`` get a ``<NA>`` count, with a ``status`` column saying why.
    """
    month_list = months.months if isinstance(months, Period) else list(months)
    if not month_list:
        raise ParameterError("monthly_counts needs at least one month")
    month_list = month_range(min(month_list), max(month_list))
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _require(crimes, ["month", *keys])
    rows = _measure_rows(crimes, measure)
    grid = pd.DataFrame({"month": pd.array(month_list, dtype="str")})
    if keys:
        groups = rows[keys].drop_duplicates()
        grid = grid.merge(groups, how="cross")
    counted = (
        rows[rows["month"].astype("str").isin(month_list)]
        .groupby(["month", *keys], dropna=False)
        .size()
        .reset_index(name="count")
    )
    counted["month"] = counted["month"].astype("str")
    out = grid.merge(counted, on=["month", *keys], how="left")
    out["count"] = out["count"].fillna(0).astype("Int64")
    if coverage is not None:
        forces = force
        if forces is None and "force" in crimes.columns:
            forces = sorted(str(f) for f in crimes["force"].dropna().unique()) or None
        flags = check_coverage(month_list, coverage, forces)
        worst = flags.groupby("month")["status"].agg(
            lambda s: "missing" if (s == "missing").any() else s.iloc[0]
        )
        out["status"] = out["month"].map(worst).fillna("present").astype("str")
        out.loc[out["status"] != "present", "count"] = pd.NA
    return out.sort_values(["month", *keys]).reset_index(drop=True)


def rate_per_1000(
    count: float | pd.Series,
    population: float | pd.Series,
    *,
    on_missing: Literal["raise", "nan"] = "raise",
) -> float | pd.Series:
    """Count per 1,000 residents: ``count / population * 1000``.

    Population that is zero, negative or missing never divides silently: by default it
    raises :class:`~csplib.errors.CspError` saying which areas; with ``on_missing="nan"``
    those rates are NaN and a ``UserWarning`` names them. Works on scalars or on aligned
    Series (e.g. one row per CSP).

    >>> round(rate_per_1000(2357, 171_800), 2)
    13.72
    """
    fix = "load the ONS mid-year population estimates for these areas and years"
    if not isinstance(count, pd.Series) and not isinstance(population, pd.Series):
        pop = float(population) if population is not None else math.nan
        if math.isnan(pop) or pop <= 0:
            if on_missing == "raise":
                raise CspError(
                    f"cannot compute a rate per 1,000: population is {population!r}", fix=fix
                )
            warnings.warn(f"rate per 1,000 is NaN: population is {population!r}", stacklevel=2)
            return math.nan
        return float(count) / pop * 1000
    if not isinstance(count, pd.Series):
        count = pd.Series(count, index=population.index)  # type: ignore[union-attr]
    if not isinstance(population, pd.Series):
        population = pd.Series(population, index=count.index, dtype="float64")
    counts, pops = pd.to_numeric(count).align(pd.to_numeric(population).astype("float64"))
    bad = pops.isna() | (pops <= 0)
    if bad.any():
        named = ", ".join(f"{i!s} ({pops[i]!r})" for i in list(pops.index[bad])[:10])
        if on_missing == "raise":
            raise CspError(
                f"cannot compute rates per 1,000: no usable population for {named}", fix=fix
            )
        warnings.warn(
            f"rates per 1,000 are NaN where population is unusable: {named}", stacklevel=2
        )
    return (counts.astype("float64") / pops.where(~bad, np.nan)) * 1000


def per_day(count: float, period: Period) -> float:
    """Count per day of ``period``: ``count / period.days``.

    >>> round(per_day(185, Period.fquarter(2014, 1)), 2)
    2.03
    """
    return float(count) / period.days
