"""Change against the same period last year, rolling 12 months against the 12 before, and
each group's contribution to the total change.

Percentages here are in percent (8.5 means 8.5%). A percentage change from zero is
undefined: ``pct_change`` is None (NaN in frames) and ``pct_label`` says why.

**One rounding rule.** A percentage is computed once, exactly, from the unrounded counts
(as a fraction, so no binary floating-point error creeps in) and rounded once, to one
decimal place, half away from zero (:func:`round_half_away`): 79 more on 2,000 is
3.95%, shown "+4.0%" in the text, "+4.0%" in a table and stored as 4.0 in figures.json
(:func:`pct_rounded`). Tables format the stored value, so they never round twice.

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
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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
#: Places of decimals a percentage is shown (and stored in figures.json) with.
PCT_PLACES = 1


def round_half_away(value: float | int | Fraction | Decimal, places: int = 0) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero, as a Decimal.

    A float is taken at its shortest decimal form (``repr``), so 2.675 rounds to 2.68 as a
    person would (Python's ``round`` gives 2.67, and rounds 0.5 to 0); a Fraction is
    rounded exactly.

    >>> str(round_half_away(2.5)), str(round_half_away(-2.5)), str(round_half_away(2.675, 2))
    ('3', '-3', '2.68')
    >>> str(round_half_away(Fraction(79, 2000) * 100, 1))  # 3.95% exactly
    '4.0'
    """
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        shifted = abs(value) * 10**places
        # floor(|x| + 1/2) in whole numbers: exact, ties go up, i.e. away from zero.
        whole = (2 * shifted.numerator + shifted.denominator) // (2 * shifted.denominator)
        return (Decimal(-whole if value < 0 else whole).scaleb(-places)).quantize(quantum)
    if isinstance(value, Decimal):
        return value.quantize(quantum, rounding=ROUND_HALF_UP)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def pct_change_exact(current: int, previous: int) -> Fraction | None:
    """The percentage change as an exact fraction; None when ``previous`` is 0."""
    if previous == 0:
        return None
    return Fraction(int(current) - int(previous), int(previous)) * 100


def pct_rounded(current: int, previous: int, places: int = PCT_PLACES) -> float | None:
    """The percentage change as shown: from the unrounded counts, rounded once half away
    from zero (None from 0). This is the value figures.json carries.

    >>> pct_rounded(2079, 2000), pct_rounded(2357, 2172), pct_rounded(3, 0) is None
    (4.0, 8.5, True)
    """
    exact = pct_change_exact(current, previous)
    if exact is None:
        return None
    return float(round_half_away(exact, places))


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
    """The percentage change as shown in text and tables: '+8.5%', '-4.0%', '0.0%', or
    'n/a (was 0)' / 'no change (0 both)' when there is no base to divide by. Rounded
    once, half away from zero, from the counts (:func:`pct_rounded`).

    >>> pct_label(2079, 2000), pct_label(1921, 2000), pct_label(20001, 20000)
    ('+4.0%', '-4.0%', '0.0%')
    """
    if previous == 0:
        return "no change (0 both)" if current == 0 else "n/a (was 0)"
    return format_pct(pct_rounded(int(current), int(previous)))


def format_pct(value: float | None, places: int = PCT_PLACES) -> str:
    """A percentage (already rounded, or not) as text with its sign: '+8.5%', '-4.0%',
    '0.0%'; 'n/a' for None or NaN. Rounds half away from zero.

    >>> format_pct(8.517), format_pct(-3.95), format_pct(-0.04), format_pct(None)
    ('+8.5%', '-4.0%', '0.0%', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    rounded = round_half_away(value, places)
    if rounded == 0:
        return f"{abs(rounded)}%"
    return ("+" if rounded > 0 else "") + f"{rounded}%"


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
    """Each group's change and its share of the rises or of the falls.

    ``current`` and ``previous`` map group -> count (dicts or Series, e.g.
    ``count_by(...).set_index("offence_group")["count"]``); a group missing from one side
    counts 0 there.

    Returns columns ``group, current, previous, change, pct_change, pct_of_total_change``,
    the groups that pushed hardest in the direction of the total change first. The
    ``change`` column sums to the total change.

    ``pct_of_total_change`` (percent) is a share of the *gross* movement in the group's
    own direction, never of the net change: a rising group's share of all the rises
    (0 to 100; the rises' shares sum to 100), a falling group's share of all the falls,
    negative (-100 to 0; the falls' shares sum to -100), 0 for a group that did not
    move. When every group moved the same way as the total, this is the group's share of
    the total change, as before. Shares of a net change are not used because, when
    groups move in opposite directions, they run past 100% (a rise of 10 against a total
    of 2 would be "500% of the change"): see :func:`gross_movement` and
    :func:`csplib.indicators.narrative.drivers_sentence` for how the two directions are
    reported. NaN for every group when no group moved.

    >>> t = contribution_to_change({"Robbery": 30, "Burglary": 90}, {"Robbery": 20, "Burglary": 95})
    >>> t[["group", "change", "pct_of_total_change"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'group': 'Robbery', 'change': 10, 'pct_of_total_change': 100.0},
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
    rises, falls = gross_movement(out)
    out["pct_of_total_change"] = [
        np.nan if rises == falls == 0
        else (c / rises * 100 if c > 0 else (c / falls * 100 if c < 0 else 0.0))
        for c in out["change"]
    ]  # fmt: skip
    sign = -1 if total < 0 else 1
    out["_order"] = out["change"] * sign
    out = out.sort_values(["_order", "group"], ascending=[False, True])
    out["pct_change"] = out["pct_change"].astype("float64")
    out["pct_of_total_change"] = out["pct_of_total_change"].astype("float64")
    return out[CONTRIBUTION_COLUMNS].reset_index(drop=True)


def gross_movement(contributions: pd.DataFrame, *, change: str = "change") -> tuple[int, int]:
    """(gross rises, gross falls as a positive number) over the groups of a
    contribution table: the rises minus the falls is the total change.

    >>> gross_movement(pd.DataFrame({"change": [400, 220, -300, -180, 0]}))
    (620, 480)
    """
    values = [int(c) for c in contributions[change]]
    return sum(c for c in values if c > 0), -sum(c for c in values if c < 0)
