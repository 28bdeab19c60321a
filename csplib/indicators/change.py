"""Change against the same period last year, rolling 12 months against the 12 before, and
each group's contribution to the total change.

Percentages here are in percent (8.5 means 8.5%). A percentage change from zero is
undefined: ``pct_change`` is None (NaN in frames) and ``pct_label`` says why.

The Maidstone Q1 2014 worked example: 2,172 crimes in April-June 2013, 2,357 in
April-June 2014.

>>> c = compare_counts(2357, 2172, period=Period.fquarter(2014, 1))
>>> c.change, c.pct_label, round(c.per_day_change, 2)
(185, '+8.5%', 2.03)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.counts import MEASURES, Measure, count_asb, count_by, count_crimes
from csplib.periods import Period, month_range

CHANGE_COLUMNS = ["current", "previous", "change", "pct_change", "pct_label"]
CONTRIBUTION_COLUMNS = [
    "group",
    "current",
    "previous",
    "change",
    "pct_change",
    "pct_of_total_change",
]


def _count(value: object, name: str) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        raise ParameterError(f"{name} count is missing", fix="check the coverage of the period")
    number = float(value)  # type: ignore[arg-type]
    if number < 0 or number != int(number):
        raise ParameterError(f"{name} count must be a whole number >= 0, got {value!r}")
    return int(number)


def pct_change(current: float, previous: float) -> float | None:
    """Percentage change from ``previous`` to ``current``; None when ``previous`` is 0.

    >>> round(pct_change(2357, 2172), 3)  # 185 / 2172 * 100
    8.517
    >>> pct_change(5, 0) is None
    True
    """
    if previous == 0:
        return None
    return (current - previous) / previous * 100


def pct_label(current: float, previous: float) -> str:
    """The percentage change as shown in tables: '+8.5%', '-4.0%', '0.0%', or
    'n/a (was 0)' / 'no change (0 both)' when there is no base to divide by."""
    pct = pct_change(current, previous)
    if pct is None:
        return "no change (0 both)" if current == 0 else "n/a (was 0)"
    text = f"{pct:.1f}"
    if text in ("0.0", "-0.0"):
        return "0.0%"
    return ("+" if pct > 0 else "") + text + "%"


@dataclass(frozen=True)
class Change:
    """Change from ``previous`` to ``current``.

    ``per_day_change`` is ``current / current_days - previous / previous_days`` (crimes a
    day); when both periods are equally long it equals ``change / days``. It is None when
    no periods were given.
    """

    current: int
    previous: int
    change: int
    pct_change: float | None
    pct_label: str
    current_days: int | None = None
    previous_days: int | None = None
    per_day_change: float | None = None


def compare_counts(
    current: int,
    previous: int,
    *,
    period: Period | None = None,
    previous_period: Period | None = None,
) -> Change:
    """Compare two counts. With ``period`` (the current period) the per-day figures use its
    length and that of ``previous_period`` (default: the same period last year), so a
    91-day quarter is compared fairly with a 90-day one.
    """
    cur, prev = _count(current, "current"), _count(previous, "previous")
    days_cur = days_prev = None
    per_day = None
    if period is not None:
        prev_period = previous_period or period.same_period_last_year()
        days_cur, days_prev = period.days, prev_period.days
        per_day = cur / days_cur - prev / days_prev
    return Change(
        current=cur,
        previous=prev,
        change=cur - prev,
        pct_change=pct_change(cur, prev),
        pct_label=pct_label(cur, prev),
        current_days=days_cur,
        previous_days=days_prev,
        per_day_change=per_day,
    )


def compare_periods(
    crimes: pd.DataFrame,
    period: Period,
    *,
    by: str | Sequence[str] | None = None,
    measure: Measure = "crime",
    previous_period: Period | None = None,
) -> pd.DataFrame:
    """Counts in ``period`` against ``previous_period`` (default: the same period last
    year), overall or by group.

    Returns columns ``[*by, "current", "previous", "change", "pct_change", "pct_label",
    "per_day_change"]``; one row when ``by`` is None. Groups present in only one period get
    0 in the other. Check coverage of both periods first (:func:`csplib.periods.
    require_complete`): a month that was never loaded counts as no crimes here.
    """
    if measure not in MEASURES:
        raise ParameterError(f"measure '{measure}' is not one of {', '.join(MEASURES)}")
    prev_period = previous_period or period.same_period_last_year()
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if keys:
        cur = count_by(crimes, keys, period=period, measure=measure)
        prev = count_by(crimes, keys, period=prev_period, measure=measure)
        out = cur.merge(prev, on=keys, how="outer", suffixes=("_cur", "_prev"))
        out = out.rename(columns={"count_cur": "current", "count_prev": "previous"})
        out[["current", "previous"]] = out[["current", "previous"]].fillna(0).astype("int64")
    else:
        counter = count_asb if measure == "asb" else count_crimes
        out = pd.DataFrame(
            {"current": [counter(crimes, period)], "previous": [counter(crimes, prev_period)]},
            dtype="int64",
        )
    out["change"] = out["current"] - out["previous"]
    out["pct_change"] = [
        np.nan if (p := pct_change(c, v)) is None else p
        for c, v in zip(out["current"], out["previous"], strict=True)
    ]
    out["pct_change"] = out["pct_change"].astype("float64")
    out["pct_label"] = pd.array(
        [pct_label(c, v) for c, v in zip(out["current"], out["previous"], strict=True)],
        dtype="str",
    )
    out["per_day_change"] = out["current"] / period.days - out["previous"] / prev_period.days
    out = out.sort_values(["current", *keys], ascending=[False, *[True] * len(keys)])
    return out[[*keys, *CHANGE_COLUMNS, "per_day_change"]].reset_index(drop=True)


def rolling_12_months(
    monthly: pd.DataFrame, *, by: str | Sequence[str] | None = None, count: str = "count"
) -> pd.DataFrame:
    """Rolling 12-month totals against the 12 months before, as a monthly series.

    ``monthly`` has columns ``month``, the ``by`` columns and ``count`` (as from
    :func:`csplib.indicators.counts.monthly_counts`). For each month M, ``rolling_12`` is
    the total of the 12 months ending with M and ``previous_12`` the 12 months before
    those; ``change`` and ``pct_change`` (percent) compare them.

    Returns columns ``["month", *by, "rolling_12", "previous_12", "change",
    "pct_change"]``, one row per month from the first to the last month of the input. A
    window with any unknown month is ``<NA>``: that covers the first 11 (or 23) months, a
    month with a ``<NA>`` count (not covered), and a month absent from the input, which is
    treated as unknown rather than zero.

    >>> m = pd.DataFrame({"month": month_range("2018-01", "2019-12"), "count": [10] * 12 + [11] * 12})
    >>> print(rolling_12_months(m).tail(1).to_string(index=False))
      month  rolling_12  previous_12  change  pct_change
    2019-12         132          120      12        10.0
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in ["month", *keys, count] if c not in monthly.columns]
    if missing:
        raise ParameterError(f"monthly counts lack column(s) {', '.join(missing)}")
    frame = monthly[["month", *keys, count]].copy()
    frame["month"] = frame["month"].astype("str")
    if frame.duplicated(["month", *keys]).any():
        raise ParameterError(
            "monthly counts have more than one row for a month and group",
            fix="pass one row per month (and per group, with by=)",
        )
    if frame.empty:
        return pd.DataFrame(
            columns=["month", *keys, "rolling_12", "previous_12", "change", "pct_change"]
        )
    months = month_range(frame["month"].min(), frame["month"].max())
    pieces = []
    groups = frame.groupby(keys, dropna=False, sort=True) if keys else [((), frame)]
    for key, part in groups:
        series = (
            part.set_index("month")[count].astype("Float64").reindex(months)
        )  # absent month -> <NA>
        # A sum over a window containing <NA> must be <NA>, never a partial total.
        known = series.notna().astype("int64")
        values = series.fillna(0)
        full = known.rolling(12).sum() == 12
        total = values.rolling(12).sum().where(full)
        rolling = total.astype("Float64").round().astype("Int64")
        previous = rolling.shift(12)
        piece = pd.DataFrame({"month": pd.array(months, dtype="str")})
        key_tuple = key if isinstance(key, tuple) else (key,)
        for name, value in zip(keys, key_tuple, strict=True):
            piece[name] = value
        piece["rolling_12"] = rolling.array
        piece["previous_12"] = previous.array
        pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    out["change"] = out["rolling_12"] - out["previous_12"]
    prev = out["previous_12"].astype("Float64")
    pct = (out["change"].astype("Float64") / prev.where(prev != 0)) * 100
    out["pct_change"] = pct.astype("float64")
    return out


