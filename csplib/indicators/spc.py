"""XmR statistical process control charts in NHS England's "Making Data Count" style.

:func:`xmr` turns a monthly series into a chart table (mean, moving range, process
limits, sigma lines and, per point, which special-cause rules fired);
:func:`spc_signals` lists the signals in plain English; :func:`assurance` says
whether a target sits inside the process limits.

Conventions (all written out here, as no library implements Making Data Count):

* mean = average of the values (of the first ``baseline`` values when given);
  moving range = |x_t - x_(t-1)|; mean MR = average moving range (within the
  baseline); process limits = mean +/- 2.66 x mean MR; one sigma = 2.66 / 3 x mean MR,
  so the sigma lines are mean +/- 1 sigma and mean +/- 2 sigma.
* ``outside_limits``: the value is above the upper or below the lower process limit.
* ``run_of_7``: 7 or more consecutive values on the same side of the mean; every
  value in the run is flagged. A value exactly on the mean breaks a run.
* ``trend_of_6``: 6 consecutive values each higher than the one before (5 rises in a
  row), or each lower; every value in the trend, the first included, is flagged.
  An equal neighbour breaks a trend. (Making Data Count's 6-point rule; the R package
  NHSRplotthedots now uses 7.)
* ``two_of_three``: 2 of 3 consecutive values beyond the same 2-sigma line (a value
  beyond the process limit counts); the values beyond the line are flagged, not the
  third value of the window (Western Electric rule 2).

Each flagged point has a side (high: above the mean or rising; low: below or
falling) that ``higher_is`` turns into 'concern' or 'improvement' (for crime, higher
is a concern). Where rules disagree on a point, the side follows the first in this
order: outside_limits, trend_of_6, two_of_three, run_of_7 (as NHSRplotthedots does).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from csplib.errors import ParameterError

__all__ = ["RULES", "assurance", "spc_signals", "xmr"]

Direction = Literal["concern", "improvement", "neutral"]

#: XmR constant: 3 / d2 with d2 = 1.128 for moving ranges of two points.
LIMIT_FACTOR = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 6

#: The rule columns of the chart table, in the order that decides a point's side.
RULES = ("outside_limits", "trend_of_6", "two_of_three", "run_of_7")

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_direction(higher_is: str) -> None:
    if higher_is not in ("concern", "improvement", "neutral"):
        raise ParameterError(
            f"higher_is is '{higher_is}'",
            fix="use 'concern' (e.g. crime), 'improvement' or 'neutral'",
        )


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _check_series(values: pd.Series, require_consecutive: bool) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise ParameterError("an XmR chart needs a pandas Series indexed by month")
    if len(values) < 2:
        raise ParameterError(
            "an XmR chart needs at least 2 values", fix="give a longer series (15+ is advised)"
        )
    months = [str(m) for m in values.index]
    for m in months:
        if not _MONTH.match(m):
            raise ParameterError(
                f"index value '{m}' is not a month", fix="index the series by 'YYYY-MM' strings"
            )
    numbers = [_month_number(m) for m in months]
    for prev, cur, m in zip(numbers, numbers[1:], months[1:], strict=False):
        if cur <= prev:
            raise ParameterError(
                f"month {m} is out of order or repeated",
                fix="sort the series by month, one value per month",
            )
        if require_consecutive and cur != prev + 1:
            gap = prev + 1
            raise ParameterError(
                f"month {gap // 12:04d}-{gap % 12 + 1:02d} is missing from the series",
                fix="fill the month if it is a real zero, or chart a period without gaps "
                "(a missing month is not zero crime)",
            )
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    missing = [m for m, v in zip(months, numeric, strict=True) if not np.isfinite(v)]
    if missing:
        raise ParameterError(
            f"month {missing[0]} has no numeric value",
            fix="fill the value or chart a period without it (a missing month is not zero)",
        )
    return pd.Series(numeric.to_numpy(), index=pd.Index(months, dtype="str", name="month"))


def _run_lengths(key: np.ndarray) -> np.ndarray:
    """For each position, the length of the maximal block of equal ``key`` containing it."""
    n = len(key)
    out = np.zeros(n, dtype=int)
    start = 0
    for i in range(1, n + 1):
        if i == n or key[i] != key[start]:
            out[start:i] = i - start
            start = i
    return out


def _runs(side: np.ndarray) -> np.ndarray:
    """Flag values in blocks of >= RUN_LENGTH on the same non-zero side of the mean."""
    return (side != 0) & (_run_lengths(side) >= RUN_LENGTH)


def _trends(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flag, side) for values in >= TREND_LENGTH strictly rising or falling values."""
    n = len(x)
    flag = np.zeros(n, dtype=bool)
    side = np.zeros(n, dtype=int)
    step = np.sign(np.diff(x)).astype(int)  # step[i] links x[i] and x[i+1]
    lengths = _run_lengths(step)
    i = 0
    while i < len(step):
        length = lengths[i]
        # `length` equal steps in a row join length + 1 values.
        if step[i] != 0 and length + 1 >= TREND_LENGTH:
            flag[i : i + length + 1] = True
            # A value shared by a rise and a following fall takes the later trend.
            side[i : i + length + 1] = step[i]
        i += length
    return flag, side


