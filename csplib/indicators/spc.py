"""XmR statistical process control charts in NHS England's "Making Data Count" style.

:func:`xmr` turns a monthly series into a chart table (mean, moving range, process
limits, sigma lines and, per point, which special-cause rules fired);
:func:`spc_signals` lists the signals in plain English, each with its start and end
month; :func:`chart_summary` says which months set the limits, whether they are trial
limits and whether the baseline trends; :func:`assurance` says whether a target sits
inside the process limits.

Conventions (all written out here, as no Python library implements Making Data Count;
docs/methods.md has the formulas, defaults and the published examples tested against):

* mean = average of the baseline values (all values unless ``baseline`` is given);
  moving range = |x_t - x_(t-1)|; mean MR = average moving range within the baseline;
  process limits = mean +/- 2.66 x mean MR; one sigma = 2.66 / 3 x mean MR, so the
  sigma lines are mean +/- 1 sigma and mean +/- 2 sigma.
* ``outside_limits``: the value is above the upper or below the lower process limit.
* ``run_of_7``: 7 or more consecutive values on the same side of the mean; every
  value in the run is flagged. A value exactly on the mean breaks a run.
* ``trend_of_6`` (the trend rule; the column keeps its name whatever the length):
  ``trend_length`` consecutive values each higher than the one before, or each lower;
  every value in the trend, the first included, is flagged. An equal neighbour breaks
  a trend. Making Data Count uses 6 points, NHSRplotthedots 7.
* ``two_of_three``: 2 of 3 consecutive values beyond the same 2-sigma line; the values
  beyond the line are flagged, not the third value of the window (Western Electric
  rule 2). Making Data Count counts a value beyond the process limit too;
  NHSRplotthedots counts only values between the 2-sigma line and the process limit.

``convention`` picks the set: ``"making-data-count"`` (default: no outlier screening,
6-point trend, 2-of-3 counting values beyond the limits) or ``"nhsrplotthedots"``
(moving ranges above 3.267 x the mean moving range are left out of the mean moving
range, 7-point trend, 2-of-3 counting only values short of the process limits). Each
option can also be set on its own.

Each flagged point has a side (high: above the mean or rising; low: below or
falling) that ``higher_is`` turns into 'concern' or 'improvement' (for crime, higher
is a concern). Where rules disagree on a point, the side follows the first in this
order: outside_limits, trend_of_6, two_of_three, run_of_7 (as NHSRplotthedots does).

Limits from fewer than :data:`MIN_BASELINE_POINTS` (12) points are **trial limits**
(column ``trial_limits``). When the baseline itself trends (Mann-Kendall test, i.e.
Kendall's tau of value against time, at 5%), a single mean does not describe the series:
``baseline_trending`` is True and no signal is called improvement or concern (they are
'neutral'), since a falling series would otherwise read as "improvement" for months.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from csplib.errors import ParameterError

__all__ = [
    "CONVENTIONS",
    "RULES",
    "ChartSummary",
    "assurance",
    "chart_summary",
    "spc_signals",
    "xmr",
]

Direction = Literal["concern", "improvement", "neutral"]

#: XmR constant: 3 / d2 with d2 = 1.128 for moving ranges of two points.
LIMIT_FACTOR = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 6

#: NHSRplotthedots' moving-range screen: 3.267 = D4, the upper limit of a moving range.
SCREEN_FACTOR = 3.267

#: Limits set from fewer points than this are trial limits (NHSRplotthedots warns below 12).
MIN_BASELINE_POINTS = 12

#: Level of the Mann-Kendall test for a trend in the baseline.
TREND_ALPHA = 0.05

#: The two rule sets: (screen_outliers, trend_length, two_of_three counts beyond-limit values).
CONVENTIONS: dict[str, tuple[bool, int, bool]] = {
    "making-data-count": (False, 6, True),
    "nhsrplotthedots": (True, 7, False),
}

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


def _trends(x: np.ndarray, trend_length: int) -> tuple[np.ndarray, np.ndarray]:
    """(flag, side) for values in >= trend_length strictly rising or falling values."""
    n = len(x)
    flag = np.zeros(n, dtype=bool)
    side = np.zeros(n, dtype=int)
    step = np.sign(np.diff(x)).astype(int)  # step[i] links x[i] and x[i+1]
    lengths = _run_lengths(step)
    i = 0
    while i < len(step):
        length = lengths[i]
        # `length` equal steps in a row join length + 1 values.
        if step[i] != 0 and length + 1 >= trend_length:
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


def _baseline_mask(months: Sequence[str], baseline: object) -> np.ndarray:
    n = len(months)
    if baseline is None:
        return np.ones(n, dtype=bool)
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if not 2 <= baseline <= n:
            raise ParameterError(
                f"baseline {baseline} is not a number of points between 2 and {n}",
                fix="give the number of months (from the start) that set the limits",
            )
        return np.arange(n) < baseline
    if isinstance(baseline, (tuple, list)) and len(baseline) == 2:
        first, last = (str(m) for m in baseline)
        for m in (first, last):
            if m not in months:
                raise ParameterError(
                    f"baseline month {m} is not in the series",
                    fix=f"give months between {months[0]} and {months[-1]} as 'YYYY-MM'",
                )
        mask = np.array([first <= m <= last for m in months])
        if mask.sum() < 2:
            raise ParameterError(
                f"baseline {first} to {last} holds fewer than 2 months",
                fix="give a first and last month at least one month apart",
            )
        return mask
    raise ParameterError(
        f"baseline {baseline!r} is neither a number of months nor a (first, last) pair",
        fix="give e.g. baseline=24 or baseline=('2021-04', '2023-03')",
    )


def _mean_moving_range(base: np.ndarray, screen: bool) -> tuple[float, int]:
    """Mean moving range of the baseline and how many moving ranges were screened out."""
    mr = np.abs(np.diff(base))
    mean_mr = float(mr.mean())
    if not screen:
        return mean_mr, 0
    keep = mr <= SCREEN_FACTOR * mean_mr
    return float(mr[keep].mean()), int((~keep).sum())


def _baseline_trend(base: np.ndarray) -> tuple[str, float]:
    """('rising' | 'falling' | 'none', p-value) by the Mann-Kendall test (Kendall's tau)."""
    if len(base) < 4 or np.all(base == base[0]):
        return "none", 1.0
    result = kendalltau(np.arange(len(base)), base)
    p = float(result.pvalue)
    if p < TREND_ALPHA:
        return ("rising" if result.statistic > 0 else "falling"), p
    return "none", p


def xmr(
    values: pd.Series,
    *,
    baseline: int | tuple[str, str] | None = None,
    higher_is: Direction = "concern",
    require_consecutive: bool = True,
    convention: str = "making-data-count",
    screen_outliers: bool | None = None,
    trend_length: int | None = None,
    two_of_three_beyond_limits: bool | None = None,
) -> pd.DataFrame:
    """XmR chart table for a monthly series (index 'YYYY-MM', in order).

    ``baseline``: the stable months that set the mean and limits, every value being
    judged against them: a number of months from the start, or a ``(first, last)``
    pair of months such as ``("2021-04", "2023-03")``. Default: every month.
    ``higher_is``: 'concern' (crime, the default), 'improvement' or 'neutral'.
    ``require_consecutive``: refuse gaps between months (a missing month is not zero
    and a run across a gap is not a run).
    ``convention``: 'making-data-count' (default) or 'nhsrplotthedots' (see the module
    docstring); ``screen_outliers``, ``trend_length`` and ``two_of_three_beyond_limits``
    override single options of it.

    Returns one row per month (index ``month``) with columns: value, mean,
    moving_range (NaN for the first month), mean_moving_range, upper_limit,
    lower_limit, upper_two_sigma, lower_two_sigma, upper_one_sigma, lower_one_sigma,
    in_baseline, the rule flags outside_limits, run_of_7, trend_of_6, two_of_three,
    special_cause (any rule), side ('high', 'low' or '' when no rule fired),
    variation ('common cause', 'special cause concern', 'special cause improvement'
    or 'special cause neutral'), trial_limits (True when fewer than 12 baseline months
    set the limits) and baseline_trending (True when the baseline rises or falls
    significantly; every signal is then 'neutral'). The lower limit can be below zero
    for small counts. :func:`chart_summary` reads the baseline facts back.

    >>> s = pd.Series([10, 12, 10, 12], index=["2024-01", "2024-02", "2024-03", "2024-04"])
    >>> chart = xmr(s)
    >>> float(chart["mean"].iloc[0]), float(chart["upper_limit"].iloc[0])
    (11.0, 16.32)
    >>> bool(chart["trial_limits"].iloc[0])
    True
    """
    _check_direction(higher_is)
    screen, trend_len, count_beyond = _options(
        convention, screen_outliers, trend_length, two_of_three_beyond_limits
    )
    series = _check_series(values, require_consecutive)
    x = series.to_numpy()
    months = [str(m) for m in series.index]
    in_base = _baseline_mask(months, baseline)
    base = x[in_base]
    mean = float(base.mean())
    mean_mr, screened = _mean_moving_range(base, screen)
    trend, trend_p = _baseline_trend(base)
    trending = trend != "none"

    chart = _limits_table(x, series.index, mean, mean_mr)
    chart["in_baseline"] = in_base
    flags, sides = _rule_flags(x, chart, mean, count_beyond, trend_len)
    for rule in ("outside_limits", "run_of_7", "trend_of_6", "two_of_three"):
        chart[rule] = flags[rule]
    special, side = _special_cause(flags, sides, len(x))
    judged = "neutral" if trending else higher_is
    chart["special_cause"] = special
    chart["side"] = pd.array(np.where(side > 0, "high", np.where(side < 0, "low", "")), "str")
    chart["variation"] = pd.array(
        [
            _variation(int(s), judged) if f else "common cause"
            for s, f in zip(side, special, strict=True)
        ],
        dtype="str",
    )
    chart["trial_limits"] = bool(in_base.sum() < MIN_BASELINE_POINTS)
    chart["baseline_trending"] = trending
    baseline_months = [m for m, b in zip(months, in_base, strict=True) if b]
    chart.attrs.update(
        higher_is=higher_is,
        judged_as=judged,
        convention=convention,
        screen_outliers=screen,
        screened_moving_ranges=screened,
        trend_length=int(trend_len),
        two_of_three_beyond_limits=bool(count_beyond),
        baseline_start=baseline_months[0],
        baseline_end=baseline_months[-1],
        baseline_trend=trend,
        baseline_trend_p=trend_p,
    )
    return chart


def _options(
    convention: str,
    screen_outliers: bool | None,
    trend_length: int | None,
    two_of_three_beyond_limits: bool | None,
) -> tuple[bool, int, bool]:
    """The convention's options with any single override: screen, trend length, beyond."""
    if convention not in CONVENTIONS:
        raise ParameterError(
            f"convention '{convention}' is not one of {', '.join(CONVENTIONS)}",
            fix="use 'making-data-count' (the default) or 'nhsrplotthedots'",
        )
    preset_screen, preset_trend, preset_beyond = CONVENTIONS[convention]
    screen = preset_screen if screen_outliers is None else bool(screen_outliers)
    trend_len = preset_trend if trend_length is None else trend_length
    count_beyond = (
        preset_beyond if two_of_three_beyond_limits is None else two_of_three_beyond_limits
    )
    if not isinstance(trend_len, (int, np.integer)) or trend_len < 3:
        raise ParameterError(f"trend_length {trend_len!r} is not a whole number of 3 or more")
    return screen, trend_len, count_beyond


def _limits_table(x: np.ndarray, index: pd.Index, mean: float, mean_mr: float) -> pd.DataFrame:
    """Values, moving ranges, mean and the one-, two- and three-sigma limits."""
    sigma = LIMIT_FACTOR / 3 * mean_mr
    chart = pd.DataFrame({"value": x}, index=index)
    chart["mean"] = mean
    chart["moving_range"] = np.concatenate([[np.nan], np.abs(np.diff(x))])
    chart["mean_moving_range"] = mean_mr
    chart["upper_limit"] = mean + LIMIT_FACTOR * mean_mr
    chart["lower_limit"] = mean - LIMIT_FACTOR * mean_mr
    chart["upper_two_sigma"] = mean + 2 * sigma
    chart["lower_two_sigma"] = mean - 2 * sigma
    chart["upper_one_sigma"] = mean + sigma
    chart["lower_one_sigma"] = mean - sigma
    return chart


def _rule_flags(
    x: np.ndarray, chart: pd.DataFrame, mean: float, count_beyond: bool, trend_len: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each rule's flag per month, and the side (1 high, -1 low) it points to."""
    above_limit = x > chart["upper_limit"].to_numpy()
    below_limit = x < chart["lower_limit"].to_numpy()
    side_of_mean = np.sign(x - mean).astype(int)
    beyond_two = np.where(
        x > chart["upper_two_sigma"].to_numpy(),
        1,
        np.where(x < chart["lower_two_sigma"].to_numpy(), -1, 0),
    )
    if not count_beyond:
        beyond_two = np.where(above_limit | below_limit, 0, beyond_two)
    trend_flag, trend_side = _trends(x, int(trend_len))
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
    return flags, sides


def _special_cause(
    flags: dict[str, np.ndarray], sides: dict[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Any rule fired, and the side of the first rule (in :data:`RULES` order) that did."""
    special = np.zeros(n, dtype=bool)
    side = np.zeros(n, dtype=int)
    for rule in RULES:  # precedence order
        take = flags[rule] & ~special
        side[take] = sides[rule][take]
        special |= flags[rule]
    return special, side


@dataclass(frozen=True)
class ChartSummary:
    """The facts a report states beside an XmR chart.

    ``baseline_start``/``baseline_end``: the months that set the mean and limits;
    ``baseline_points``: how many; ``trial_limits``: fewer than 12 (limits to be
    revised as months accrue); ``baseline_trend``: 'rising', 'falling' or 'none' (the
    Mann-Kendall test at 5%, p-value ``baseline_trend_p``); when not 'none', signals are
    not called improvement or concern. ``convention``: the rule set used.
    """

    baseline_start: str
    baseline_end: str
    baseline_points: int
    trial_limits: bool
    baseline_trend: str
    baseline_trend_p: float
    convention: str

    def notes(self) -> list[str]:
        """Plain-English caveats for the report (empty when there are none)."""
        out = []
        if self.trial_limits:
            out.append(
                f"The limits come from only {self.baseline_points} months, so they are trial "
                "limits and will move as more months are added."
            )
        if self.baseline_trend != "none":
            out.append(
                f"The counts were {self.baseline_trend} steadily over the months that set the "
                "limits, so the average line does not describe the series; unusual months "
                "are not called an improvement or a concern."
            )
        return out


def chart_summary(chart: pd.DataFrame) -> ChartSummary:
    """The baseline facts of an :func:`xmr` chart (read from its columns and attrs)."""
    missing = [c for c in ("in_baseline", "trial_limits", "baseline_trending") if c not in chart]
    if missing:
        raise ParameterError(
            f"chart has no column '{missing[0]}'", fix="pass the table returned by xmr()"
        )
    months = [str(m) for m, b in zip(chart.index, chart["in_baseline"], strict=True) if b]
    attrs = chart.attrs
    trend = attrs.get("baseline_trend")
    if trend is None:  # attrs lost (e.g. after a merge): recompute from the values
        trend, p = _baseline_trend(chart["value"].to_numpy(dtype=float)[chart["in_baseline"]])
    else:
        p = float(attrs.get("baseline_trend_p", float("nan")))
    return ChartSummary(
        baseline_start=months[0],
        baseline_end=months[-1],
        baseline_points=len(months),
        trial_limits=bool(chart["trial_limits"].iloc[0]),
        baseline_trend=str(trend),
        baseline_trend_p=p,
        convention=str(attrs.get("convention", "making-data-count")),
    )


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


def spc_signals(
    chart: pd.DataFrame, *, higher_is: Direction | None = None, since: str | None = None
) -> pd.DataFrame:
    """The special-cause signals of an :func:`xmr` chart, one row per episode.

    ``higher_is`` defaults to the value the chart was made with (else 'concern'); over
    a trending baseline (``baseline_trending``) every signal is 'neutral' whatever it
    says. ``since`` ('YYYY-MM'): keep only signals still running in or after that month
    (their ``end`` is not before it), so a report can leave out signals that ended
    before its period.
    Columns: rule, start, end (months), points (values flagged), side ('above',
    'below', 'rising', 'falling'), assessment ('concern', 'improvement', 'neutral'),
    description (a sentence for the report, e.g. "special cause concern: 7 months in
    a row above the mean from 2023-04 to 2023-10"). Rows are in order of start month.
    An empty table means common-cause variation only.
    """
    if higher_is is None:
        higher_is = chart.attrs.get("higher_is", "concern")
    _check_direction(higher_is)
    if "baseline_trending" in chart.columns and bool(chart["baseline_trending"].iloc[0]):
        higher_is = "neutral"
    if since is not None and not _MONTH.match(str(since)):
        raise ParameterError(f"since '{since}' is not a month", fix="give 'YYYY-MM'")
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
    trend_len = int(chart.attrs.get("trend_length", TREND_LENGTH))
    for first, last, s in _trend_episodes(trend, x, trend_len):
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
    if since is not None:
        out = out[out["end"] >= str(since)].reset_index(drop=True)
    for col in ("rule", "start", "end", "side", "assessment", "description"):
        out[col] = out[col].astype("str")
    out["points"] = out["points"].astype(int)
    return out


def _trend_episodes(
    flag: np.ndarray, x: np.ndarray, trend_length: int = TREND_LENGTH
) -> list[tuple[int, int, int]]:
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
        if j - i + 1 >= trend_length:
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