def contribution_to_change(
    current: Mapping[str, int] | pd.Series, previous: Mapping[str, int] | pd.Series
) -> pd.DataFrame:
    """Each group's change and its share of the total change.

    ``current`` and ``previous`` map group -> count (dicts or Series, e.g.
    ``count_by(...).set_index("offence_group")["count"]``); a group missing from one side
    counts 0 there.

    Returns columns ``group, current, previous, change, pct_change, pct_of_total_change``,
    the groups that pushed hardest in the direction of the total change first. The
    ``change`` column sums to the total change and ``pct_of_total_change`` (percent) sums to
    100. A share can exceed 100 or be negative when groups moved in opposite directions
    (a group that rose while the total fell has a negative share).

    When the total change is 0 the shares are undefined and are NaN; ``change`` still shows
    which groups rose and which fell, offsetting each other.

    >>> t = contribution_to_change({"Robbery": 30, "Burglary": 90}, {"Robbery": 20, "Burglary": 95})
    >>> t[["group", "change", "pct_of_total_change"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'group': 'Robbery', 'change': 10, 'pct_of_total_change': 200.0},
     {'group': 'Burglary', 'change': -5, 'pct_of_total_change': -100.0}]
    """
    cur = pd.Series(current, dtype="object") if not isinstance(current, pd.Series) else current
    prev = pd.Series(previous, dtype="object") if not isinstance(previous, pd.Series) else previous
    for name, series in (("current", cur), ("previous", prev)):
        if series.index.has_duplicates:
            raise ParameterError(f"{name} counts name a group more than once")
    groups = list(dict.fromkeys([*cur.index, *prev.index]))
    out = pd.DataFrame({"group": pd.array([str(g) for g in groups], dtype="str")})
    out["current"] = [_count(cur.get(g, 0), f"current '{g}'") for g in groups]
    out["previous"] = [_count(prev.get(g, 0), f"previous '{g}'") for g in groups]
    out["current"] = out["current"].astype("int64")
    out["previous"] = out["previous"].astype("int64")
    out["change"] = out["current"] - out["previous"]
    out["pct_change"] = (out["change"] / out["previous"].where(out["previous"] != 0)) * 100
    total = int(out["change"].sum())
    if total == 0:
        out["pct_of_total_change"] = np.nan
    else:
        out["pct_of_total_change"] = out["change"] / total * 100
    sign = -1 if total < 0 else 1
    out["_order"] = out["change"] * sign
    out = out.sort_values(["_order", "group"], ascending=[False, True])
    out["pct_change"] = out["pct_change"].astype("float64")
    out["pct_of_total_change"] = out["pct_of_total_change"].astype("float64")
    return out[CONTRIBUTION_COLUMNS].reset_index(drop=True)
