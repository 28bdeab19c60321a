"""Headline sentences written from the figures, for briefings and assessments.

The wording follows the significance test: a change the test calls noise is never
described as a rise or a fall.

>>> q1 = Period.fquarter(2014, 1)
>>> headline_change("Total recorded crime", 2357, 2172, q1)
'Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) compared with the same quarter last year.'
>>> headline_change("Total recorded crime", 1012, 998, q1)
'Total recorded crime was 1,012 against 998 in the same quarter last year (+14, +1.4%): no significant change.'
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.change import (
    compare_counts,
    gross_movement,
    pct_change_exact,
    pct_label,
    round_half_away,
)
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


#: Per-day changes of this size or more are shown as whole numbers; smaller ones get one
#: decimal ("1.6 a day", not "2 a day", which would overstate it by a quarter).
PER_DAY_WHOLE_FROM = 10


def per_day_rounded(value: float) -> float:
    """A per-day figure as shown (sign kept): one decimal below
    :data:`PER_DAY_WHOLE_FROM`, a whole number from it, halves away from zero. This is
    the value figures.json carries.

    >>> per_day_rounded(185 / 91), per_day_rounded(-1.55), per_day_rounded(12.5)
    (2.0, -1.6, 13.0)
    """
    one_place = round_half_away(abs(value), 1)
    places = 0 if one_place >= PER_DAY_WHOLE_FROM else 1
    rounded = round_half_away(value, places)
    return float(rounded)


def format_per_day(value: float) -> str:
    """A per-day figure for a sentence (sign dropped): one decimal below 10, whole
    numbers from 10 up (:func:`per_day_rounded`), 'under 0.1' below 0.05.

    >>> format_per_day(185 / 91), format_per_day(-87 / 91), format_per_day(12 / 91)
    ('2.0', '1.0', '0.1')
    >>> format_per_day(1.55), format_per_day(1234.5), format_per_day(0.01)
    ('1.6', '1,235', 'under 0.1')
    """
    size = abs(per_day_rounded(value))
    if size >= PER_DAY_WHOLE_FROM:
        return f"{int(size):,}"
    if size >= 0.1:
        return f"{size:.1f}"
    return "under 0.1"


def change_phrase(change: int, unit: str = "crime", units: str | None = None) -> str:
    """'185 more crimes', '1 more crime', '87 fewer crimes', '1,200 fewer crimes'.

    >>> change_phrase(1), change_phrase(-87), change_phrase(-1, "incident")
    ('1 more crime', '87 fewer crimes', '1 fewer incident')
    """
    n = abs(int(change))
    noun = unit if n == 1 else (units or unit + "s")
    return f"{n:,} {'more' if change >= 0 else 'fewer'} {noun}"


def sentence_case(text: str) -> str:
    """``text`` with its first letter a capital and the rest as given (``str.capitalize``
    would lower "ASB").

    >>> sentence_case("ASB incidents by LSOA"), sentence_case("theft offences")
    ('ASB incidents by LSOA', 'Theft offences')
    """
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

    * significant: "<Measure> rose by 8.5% (185 more crimes, 2.0 a day) compared with the
      same quarter last year." ("fell by", "fewer"; "rose from 0 to 12" when last year had
      none, as a percentage of 0 means nothing);
    * not significant: "<Measure> was 1,012 against 998 in the same quarter last year
      (+14, +1.4%): no significant change." (no percentage when last year had none);
    * equal counts: "<Measure> was unchanged at 998 compared with the same quarter last
      year."

    ``drivers`` (from :func:`drivers_sentence`) follows as a second sentence ("The rise
    was driven mainly by ...", or "Rises of 620, mainly ..., were partly offset by ..."),
    only when the change is significant: a change that may be noise has no drivers to
    name; two sentences keep each within the summary's 30 words. The percentage is
    rounded once from the counts (:func:`csplib.indicators.change.pct_rounded`) and the
    per-day figure by :func:`format_per_day`. The per-day
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
    subject = sentence_case(measure.strip())
    phrase = comparison_phrase(period, prev_period)

    if change.change == 0:
        return f"{subject} was unchanged at {change.current:,} compared with {phrase}."
    if not test.significant:
        pct = (
            f" ({change.change:+,})"
            if change.previous == 0
            else (f" ({change.change:+,}, {change.pct_label})")
        )
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
        exact = pct_change_exact(change.current, change.previous) or 0
        core = f"{subject} {verb} by {round_half_away(abs(exact), 1)}%"
    per_day = format_per_day(change.per_day_change or 0.0)
    sentence = (
        f"{core} ({change_phrase(change.change, unit, units)}, {per_day} a day) "
        f"compared with {phrase}."
    )
    if drivers:
        clause = drivers.strip().rstrip(".")
        if clause.startswith("driven"):
            word = "rise" if change.change > 0 else "fall"
            sentence += f" The {word} was {clause}."
        else:
            sentence += f" {sentence_case(clause)}."
    return sentence


def _name_in_sentence(name: str) -> str:
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # an acronym such as ASB stays as it is
        return name
    return name[:1].lower() + name[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _names(frame: pd.DataFrame, group: str, top: int) -> list[str]:
    frame = frame.assign(_size=frame["change"].abs())
    frame = frame.sort_values(["_size", group], ascending=[False, True]).head(top)
    return [_name_in_sentence(str(g)) for g in frame[group]]


def drivers_sentence(
    contributions: pd.DataFrame,
    top: int = 3,
    *,
    group: str = "group",
    significant: str | None = None,
) -> str:
    """The clause saying what drove the total change, from
    :func:`~csplib.indicators.change.contribution_to_change`.

    Groups are *named* only when their own change is significant: ``significant`` is a
    bool column saying so (as :func:`csplib.indicators.multitest.family_change_tests`
    adds); without it every group may be named (pass only significant groups then).
    Up to ``top`` names per direction, largest change first.

    * every group that moved went the same way as the total: "driven mainly by increases
      in shoplifting and robbery" ("spread across groups, none changing significantly on
      its own" when no such group is significant);
    * groups moved in opposite directions: the gross rises and falls are stated
      separately, never as shares of the net change: "rises of 620, mainly X and Y, were
      partly offset by falls of 480, mainly Z" (for a fall, the falls come first; "in
      other groups" where no group in that direction is significant). The gross totals
      count every group, named or not.

    >>> from csplib.indicators.change import contribution_to_change
    >>> t = contribution_to_change({"Robbery": 30, "Shoplifting": 90, "Drugs": 10},
    ...                            {"Robbery": 20, "Shoplifting": 70, "Drugs": 12})
    >>> drivers_sentence(t)
    'rises of 30, mainly shoplifting and robbery, were partly offset by falls of 2, mainly drugs'
    >>> drivers_sentence(t[t["change"] > 0])
    'driven mainly by increases in shoplifting and robbery'
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    need = [group, "change"] + ([significant] if significant else [])
    missing = [c for c in need if c not in contributions.columns]
    if missing:
        raise ParameterError(
            f"contributions lack column(s) {', '.join(missing)}",
            fix="pass the frame from contribution_to_change()",
        )
    rises, falls = gross_movement(contributions)
    if rises == falls == 0:
        return "with no overall change to attribute to any group"
    named = contributions
    if significant:
        named = contributions[contributions[significant].astype(bool)]
    up = _names(named[named["change"] > 0], group, top)
    down = _names(named[named["change"] < 0], group, top)
    total = rises - falls
    if rises == 0 or falls == 0:
        names, word = (up, "increase") if falls == 0 else (down, "decrease")
        if not names:
            return "spread across groups, none changing significantly on its own"
        if len(names) == 1:
            return f"driven mainly by {'an' if word == 'increase' else 'a'} {word} in {names[0]}"
        return f"driven mainly by {word}s in {_join(names)}"

    def part(kind: str, size: int, names: list[str]) -> str:
        return (
            f"{kind} of {size:,}, mainly {_join(names)}"
            if names
            else (f"{kind} of {size:,} in other groups")
        )

    rise_part, fall_part = part("rises", rises, up), part("falls", falls, down)
    if total >= 0:
        return f"{rise_part}, were {'partly ' if total else ''}offset by {fall_part}"
    return f"{fall_part}, were partly offset by {rise_part}"


