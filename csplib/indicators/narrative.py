"""Headline sentences written from the figures, for briefings and assessments.

The wording follows the significance test: a change the test calls noise is never
described as a rise or a fall.

>>> q1 = Period.fquarter(2014, 1)
>>> headline_change("Total recorded crime", 2357, 2172, q1)
'Total recorded crime rose by 8.5% (185 more crimes, 2 a day) compared with the same quarter last year.'
>>> headline_change("Total recorded crime", 1012, 998, q1)
'Total recorded crime was 1,012 against 998 in the same quarter last year (+1.4%): no significant change.'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.change import compare_counts
from csplib.indicators.significance import PoissonChangeTest, poisson_change_test
from csplib.periods import Period

_SAME_LAST_YEAR = {
    "month": "the same month last year",
    "fquarter": "the same quarter last year",
    "cquarter": "the same quarter last year",
    "fyear": "the previous year",
    "cyear": "the previous year",
    "rolling12": "the previous 12 months",
}
_PREVIOUS = {
    "month": "the previous month",
    "fquarter": "the previous quarter",
    "cquarter": "the previous quarter",
}


def comparison_phrase(period: Period, previous_period: Period | None = None) -> str:
    """How a sentence names the period compared against.

    >>> comparison_phrase(Period.month("2019-04"))
    'the same month last year'
    >>> comparison_phrase(Period.fyear(2019)), comparison_phrase(Period.rolling12("2019-06"))
    ('the previous year', 'the previous 12 months')
    >>> comparison_phrase(Period.fquarter(2019, 2), Period.fquarter(2019, 1))
    'the previous quarter'
    """
    if previous_period is None or previous_period == period.same_period_last_year():
        return _SAME_LAST_YEAR[period.kind]
    if previous_period == period.previous() and period.kind in _PREVIOUS:
        return _PREVIOUS[period.kind]
    return previous_period.label


def _round_half_up(value: float, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def format_per_day(value: float) -> str:
    """A per-day figure for a sentence (sign dropped): whole numbers from 1 up, one decimal
    below 1, 'under 0.1' below 0.05.

    >>> format_per_day(185 / 91), format_per_day(-87 / 91), format_per_day(12 / 91)
    ('2', '1', '0.1')
    >>> format_per_day(1234.5), format_per_day(0.01)
    ('1,235', 'under 0.1')
    """
    size = abs(value)
    one_place = _round_half_up(size, 1)
    if one_place >= 1:
        return f"{int(_round_half_up(size, 0)):,}"
    if one_place >= Decimal("0.1"):
        return f"{one_place}"
    return "under 0.1"


def change_phrase(change: int, unit: str = "crime", units: str | None = None) -> str:
    """'185 more crimes', '1 more crime', '87 fewer crimes', '1,200 fewer crimes'.

    >>> change_phrase(1), change_phrase(-87), change_phrase(-1, "incident")
    ('1 more crime', '87 fewer crimes', '1 fewer incident')
    """
    n = abs(int(change))
    noun = unit if n == 1 else (units or unit + "s")
    return f"{n:,} {'more' if change >= 0 else 'fewer'} {noun}"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def headline_change(
    measure: str,
    current: int,
    previous: int,
    period: Period,
    test: PoissonChangeTest | None = None,
    *,
    previous_period: Period | None = None,
    unit: str = "crime",
    units: str | None = None,
    drivers: str | None = None,
) -> str:
    """One sentence on the change in ``measure`` from ``previous_period`` (default: the
    same period last year) to ``period``.

    ``test`` is the significance test of the two counts; by default
    :func:`~csplib.indicators.significance.poisson_change_test` with the periods' lengths
    in days as exposures. Forms:

    * significant: "<Measure> rose by 8.5% (185 more crimes, 2 a day) compared with the
      same quarter last year." ("fell by", "fewer"; "rose from 0 to 12" when last year had
      none, as a percentage of 0 means nothing);
    * not significant: "<Measure> was 1,012 against 998 in the same quarter last year
      (+1.4%): no significant change." (no percentage when last year had none);
    * equal counts: "<Measure> was unchanged at 998 compared with the same quarter last
      year."

    ``drivers`` (from :func:`drivers_sentence`) is appended after a comma, only when the
    change is significant: a change that may be noise has no drivers to name. The per-day
    figure is the difference of the daily rates (see
    :class:`~csplib.indicators.change.Change`); ``unit``/``units`` name what is counted
    ("incident" for ASB, say).
    """
    prev_period = previous_period or period.same_period_last_year()
    change = compare_counts(current, previous, period=period, previous_period=prev_period)
    if test is None:
        test = poisson_change_test(change.current, change.previous, period.days, prev_period.days)
    elif (test.current, test.previous) != (change.current, change.previous):
        raise ParameterError(
            f"the significance test is for {test.current} against {test.previous}, "
            f"not {change.current} against {change.previous}",
            fix="pass the test of these two counts, or leave test out to compute it",
        )
    subject = _sentence_case(measure.strip())
    phrase = comparison_phrase(period, prev_period)

    if change.change == 0:
        return f"{subject} was unchanged at {change.current:,} compared with {phrase}."
    if not test.significant:
        pct = "" if change.previous == 0 else f" ({change.pct_label})"
        return (
            f"{subject} was {change.current:,} against {change.previous:,} in {phrase}{pct}: "
            "no significant change."
        )
    if (test.direction == "rise") != (change.change > 0):
        # Periods of different length (a leap-year quarter): the daily rate moved the
        # other way from the count, and the daily rate is what was tested.
        verb = "rose" if test.direction == "rise" else "fell"
        return (
            f"{subject} was {change.current:,} against {change.previous:,} in {phrase}; "
            f"as crimes a day it {verb} significantly, from "
            f"{change.previous / prev_period.days:,.1f} to {change.current / period.days:,.1f} "
            f"(the periods have {prev_period.days} and {period.days} days)."
        )
    if change.previous == 0:
        core = f"{subject} rose from 0 to {change.current:,}"
    else:
        verb = "rose" if change.change > 0 else "fell"
        core = f"{subject} {verb} by {abs(change.pct_change or 0):.1f}%"
    per_day = format_per_day(change.per_day_change or 0.0)
    sentence = (
        f"{core} ({change_phrase(change.change, unit, units)}, {per_day} a day) "
        f"compared with {phrase}"
    )
    if drivers:
        sentence += ", " + drivers.strip().rstrip(".")
    return sentence + "."


def _name_in_sentence(name: str) -> str:
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # an acronym such as ASB stays as it is
        return name
    return name[:1].lower() + name[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def drivers_sentence(contributions: pd.DataFrame, top: int = 3, *, group: str = "group") -> str:
    """The clause naming the groups that drove the total change, from
    :func:`~csplib.indicators.change.contribution_to_change`.

    Names up to ``top`` groups whose change has the same sign as the total, largest first.
    When the total change is 0 there is nothing to attribute, and it says so.

    >>> from csplib.indicators.change import contribution_to_change
    >>> t = contribution_to_change({"Robbery": 30, "Shoplifting": 90, "Drugs": 10},
    ...                            {"Robbery": 20, "Shoplifting": 70, "Drugs": 12})
    >>> drivers_sentence(t)
    'driven mainly by increases in shoplifting and robbery'
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    missing = [c for c in (group, "change") if c not in contributions.columns]
    if missing:
        raise ParameterError(
            f"contributions lack column(s) {', '.join(missing)}",
            fix="pass the frame from contribution_to_change()",
        )
    total = int(contributions["change"].sum())
    if total == 0:
        return "with no overall change to attribute to any group"
    sign = 1 if total > 0 else -1
    same = contributions[contributions["change"] * sign > 0].copy()
    same["_size"] = same["change"].abs()
    same = same.sort_values(["_size", group], ascending=[False, True]).head(top)
    names = [_name_in_sentence(str(g)) for g in same[group]]
    word = "increase" if sign > 0 else "decrease"
    if len(names) == 1:
        return f"driven mainly by {'an' if sign > 0 else 'a'} {word} in {names[0]}"
    return f"driven mainly by {word}s in {_join(names)}"