def _two_of_three(beyond: np.ndarray) -> np.ndarray:
    """``beyond`` is +1/-1/0 (beyond the upper/lower 2-sigma line); flag qualifying values."""
    n = len(beyond)
    flag = np.zeros(n, dtype=bool)
    for start in range(max(n - 2, 0)):
        window = beyond[start : start + 3]
        for s in (1, -1):
            if (window == s).sum() >= 2:
                flag[start : start + 3] |= window == s
    return flag


def xmr(
    values: pd.Series,
    *,
    baseline: int | None = None,
    higher_is: Direction = "concern",
    require_consecutive: bool = True,
) -> pd.DataFrame:
    """XmR chart table for a monthly series (index 'YYYY-MM', in order).

    ``baseline``: compute the mean and limits from the first ``baseline`` values only
    (e.g. the year before an intervention) and judge every value against them.
    ``higher_is``: 'concern' (crime, the default), 'improvement' or 'neutral'.
    ``require_consecutive``: refuse gaps between months (a missing month is not zero
    and a run across a gap is not a run).

    Returns one row per month (index ``month``) with columns: value, mean,
    moving_range (NaN for the first month), mean_moving_range, upper_limit,
    lower_limit, upper_two_sigma, lower_two_sigma, upper_one_sigma, lower_one_sigma,
    in_baseline, the rule flags outside_limits, run_of_7, trend_of_6, two_of_three,
    special_cause (any rule), side ('high', 'low' or '' when no rule fired) and
    variation ('common cause', 'special cause concern', 'special cause improvement'
    or 'special cause neutral'). The lower limit can be below zero for small counts.

    >>> s = pd.Series([10, 12, 10, 12], index=["2024-01", "2024-02", "2024-03", "2024-04"])
    >>> chart = xmr(s)
    >>> float(chart["mean"].iloc[0]), float(chart["upper_limit"].iloc[0])
    (11.0, 16.32)
    """
    _check_direction(higher_is)
    series = _check_series(values, require_consecutive)
    x = series.to_numpy()
    n = len(x)
    if baseline is None:
        baseline = n
    if not isinstance(baseline, (int, np.integer)) or not 2 <= baseline <= n:
        raise ParameterError(
            f"baseline {baseline} is not a number of points between 2 and {n}",
            fix="give the number of months (from the start) that set the limits",
        )
    base = x[:baseline]
    mean = float(base.mean())
    mean_mr = float(np.abs(np.diff(base)).mean())
    sigma = LIMIT_FACTOR / 3 * mean_mr

    chart = pd.DataFrame({"value": x}, index=series.index)
    chart["mean"] = mean
    chart["moving_range"] = np.concatenate([[np.nan], np.abs(np.diff(x))])
    chart["mean_moving_range"] = mean_mr
    chart["upper_limit"] = mean + LIMIT_FACTOR * mean_mr
    chart["lower_limit"] = mean - LIMIT_FACTOR * mean_mr
    chart["upper_two_sigma"] = mean + 2 * sigma
    chart["lower_two_sigma"] = mean - 2 * sigma
    chart["upper_one_sigma"] = mean + sigma
    chart["lower_one_sigma"] = mean - sigma
    chart["in_baseline"] = np.arange(n) < baseline

    above_limit = x > chart["upper_limit"].to_numpy()
    below_limit = x < chart["lower_limit"].to_numpy()
    side_of_mean = np.sign(x - mean).astype(int)
    beyond_two = np.where(
        x > chart["upper_two_sigma"].to_numpy(),
        1,
        np.where(x < chart["lower_two_sigma"].to_numpy(), -1, 0),
    )
    trend_flag, trend_side = _trends(x)

    flags = {
        "outside_limits": above_limit | below_limit,
        "trend_of_6": trend_flag,
        "two_of_three": _two_of_three(beyond_two),
        "run_of_7": _runs(side_of_mean),
    }
    sides = {
        "outside_limits": np.where(above_limit, 1, -1),
        "trend_of_6": trend_side,
        "two_of_three": beyond_two,
        "run_of_7": side_of_mean,
    }
    for rule in ("outside_limits", "run_of_7", "trend_of_6", "two_of_three"):
        chart[rule] = flags[rule]
    special = np.zeros(n, dtype=bool)
    side = np.zeros(n, dtype=int)
    for rule in RULES:  # precedence order
        take = flags[rule] & ~special
        side[take] = sides[rule][take]
        special |= flags[rule]
    chart["special_cause"] = special
    chart["side"] = pd.array(np.where(side > 0, "high", np.where(side < 0, "low", "")), "str")
    chart["variation"] = pd.array(
        [
            _variation(int(s), higher_is) if f else "common cause"
            for s, f in zip(side, special, strict=True)
        ],
        dtype="str",
    )
    chart.attrs["higher_is"] = higher_is
    return chart