# --------------------------------------------------------------------------------------
# the summary: every significant and material change, in plain English
# --------------------------------------------------------------------------------------

#: A group's change is large enough to matter (material) when it is at least this many
#: percent of last year's count **and** at least :data:`MATERIAL_COUNT` crimes. A design
#: choice: 10% is the size a board asks about, and the floor of 10 crimes keeps small
#: groups (3 to 6 is +100%) out of the summary even when the test calls them real.
MATERIAL_PCT = 10
MATERIAL_COUNT = 10
#: A summary sentence has at most this many words.
MAX_WORDS = 30

#: Peer verdicts (:mod:`csplib.indicators.peers`) in plain English.
PEER_WORDS = {
    "significantly above": "above average against its most similar group",
    "significantly below": "below average against its most similar group",
    "within": "average against its most similar group",
}


def is_material(current: int, previous: int) -> bool:
    """True when a change is large enough to matter (:data:`MATERIAL_PCT` and
    :data:`MATERIAL_COUNT`); a rise from 0 of at least :data:`MATERIAL_COUNT` is.

    >>> is_material(57, 32), is_material(2357, 2172), is_material(6, 3), is_material(12, 0)
    (True, False, False, True)
    """
    change = abs(int(current) - int(previous))
    if change < MATERIAL_COUNT:
        return False
    exact = pct_change_exact(int(current), int(previous))
    return exact is None or abs(exact) >= MATERIAL_PCT


