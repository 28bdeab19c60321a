"""Peer-group ("most similar group") and county comparisons: rates, funnel limits, ranks.

The Home Office's most similar groups (iQuanta) are restricted, so the group here is
whatever list of areas the user supplies. Each member's rate is compared with the
pooled group rate (sum of counts / sum of populations) using funnel-plot limits at
95% and 99.8%, the method in DOMAIN.md "Methods the field trusts".

What is computed by hand and what comes from a library:

* Byar's approximation to the Poisson interval is written out here (no library
  offers it); the exact Poisson limits come from ``scipy.stats.chi2``; normal
  quantiles from ``scipy.stats.norm``.
* Wilson score intervals for proportions come from statsmodels
  ``proportion_confint(method="wilson")``.

Funnel limits are built around the **expected** count, not the observed one: for a
member with population ``n`` the expected count under the group rate is
``E = group_rate x n``, the Poisson limits of ``E`` (Byar when ``E >= 10``, exact
below) are the range a member of that size would show by chance alone, and dividing
them by ``n`` gives the funnel in rate units. A member whose observed rate falls
outside the funnel at its population differs from the group by more than chance.
That is the standard funnel plot (Spiegelhalter 2005; the PHE/APHO funnel tools) and
it is why every member of the same size shares the same limits. The member's own
confidence interval (built around its observed count) is given separately for
error-bar charts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import chi2, norm
from statsmodels.stats.proportion import proportion_confint

from csplib.errors import ParameterError

__all__ = [
    "ABOVE",
    "BELOW",
    "WITHIN",
    "byar_limits",
    "count_limits",
    "county_table",
    "exact_poisson_limits",
    "funnel_curve",
    "peer_comparison",
    "proportion_comparison",
    "proportion_funnel_curve",
    "wilson_interval",
]

ABOVE = "significantly above"
BELOW = "significantly below"
WITHIN = "within"

#: Counts at or above this use Byar's approximation; below it the exact limits.
BYAR_MIN_COUNT = 10.0

#: The two funnel levels and the suffix of their columns.
LEVELS: dict[str, float] = {"95": 0.95, "998": 0.998}


def _z(level: float) -> float:
    """Two-sided normal quantile: 1.959964 for 95%, 3.090232 for 99.8%."""
    if not 0 < level < 1:
        raise ParameterError(
            f"confidence level {level} is not between 0 and 1",
            fix="give a level such as 0.95 or 0.998",
        )
    return float(norm.ppf(1 - (1 - level) / 2))


def byar_limits(observed: ArrayLike, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits for a count ``O`` (written out by hand).

    lower = O (1 - 1/(9O) - z/(3 sqrt O))^3,
    upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3.

    Good for ``O >= 10``; :func:`count_limits` switches to exact limits below that.
    ``O`` need not be a whole number (funnel limits use expected counts).

    >>> lo, hi = byar_limits(20, 1.96)
    >>> round(float(lo), 3), round(float(hi), 3)
    (12.211, 30.89)
    """
    o = np.asarray(observed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        lower = np.where(o > 0, np.maximum(lower, 0.0), 0.0)
    o1 = o + 1
    upper = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    return lower, upper


def exact_poisson_limits(observed: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits: chi2.ppf(a/2, 2O)/2 and chi2.ppf(1-a/2, 2(O+1))/2.

    The lower limit of a zero count is 0.

    >>> lo, hi = exact_poisson_limits(3, 0.95)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.619, 8.767)
    """
    _z(level)  # validates the level
    alpha = 1 - level
    o = np.asarray(observed, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, chi2.ppf(alpha / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
    return lower, upper


def count_limits(observed: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Poisson limits for counts: Byar's method when ``O >= 10``, exact limits below.

    Works element-wise on arrays. The normal quantile for Byar comes from the level
    (1.959964 at 95%, 3.090232 at 99.8%).
    """
    o = np.asarray(observed, dtype=float)
    if np.any(~np.isfinite(o)) or np.any(o < 0):
        raise ParameterError("counts must be finite and not negative", fix="check the counts")
    b_lo, b_hi = byar_limits(o, _z(level))
    e_lo, e_hi = exact_poisson_limits(o, level)
    use_byar = o >= BYAR_MIN_COUNT
    return np.where(use_byar, b_lo, e_lo), np.where(use_byar, b_hi, e_hi)


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, from statsmodels ``proportion_confint``.

    Returns proportions (0 to 1). A zero denominator gives NaN.

    >>> lo, hi = wilson_interval(5, 20)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1119, 0.4687)
    """
    _z(level)
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    safe_den = np.where(den > 0, den, 1.0)
    lower, upper = proportion_confint(num, safe_den, alpha=1 - level, method="wilson")
    lower = np.where(den > 0, lower, np.nan)
    upper = np.where(den > 0, upper, np.nan)
    return lower, upper


# --- validation -----------------------------------------------------------------------


def _check_members(members: pd.DataFrame, numeric: Sequence[str], what: str) -> pd.DataFrame:
    needed = ["area", *numeric]
    missing = [c for c in needed if c not in members.columns]
    if missing:
        raise ParameterError(
            f"{what} table has no column '{missing[0]}'",
            column=missing[0],
            fix=f"give a table with columns {', '.join(needed)}",
        )
    if members.empty:
        raise ParameterError(f"{what} table has no rows", fix="give at least one area")
    dup = members["area"][members["area"].duplicated()]
    if not dup.empty:
        raise ParameterError(
            f"area '{dup.iloc[0]}' appears more than once in the {what} table",
            column="area",
            fix="give one row per area",
        )
    out = members.copy()
    for col in numeric:
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = out["area"][values.isna() | ~np.isfinite(values) | (values < 0)]
        if not bad.empty:
            raise ParameterError(
                f"area '{bad.iloc[0]}' has a missing, non-numeric or negative {col}",
                column=col,
                fix=f"give a number of 0 or more for every {col}",
            )
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = values  # text such as "1234" becomes a number; numbers keep their type
    return out


def _check_positive(frame: pd.DataFrame, col: str) -> None:
    bad = frame["area"][frame[col] <= 0]
    if not bad.empty:
        raise ParameterError(
            f"area '{bad.iloc[0]}' has a {col} of 0",
            column=col,
            fix=f"a rate needs a {col} above 0; remove the area or correct the {col}",
        )


def _verdict(observed: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.where(observed > upper, ABOVE, np.where(observed < lower, BELOW, WITHIN))


def _rank(values: pd.Series) -> pd.Series:
    """1 = highest; tied values share the better rank."""
    return values.rank(ascending=False, method="min").astype("Int64")


# --- counts and rates -------------------------------------------------------------------


def funnel_curve(group_rate: float, populations: ArrayLike, *, per: float = 1000.0) -> pd.DataFrame:
    """Funnel-plot limits (as rates) around a group rate, for a grid of populations.

    ``group_rate`` is per ``per`` people (as in :func:`peer_comparison`'s ``group_rate``).
    Columns: population, expected, lower_95, upper_95, lower_998, upper_998.
    Use a fine grid for a smooth curve, e.g. ``np.geomspace(50_000, 300_000, 200)``.
    """
    pop = np.asarray(populations, dtype=float)
    if np.any(~np.isfinite(pop)) or np.any(pop <= 0):
        raise ParameterError("populations must be above 0", fix="drop zero populations")
    if not np.isfinite(group_rate) or group_rate < 0:
        raise ParameterError(f"group rate {group_rate} is not a rate", fix="give a rate >= 0")
    expected = group_rate * pop / per
    out = pd.DataFrame({"population": pop, "expected": expected})
    for suffix, level in LEVELS.items():
        lo, hi = count_limits(expected, level)
        out[f"lower_{suffix}"] = lo / pop * per
        out[f"upper_{suffix}"] = hi / pop * per
    return out


def peer_comparison(members: pd.DataFrame, *, per: float = 1000.0) -> pd.DataFrame:
    """Compare each member of a peer group with the pooled group rate.

    ``members``: one row per area with ``area``, ``count``, ``population`` (other columns,
    such as ``count_previous``, are kept). The group rate pools every member, the
    area itself included: ``sum(count) / sum(population)``.

    Added columns (rates are per ``per`` people, default 1,000):

    * ``rate``; ``group_rate``; ``expected`` (count at the group rate for the area's
      population); ``ratio`` (count / expected; 1.10 = 10% above the group);
    * ``rank`` (1 = highest rate; ties share the better rank);
    * ``ci_lower_95``, ``ci_upper_95``: the area's own 95% interval, as rates (around
      its observed count; for error-bar charts);
    * ``funnel_lower_95``, ``funnel_upper_95``, ``funnel_lower_998``, ``funnel_upper_998``:
      the funnel at the area's population (around the expected count, see the module
      docstring), as rates;
    * ``verdict_95``, ``verdict_998``: 'significantly above', 'significantly below' or
      'within' the group average. Use ``verdict_95`` as the headline and
      ``verdict_998`` as the strong signal.

    >>> group = pd.DataFrame({"area": ["A", "B"], "count": [120, 80],
    ...                       "population": [100_000, 100_000]})
    >>> peer_comparison(group)[["area", "rate", "group_rate", "rank"]]
      area  rate  group_rate  rank
    0    A   1.2         1.0     1
    1    B   0.8         1.0     2
    """
    frame = _check_members(members, ["count", "population"], "peer group")
    _check_positive(frame, "population")
    count = frame["count"].to_numpy()
    pop = frame["population"].to_numpy()
    group_rate = count.sum() / pop.sum() * per

    frame["rate"] = count / pop * per
    frame["group_rate"] = group_rate
    expected = group_rate * pop / per
    frame["expected"] = expected
    frame["ratio"] = np.where(expected > 0, count / np.where(expected > 0, expected, 1), np.nan)
    frame["rank"] = _rank(frame["rate"])
    lo, hi = count_limits(count, 0.95)
    frame["ci_lower_95"] = lo / pop * per
    frame["ci_upper_95"] = hi / pop * per
    limits = {suffix: count_limits(expected, level) for suffix, level in LEVELS.items()}
    for suffix, (lo, hi) in limits.items():
        frame[f"funnel_lower_{suffix}"] = lo / pop * per
        frame[f"funnel_upper_{suffix}"] = hi / pop * per
    for suffix, (lo, hi) in limits.items():
        # Comparing counts with count limits is the same as comparing rates with rate
        # limits (both divided by the same population) and avoids rounding at the edge.
        frame[f"verdict_{suffix}"] = pd.array(_verdict(count, lo, hi), dtype="str")
    return frame


def county_table(
    members: pd.DataFrame, *, per: float = 1000.0, total_label: str = "Total"
) -> pd.DataFrame:
    """Every CSP in a force area (county): rate, rank and change on the previous period.

    ``members``: ``area``, ``count``, ``population`` and optionally ``count_previous``
    (the same period a year earlier). Rows come out highest rate first, then a
    total row labelled ``total_label`` (its rate is the county rate; its rank is empty).

    Columns: area, count, population, rate (per ``per`` people), rank, and when
    ``count_previous`` is given: count_previous, change (count), change_pct (percent;
    empty when the previous count was 0). Whether a change is more than noise is a
    separate test (Poisson Z), not judged here.
    """
    has_previous = "count_previous" in members.columns
    numeric = ["count", "population"] + (["count_previous"] if has_previous else [])
    frame = _check_members(members, numeric, "county")
    _check_positive(frame, "population")
    if (frame["area"] == total_label).any():
        raise ParameterError(
            f"an area is called '{total_label}', the label of the total row",
            column="area",
            fix="drop the total row from the input (it is added) or pass another total_label",
        )

    total = {c: frame[c].sum() for c in numeric}
    total["area"] = total_label
    table = pd.concat([frame[["area", *numeric]], pd.DataFrame([total])], ignore_index=True)
    table["rate"] = table["count"] / table["population"] * per
    is_total = table.index == len(table) - 1
    table["rank"] = _rank(table["rate"].where(~is_total))
    if has_previous:
        table["change"] = table["count"] - table["count_previous"]
        prev = table["count_previous"]
        table["change_pct"] = (table["change"] / prev.where(prev > 0) * 100).astype(float)
    body = table[~is_total].sort_values(["rank", "area"], kind="stable")
    table = pd.concat([body, table[is_total]], ignore_index=True)
    columns = ["area", "count", "population", "rate", "rank"]
    if has_previous:
        columns += ["count_previous", "change", "change_pct"]
    table = table[columns]
    table["area"] = table["area"].astype("str")
    return table


# --- proportions ------------------------------------------------------------------------


def proportion_funnel_curve(group_proportion: float, denominators: ArrayLike) -> pd.DataFrame:
    """Funnel limits (Wilson score) around a group proportion for a grid of denominators.

    Columns: denominator, expected, lower_95, upper_95, lower_998, upper_998
    (proportions, 0 to 1).
    """
    den = np.asarray(denominators, dtype=float)
    if np.any(~np.isfinite(den)) or np.any(den <= 0):
        raise ParameterError("denominators must be above 0", fix="drop zero denominators")
    if not 0 <= group_proportion <= 1:
        raise ParameterError(
            f"group proportion {group_proportion} is not between 0 and 1",
            fix="give a proportion, not a percentage",
        )
    expected = group_proportion * den
    out = pd.DataFrame({"denominator": den, "expected": expected})
    for suffix, level in LEVELS.items():
        lo, hi = wilson_interval(expected, den, level)
        out[f"lower_{suffix}"] = lo
        out[f"upper_{suffix}"] = hi
    return out


def proportion_comparison(members: pd.DataFrame) -> pd.DataFrame:
    """Compare each member's proportion with the pooled group proportion (Wilson funnel).

    ``members``: ``area``, ``numerator``, ``denominator`` (e.g. repeat victims / all
    victims). The group proportion is ``sum(numerator) / sum(denominator)``. The funnel
    at a member's denominator ``n`` is the Wilson score interval of the expected
    numerator ``p x n`` out of ``n`` (limits around the expected value, as for counts).

    Added columns (proportions 0 to 1): proportion, group_proportion, expected,
    rank (1 = highest), ci_lower_95, ci_upper_95 (Wilson interval of the member's own
    proportion), funnel_lower_95, funnel_upper_95, funnel_lower_998, funnel_upper_998,
    verdict_95, verdict_998.
    """
    frame = _check_members(members, ["numerator", "denominator"], "peer group")
    _check_positive(frame, "denominator")
    over = frame["area"][frame["numerator"] > frame["denominator"]]
    if not over.empty:
        raise ParameterError(
            f"area '{over.iloc[0]}' has a numerator larger than its denominator",
            column="numerator",
            fix="the numerator must be a part of the denominator",
        )
    num = frame["numerator"].to_numpy()
    den = frame["denominator"].to_numpy()
    p = num.sum() / den.sum()
    frame["proportion"] = num / den
    frame["group_proportion"] = p
    frame["expected"] = p * den
    frame["rank"] = _rank(frame["proportion"])
    lo, hi = wilson_interval(num, den, 0.95)
    frame["ci_lower_95"] = lo
    frame["ci_upper_95"] = hi
    limits = {suffix: wilson_interval(p * den, den, level) for suffix, level in LEVELS.items()}
    for suffix, (lo, hi) in limits.items():
        frame[f"funnel_lower_{suffix}"] = lo
        frame[f"funnel_upper_{suffix}"] = hi
    for suffix, (lo, hi) in limits.items():
        frame[f"verdict_{suffix}"] = pd.array(_verdict(num / den, lo, hi), dtype="str")
    return frame