def _assessment(side: int, higher_is: str) -> str:
    if higher_is == "neutral":
        return "neutral"
    high_is_concern = higher_is == "concern"
    return "concern" if (side > 0) == high_is_concern else "improvement"


def _variation(side: int, higher_is: str) -> str:
    return f"special cause {_assessment(side, higher_is)}"


def _blocks(flag: np.ndarray, side: np.ndarray, max_gap: int = 0) -> list[tuple[int, int, int]]:
    """Episodes of flagged values with one side: (first, last, side).

    Flagged values join an episode when at most ``max_gap`` unflagged values separate
    them (two_of_three allows one).
    """
    episodes: list[tuple[int, int, int]] = []
    for i in np.flatnonzero(flag):
        s = int(side[i])
        if episodes and episodes[-1][2] == s and i - episodes[-1][1] - 1 <= max_gap:
            first, _, _ = episodes[-1]
            episodes[-1] = (first, int(i), s)
        else:
            episodes.append((int(i), int(i), s))
    return episodes


def spc_signals(chart: pd.DataFrame, *, higher_is: Direction | None = None) -> pd.DataFrame:
    """The special-cause signals of an :func:`xmr` chart, one row per episode.

    ``higher_is`` defaults to the value the chart was made with (else 'concern').
    Columns: rule, start, end (months), points (values flagged), side ('above',
    'below', 'rising', 'falling'), assessment ('concern', 'improvement', 'neutral'),
    description (a sentence for the report, e.g. "special cause concern: 7 months in
    a row above the mean from 2023-04 to 2023-10"). Rows are in order of start month.
    An empty table means common-cause variation only.
    """
    if higher_is is None:
        higher_is = chart.attrs.get("higher_is", "concern")
    _check_direction(higher_is)
    missing = [c for c in ("value", "mean", *RULES) if c not in chart.columns]
    if missing:
        raise ParameterError(
            f"chart has no column '{missing[0]}'", fix="pass the table returned by xmr()"
        )
    months = [str(m) for m in chart.index]
    x = chart["value"].to_numpy(dtype=float)
    mean = chart["mean"].to_numpy(dtype=float)
    side_of_mean = np.sign(x - mean).astype(int)
    rows = []

    def add(rule: str, first: int, last: int, side: int, points: int, what: str) -> None:
        assessment = _assessment(side, higher_is)
        span = f"in {months[first]}" if first == last else f"from {months[first]} to {months[last]}"
        rows.append(
            {
                "rule": rule,
                "start": months[first],
                "end": months[last],
                "points": points,
                "side": what,
                "assessment": assessment,
                "description": f"special cause {assessment}: {_describe(rule, what, points)} {span}",
            }
        )

    outside = chart["outside_limits"].to_numpy(dtype=bool)
    for first, last, s in _blocks(outside, side_of_mean):
        add("outside_limits", first, last, s, last - first + 1, "above" if s > 0 else "below")

    run = chart["run_of_7"].to_numpy(dtype=bool)
    for first, last, s in _blocks(run, side_of_mean):
        add("run_of_7", first, last, s, last - first + 1, "above" if s > 0 else "below")

    trend = chart["trend_of_6"].to_numpy(dtype=bool)
    for first, last, s in _trend_episodes(trend, x):
        add("trend_of_6", first, last, s, last - first + 1, "rising" if s > 0 else "falling")

    two = chart["two_of_three"].to_numpy(dtype=bool)
    for first, last, s in _blocks(two, side_of_mean, max_gap=1):
        points = int(two[first : last + 1].sum())
        add("two_of_three", first, last, s, points, "above" if s > 0 else "below")

    out = pd.DataFrame(
        rows, columns=["rule", "start", "end", "points", "side", "assessment", "description"]
    )
    order = {rule: i for i, rule in enumerate(RULES)}
    out = out.assign(_o=out["rule"].map(order)).sort_values(["start", "_o"], kind="stable")
    out = out.drop(columns="_o").reset_index(drop=True)
    for col in ("rule", "start", "end", "side", "assessment", "description"):
        out[col] = out[col].astype("str")
    out["points"] = out["points"].astype(int)
    return out