def chance_phrase(p_value: float) -> str:
    """How sure the test is, in words a board member need not look up (the p-value itself
    goes in the methods note).

    >>> chance_phrase(0.0004), chance_phrase(0.02), chance_phrase(0.3)
    ('very unlikely to be chance', 'unlikely to be chance', 'could be chance')
    """
    if p_value < 0.001:
        return "very unlikely to be chance"
    if p_value < 0.05:
        return "unlikely to be chance"
    return "could be chance"


def word_count(sentence: str) -> int:
    """Words in a sentence (runs of text between spaces)."""
    return len(sentence.split())


def _context(name: str, counts: tuple[int, int], test_significant: bool) -> str:
    """'Synthshire as a whole rose 2.1%' (or 'was little changed (+0.4%)' when the
    county's own change could be chance)."""
    cur, prev = int(counts[0]), int(counts[1])
    if prev == 0:
        return f"{name} as a whole had none last year"
    if not test_significant or cur == prev:
        return f"{name} as a whole was little changed ({pct_label(cur, prev)})"
    pct = round_half_away(abs(pct_change_exact(cur, prev) or 0), 1)
    return f"{name} as a whole {'rose' if cur > prev else 'fell'} {pct}%"


def summary_changes(
    groups: pd.DataFrame,
    *,
    county: Mapping[str, tuple[int, int]] | None = None,
    county_name: str | None = None,
    county_exposures: tuple[float, float] = (1.0, 1.0),
    peers: Mapping[str, str] | None = None,
    group: str = "group",
) -> list[str]:
    """One plain-English sentence per offence group whose change is both significant
    (under the one multiple-testing policy, :mod:`csplib.indicators.multitest`) and
    material (:func:`is_material`), biggest change (in crimes) first.

    ``groups``: columns ``group``, ``current``, ``previous``, ``significant`` (bool) and
    ``p_adjusted``, as :func:`csplib.indicators.multitest.family_change_tests` gives.
    ``county``: group -> (current, previous) for the whole county (``county_name``),
    for "Synthshire as a whole rose 2.1%" (called a rise or fall only when its own test,
    exposures ``county_exposures``, says it is real). ``peers``: group -> peer verdict
    (``"significantly above"``, ``"within"``, ...).

    Each sentence has at most :data:`MAX_WORDS` words; the county and peer context
    become a second sentence when one would not fit. No p-values or method names: see
    :func:`methods_note`.

    >>> g = pd.DataFrame({"group": ["Sexual offences"], "current": [57], "previous": [32],
    ...                   "significant": [True], "p_adjusted": [0.004]})
    >>> summary_changes(g, county={"Sexual offences": (700, 640)}, county_name="Kent")
    ['Sexual offences rose 78.1% (32 to 57), unlikely to be chance; Kent as a whole was little changed (+9.4%).']
    """

    need = [group, "current", "previous", "significant", "p_adjusted"]
    missing = [c for c in need if c not in groups.columns]
    if missing:
        raise ParameterError(
            f"groups lack column(s) {', '.join(missing)}",
            fix="pass the frame from family_change_tests()",
        )
    rows = groups[groups["significant"].astype(bool)]
    material = [is_material(c, p) for c, p in zip(rows["current"], rows["previous"], strict=True)]
    rows = rows[pd.Series(material, index=rows.index, dtype="bool")]
    rows = rows.assign(_size=(rows["current"] - rows["previous"]).abs())
    rows = rows.sort_values(["_size", group], ascending=[False, True])
    out = []
    for r in rows.to_dict("records"):
        name, cur, prev = str(r[group]), int(r["current"]), int(r["previous"])
        verb = "rose" if cur > prev else "fell"
        if prev == 0:
            core = f"{sentence_case(name)} rose from none to {cur:,}"
        else:
            pct = round_half_away(abs(pct_change_exact(cur, prev) or 0), 1)
            core = f"{sentence_case(name)} {verb} {pct}% ({prev:,} to {cur:,})"
        core += f", {chance_phrase(float(r['p_adjusted']))}"
        extra = []
        if county is not None and county_name and name in county:
            c = county[name]
            test = poisson_change_test(int(c[0]), int(c[1]), *county_exposures)
            extra.append(_context(county_name, c, test.significant))
        if peers is not None and name in peers and peers[name] in PEER_WORDS:
            extra.append(PEER_WORDS[peers[name]])
        sentence = "; ".join([core, *extra]) + "."
        if word_count(sentence) > MAX_WORDS and extra:
            rest = "; ".join(extra)
            sentence = f"{core}. {sentence_case(rest)}."
        out.append(sentence)
    return out


def _material_mask(rows: pd.DataFrame) -> pd.Series:
    """Which rows' change is material (:func:`is_material`), as a mask on their index."""
    return pd.Series(
        [is_material(c, p) for c, p in zip(rows["current"], rows["previous"], strict=True)],
        index=rows.index, dtype="bool",
    )  # fmt: skip


def watch_changes(
    groups: pd.DataFrame,
    *,
    alpha: float = 0.05,
    group: str = "group",
    what: str = "offence groups",
) -> list[str]:
    """One plain sentence per group "worth watching": its change is significant on its
    own test (``p_value`` below ``alpha``) but not after the family's adjustment, and is
    material (:func:`is_material`). Such a change is not called real (the headline's real
    changes stay the adjusted ones), but a large one must not vanish from the summary.
    Biggest change (in crimes) first.

    >>> g = pd.DataFrame({"group": ["Robbery", "Drugs"], "current": [37, 10],
    ...                   "previous": [19, 12], "significant": [False, False],
    ...                   "p_value": [0.011, 0.83]})
    >>> watch_changes(g)
    ['Robbery rose from 19 to 37; with this many offence groups compared, a rise this size could still be chance.']
    """
    need = [group, "current", "previous", "significant", "p_value"]
    missing = [c for c in need if c not in groups.columns]
    if missing:
        raise ParameterError(
            f"groups lack column(s) {', '.join(missing)}",
            fix="pass the frame from family_change_tests()",
        )
    rows = groups[~groups["significant"].astype(bool) & (groups["p_value"] < alpha)]
    rows = rows[_material_mask(rows)]
    rows = rows.assign(_size=(rows["current"] - rows["previous"]).abs())
    rows = rows.sort_values(["_size", group], ascending=[False, True])
    out = []
    for r in rows.to_dict("records"):
        cur, prev = int(r["current"]), int(r["previous"])
        up = cur > prev
        before = "none" if prev == 0 else f"{prev:,}"
        out.append(
            f"{sentence_case(str(r[group]))} {'rose' if up else 'fell'} from {before} to "
            f"{cur:,}; with this many {what} compared, a {'rise' if up else 'fall'} this size "
            "could still be chance."
        )
    return out