def _trend_episodes(flag: np.ndarray, x: np.ndarray) -> list[tuple[int, int, int]]:
    """Split flagged values into maximal strictly rising or falling stretches."""
    episodes: list[tuple[int, int, int]] = []
    i, n = 0, len(x)
    while i < n - 1:
        step = int(np.sign(x[i + 1] - x[i]))
        if not (flag[i] and flag[i + 1]) or step == 0:
            i += 1
            continue
        j = i + 1
        while j + 1 < n and flag[j + 1] and int(np.sign(x[j + 1] - x[j])) == step:
            j += 1
        if j - i + 1 >= TREND_LENGTH:
            episodes.append((i, j, step))
        i = j  # a peak value may start the next (opposite) trend
    return episodes


def _describe(rule: str, side: str, points: int) -> str:
    months = "month" if points == 1 else "months"
    if rule == "outside_limits":
        limit = "upper" if side == "above" else "lower"
        return f"{points} {months} {side} the {limit} process limit"
    if rule == "run_of_7":
        return f"{points} {months} in a row {side} the mean"
    if rule == "trend_of_6":
        return f"{points} {months} in a row {side}"
    if points == 2:
        return f"2 of 3 months beyond two sigma {side} the mean"
    return f"{points} months beyond two sigma {side} the mean (2 of 3 rule)"


def assurance(chart: pd.DataFrame, target: float, *, higher_is: Direction | None = None) -> str:
    """Making Data Count assurance: can the process be relied on to meet ``target``?

    Compares the target with the process limits of the (latest) chart:
    'consistently meets target' when both limits are on the good side of it,
    'consistently misses target' when both are on the bad side, otherwise
    'hit and miss' (the target lies between the limits, so meeting it is down to
    chance). With ``higher_is='neutral'`` there is no good side: always 'hit and miss'
    unless the target lies outside the limits ('target outside process limits').
    """
    if higher_is is None:
        higher_is = chart.attrs.get("higher_is", "concern")
    _check_direction(higher_is)
    upper = float(chart["upper_limit"].iloc[-1])
    lower = float(chart["lower_limit"].iloc[-1])
    if lower <= target <= upper:
        return "hit and miss"
    if higher_is == "neutral":
        return "target outside process limits"
    below_target = upper < target  # the whole process is below the target
    good = below_target if higher_is == "concern" else not below_target
    return "consistently meets target" if good else "consistently misses target"