def methods_note(
    groups: pd.DataFrame,
    *,
    group: str = "group",
    what: str = "offence groups",
    adjusted_only: bool = False,
    alpha: float = 0.05,
    watch: bool = False,
) -> str:
    """The methods note behind :func:`summary_changes`: the testing policy and each
    significant group's p-values (its own and adjusted, each said once), for the end of
    the report. ``adjusted_only``: ``p_adjusted`` is the only p-value there is (the
    priority table's crime types are tested as one family and keep only the adjusted
    one), so only it is given. With ``watch``, also the rule of :func:`watch_changes` and
    the p-values of the changes it names.

    >>> g = pd.DataFrame({"group": ["Robbery", "Drugs"], "current": [37, 10],
    ...                   "previous": [19, 12], "significant": [True, False],
    ...                   "p_value": [0.0123, 0.83], "p_adjusted": [0.0246, 0.83],
    ...                   "method": ["exact-cond", "exact-cond"]})
    >>> methods_note(g).split(". ")[-1]
    'Robbery (exact conditional test): p = 0.012 before adjustment, 0.025 after.'
    >>> methods_note(g, adjusted_only=True).split(". ")[-1]
    'Robbery: p = 0.025 after adjustment.'
    """
    from csplib.indicators.multitest import multiple_testing_note

    names = {"exact-cond": "exact conditional test", "sqrt": "square-root test",
             "etest": "E-test", "none": "no test: no crimes in either period"}  # fmt: skip
    text = multiple_testing_note(len(groups), what)
    sig = groups[groups["significant"].astype(bool)]
    adjusted = len(groups) > 1

    def one(r: dict) -> str:
        if adjusted_only:
            return f"{r[group]}: {format_p(r['p_adjusted'])} after adjustment"
        method = names.get(str(r["method"]), str(r["method"]))
        out = f"{r[group]}" + (f" ({method})" if method else "") + f": {format_p(r['p_value'])}"
        if adjusted:
            out += f" before adjustment, {format_p(r['p_adjusted'], named=False)} after"
        return out

    details = [one(r) for r in sig.to_dict("records")]
    if details:
        text += " " + "; ".join(details) + "."
    else:
        text += " No group's change was significant" + (" after adjustment." if adjusted else ".")
    if watch and adjusted:
        watch_rows = groups[~groups["significant"].astype(bool) & (groups["p_value"] < alpha)]
        watch_rows = watch_rows[_material_mask(watch_rows)]
        text += (
            " A change significant on its own test but not after adjustment, and large "
            f"enough to matter ({MATERIAL_PCT}% and {MATERIAL_COUNT} crimes or more), is "
            "named in the summary as one that could still be chance, never as a real change"
        )
        text += (": " + "; ".join(
            f"{r[group]}: {format_p(r['p_value'])} before adjustment, "
            f"{format_p(r['p_adjusted'], named=False)} after"
            for r in watch_rows.to_dict("records")) + "." if not watch_rows.empty else ".")  # fmt: skip
    return text


def format_p(p: float, *, named: bool = True) -> str:
    """Every p-value the reports print (in their methods notes only), one way: three
    decimals, '< 0.001' below that; ``named`` puts 'p' in front.

    >>> format_p(0.00004), format_p(0.0123), format_p(0.5), format_p(0.02, named=False)
    ('p < 0.001', 'p = 0.012', 'p = 0.500', '0.020')
    """
    p = float(p)
    value = "< 0.001" if p < 0.001 else f"{round_half_away(p, 3):.3f}"
    if not named:
        return value
    return f"p {value}" if value.startswith("<") else f"p = {value}"
