"""A briefing's key figures as one plain, JSON-able structure.

The notebooks show these figures and the report's ``figures.json`` sidecar is exactly
this structure, so what partners read and what a script reads never differ. Pure:
frames in, a dict out.

Rounding: every percentage and per-day figure is stored **rounded as it is displayed**
(one rule, :mod:`csplib.indicators.change`): computed once from the unrounded counts
and rounded once, half away from zero: ``pct_change`` to one decimal,
``pct_of_total_change`` (the share of the gross rises or falls) to a whole percent,
``per_day_current`` to one decimal, ``per_day_change`` to one decimal under 10 a day and
a whole number from 10 (:func:`csplib.indicators.narrative.per_day_rounded`). A table
that formats these values at the same precision shows exactly what the text says.
Test statistics (``z``, ``p_value``, ``p_adjusted``) keep more places: they are not
shown in text.

Significance of the offence groups follows the one multiple-testing policy
(:mod:`csplib.indicators.multitest`: Benjamini-Hochberg at 5% over the groups);
``summary`` lists every significant and material group change in plain English
(:func:`csplib.indicators.narrative.summary_changes`) and ``methods_note`` carries the
p-values and methods.

Structure (every count is an int, every rate or percentage a float or None)::

    area, area_kind, area_code, period, period_kind, previous_period,
    months_used, previous_months_used, days, previous_days,
    coverage: {complete, flags: [{force, month, status, note}]},
    total_crime / asb / victim_based / non_victim_based:
        {current, previous, change, pct_change, per_day_current, per_day_change,
         z, strength, p_value, method, significance},
    rate_per_1000: {current, previous, population, population_year} or None,
    by_group: [{group, current, previous, change, pct_change, pct_of_total_change,
                z, p_value, p_adjusted, significant, significance}],
    headline, drivers, summary (list of sentences), watching (list of sentences: large
    changes significant on their own test but not after adjustment, named as could
    still be chance, :func:`csplib.indicators.narrative.watch_changes`), methods_note,
    peer_position: {group, members, rate, group_rate, rank, of, verdict_95,
                    verdict_998} or None
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from csplib.areas import Area
from csplib.indicators.change import contribution_to_change, pct_rounded, round_half_away
from csplib.indicators.counts import asb_mask, count_by, in_period
from csplib.indicators.multitest import family_change_tests
from csplib.indicators.narrative import (
    drivers_sentence,
    headline_change,
    methods_note,
    per_day_rounded,
    summary_changes,
    watch_changes,
)
from csplib.indicators.significance import poisson_change_test
from csplib.indicators.suppression import DisclosurePolicy, disclosure_note
from csplib.periods import Period

NOT_COMPARABLE = "not compared: data gap"


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def change_figures(current: int, previous: int, period: Period, previous_period: Period) -> dict:
    """Counts, change, per-day and significance for two periods' counts."""
    test = poisson_change_test(current, previous, period.days, previous_period.days)
    return {
        "current": int(current),
        "previous": int(previous),
        "change": int(current - previous),
        "pct_change": pct_rounded(current, previous),
        "per_day_current": float(round_half_away(current / period.days, 1)),
        "per_day_change": per_day_rounded(current / period.days - previous / previous_period.days),
        "z": _num(test.z, 3),
        "strength": test.strength,
        "p_value": _num(test.p_value, 5),
        "method": test.method,
        "significance": test.label,
    }


def key_figures(
    area: Area,
    crimes: pd.DataFrame,
    period: Period,
    coverage_flags: pd.DataFrame,
    *,
    population: tuple[int, int] | None = None,
    previous_population: tuple[int, int] | None = None,
    peers: pd.DataFrame | None = None,
    peer_group: str | None = None,
    group_column: str = "offence_group",
    county_groups: Mapping[str, tuple[int, int]] | None = None,
    county_name: str | None = None,
    peer_groups: Mapping[str, str] | None = None,
) -> dict:
    """Gather the key figures for ``area`` in ``period`` against the same period last year.

    ``crimes``: the area's rows of the canonical table (ASB included), covering both
    periods. ``coverage_flags``: :func:`csplib.periods.check_coverage` for the months of
    both periods (empty when complete). ``population``: (people, mid-year) for the rate.
    ``peers``: :func:`csplib.indicators.peers.peer_comparison` output for the period.
    ``county_groups``: group -> (current, previous) counts for the whole county
    (``county_name``) and ``peer_groups``: group -> peer verdict, both optional, give the
    summary sentences their county and peer context.
    """
    prev = period.same_period_last_year()
    cur_rows, prev_rows = in_period(crimes, period), in_period(crimes, prev)
    cur_asb, prev_asb = asb_mask(cur_rows), asb_mask(prev_rows)
    total = change_figures(int((~cur_asb).sum()), int((~prev_asb).sum()), period, prev)
    asb = change_figures(int(cur_asb.sum()), int(prev_asb.sum()), period, prev)
    classes = _class_figures(cur_rows, prev_rows, period, prev)

    cur_g = count_by(crimes, group_column, period=period).set_index(group_column)["count"]
    prev_g = count_by(crimes, group_column, period=prev).set_index(group_column)["count"]
    contrib = contribution_to_change(cur_g, prev_g)
    tested = family_change_tests(contrib, current_exposure=period.days, previous_exposure=prev.days)
    by_group = [_group_entry(r) for r in tested.itertuples(index=False)]
    headline_test = poisson_change_test(total["current"], total["previous"], period.days, prev.days)
    # Only groups whose own change is significant (under the one multiple-testing policy)
    # are named as drivers; the gross rises and falls count every group.
    drivers = (
        drivers_sentence(tested, significant="significant") if headline_test.significant else ""
    )
    headline = headline_change(
        "Total recorded crime",
        total["current"],
        total["previous"],
        period,
        headline_test,
        drivers=drivers or None,
    )
    summary = summary_changes(
        tested, county=county_groups, county_name=county_name,
        county_exposures=(period.days, prev.days), peers=peer_groups,
    )  # fmt: skip
    watching = watch_changes(tested)
    methods = methods_note(tested, watch=True) if not tested.empty else ""
    if not coverage_flags.empty:
        headline = _not_compared(
            coverage_flags, total, period, prev, (total, asb, *classes.values(), *by_group)
        )
        drivers = ""
        summary, watching, methods = [], [], ""
    flags = _flag_records(coverage_flags)
    return {
        "area": area.name,
        "area_kind": area.kind,
        "area_code": area.code,
        "period": period.label,
        "period_kind": period.kind,
        "previous_period": prev.label,
        "months_used": period.months,
        "previous_months_used": prev.months,
        "days": period.days,
        "previous_days": prev.days,
        "coverage": {"complete": not flags, "flags": flags},
        "total_crime": total,
        "asb": asb,
        **classes,
        "rate_per_1000": _rate_per_1000(total, population, previous_population),
        "by_group": by_group,
        "headline": headline,
        "drivers": drivers,
        "summary": summary,
        "watching": watching,
        "methods_note": methods,
        "peer_position": _peer_position(area, peers, peer_group),
    }


def _class_figures(
    cur_rows: pd.DataFrame, prev_rows: pd.DataFrame, period: Period, prev: Period
) -> dict:
    """Change figures for victim-based and non-victim-based crime."""
    classes = {}
    for key, label in (("victim_based", "victim-based"), ("non_victim_based", "non-victim-based")):
        c = int((cur_rows["crime_class"] == label).sum())
        p = int((prev_rows["crime_class"] == label).sum())
        classes[key] = change_figures(c, p, period, prev)
    return classes


def _group_entry(r) -> dict:
    """One offence group's row of :func:`family_change_tests` as a figures entry."""
    return {
        "group": str(r.group),
        "current": int(r.current),
        "previous": int(r.previous),
        "change": int(r.change),
        "pct_change": pct_rounded(int(r.current), int(r.previous)),
        "pct_of_total_change": None
        if math.isnan(r.pct_of_total_change)
        else float(round_half_away(r.pct_of_total_change, 0)),
        "z": _num(r.z, 3),
        "p_value": _num(r.p_value, 5),
        "p_adjusted": _num(r.p_adjusted, 5),
        "significant": bool(r.significant),
        "significance": str(r.significance),
    }


def _not_compared(
    coverage_flags: pd.DataFrame, total: dict, period: Period, prev: Period, entries: tuple
) -> str:
    """Blank every change figure in ``entries`` (in place) and return the headline.

    A missing or incomplete month is not zero crime: with a gap in either period
    (reported only when the user allowed it) no change is stated or tested.
    """
    # "August 2024 missing": the report's one date style, never an ISO month in prose.
    gap = ", ".join(
        f"{pd.Period(m, freq='M').strftime('%B %Y')} {s}"
        for m, s in coverage_flags[["month", "status"]].itertuples(index=False)
    )
    headline = (
        f"Total recorded crime was {total['current']:,} in {period.label}. It is not "
        f"compared with {prev.label}: the data has gaps ({gap}), so a change here would "
        "not be a real change."
    )
    prev_gap = bool(set(coverage_flags["month"]) & set(prev.months))
    for entry in entries:
        for key in ("z", "strength", "p_value", "p_adjusted", "significant", "method",
                    "change", "pct_change", "per_day_change", "pct_of_total_change"):  # fmt: skip
            if key in entry:
                entry[key] = None
        if prev_gap:
            entry["previous"] = None  # never a zero for months that were not loaded
        entry["significance"] = NOT_COMPARABLE
    return headline


def _rate_per_1000(
    total: dict,
    population: tuple[int, int] | None,
    previous_population: tuple[int, int] | None,
) -> dict | None:
    """Total crime per 1,000 people in each period, or None without a population."""
    if population is None:
        return None
    prev_pop = previous_population or population
    return {
        "current": _num(total["current"] / population[0] * 1000, 3),
        "previous": None
        if total["previous"] is None
        else _num(total["previous"] / prev_pop[0] * 1000, 3),
        "population": int(population[0]),
        "population_year": int(population[1]),
    }


def _peer_position(area: Area, peers: pd.DataFrame | None, peer_group: str | None) -> dict | None:
    """The area's place among its peers, or None when it is not in ``peers``."""
    if peers is None or peers.empty:
        return None
    me = peers[peers["area"] == area.name]
    if me.empty:
        return None
    row = me.iloc[0]
    return {
        "group": peer_group,
        "members": [str(a) for a in peers["area"]],
        "rate": _num(row["rate"], 3),
        "group_rate": _num(row["group_rate"], 3),
        "rank": int(row["rank"]),
        "of": len(peers),
        "verdict_95": str(row["verdict_95"]),
        "verdict_998": str(row["verdict_998"]),
    }


def _flag_records(coverage_flags: pd.DataFrame) -> list[dict]:
    """The coverage flags as records of strings (None for a missing value)."""
    return [
        {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
         for k, v in rec.items()}
        for rec in coverage_flags.to_dict("records")
    ]  # fmt: skip


#: Figures derived from a count: hidden with it, since each would give it back.
DERIVED = ("change", "pct_change", "pct_of_total_change", "per_day_current", "per_day_change",
           "z", "strength", "p_value", "p_adjusted", "significant", "method",
           "significance")  # fmt: skip


def _hide(entry: dict, key: str, shown: str) -> None:
    entry[key] = shown
    for d in DERIVED:
        if d in entry:
            entry[d] = None


def shared_figures(
    figures: dict, threshold: int = 5, policy: DisclosurePolicy | None = None
) -> dict:
    """The key figures as they may be shared: the same small-number rule as the HTML.

    Offence groups are suppressed as one list against total recorded crime, and
    victim-based / non-victim-based as a pair against it (each is the other's
    complement): a count of 1 to ``threshold - 1`` becomes ``"<threshold"``, a count
    hidden so the small one cannot be worked out becomes ``"[c]"``, and every figure
    derived from a hidden count (change, percentages, per day, test results) becomes
    null. Whole-area totals (total crime, ASB, the rate, the peer position) are
    published as they are. Pure: returns a new dict.

    With a ``policy`` (:class:`csplib.indicators.suppression.DisclosurePolicy`, whose
    threshold then applies), offence-group and class counts are suppressed only where
    the policy applies to them at the figures' geography (``area_kind``): ONS and the
    Home Office publish a partnership's and a force's offence-group counts, so by default
    they are shown as they are; and secondary suppression keeps off the policy's major
    groups where it can. Without a policy, the small-number rule above applies to every
    list (the behaviour of the report tables that do not yet take a policy).
    """
    import copy

    from csplib.indicators.suppression import suppress_series

    out = copy.deepcopy(figures)
    if policy is not None:
        threshold = policy.threshold
        geography = str(figures.get("area_kind") or "csp")
        if not policy.applies(geography, "offence_group"):
            out["suppression"] = {"threshold": threshold, "rule": disclosure_note(policy)}
            return out
    for key in ("current", "previous"):
        groups = out["by_group"]
        lone = False
        if groups:
            counts = pd.Series({g["group"]: figures_count(g, key) for g in groups})
            major = policy.major(counts) if policy is not None else ()
            s = suppress_series(counts, threshold=threshold, protected=major)
            for g in groups:
                if s.mask[g["group"]]:
                    _hide(g, key, str(s.display[g["group"]]))
            lone = class_total_reveals(dict(s.mask.iloc[:-1]))
        pair = pd.Series({k: out[k][key] for k in ("victim_based", "non_victim_based")})
        if all(isinstance(v, int) for v in pair):
            s = suppress_series(pair, threshold=threshold)
            for k in pair.index:
                if s.mask[k] or lone:
                    _hide(out[k], key, str(s.display[k]) if s.mask[k] else "[c]")
    out["suppression"] = {
        "threshold": threshold,
        "rule": f"counts of 1-{threshold - 1} shown as <{threshold}; [c] hides a count that "
        "would reveal one; figures derived from a hidden count are null",
    }
    return out


def class_total_reveals(hidden: dict[str, bool]) -> bool:
    """True when publishing the victim-based / non-victim-based totals would give back a
    hidden offence group: a class with exactly one hidden group is its class total minus
    the class's shown groups."""
    from collections import Counter

    from csplib.schema import GROUP_CLASS

    per_class = Counter(GROUP_CLASS.get(g) for g, h in hidden.items() if h)
    return any(n == 1 for klass, n in per_class.items() if klass is not None)


def figures_count(entry: dict, key: str) -> int:
    """A count from a figures entry (0 when an earlier pass already hid it)."""
    value = entry[key]
    return value if isinstance(value, int) else 0


#: Keys that hold counts of crimes, incidents or people in a report's figures.
COUNT_KEYS = ("count", "current", "previous", "lfl_current", "lfl_previous", "asb",
              "respondents", "resident", "partner", "business")  # fmt: skip
#: Keys derived from a count (rates, shares, tests): hidden with it.
DERIVED_ALL = (*DERIVED, "rate", "per_month", "asb_per_month", "support_pct", "mean_rank",
               "share_pct", "ratio", "expected", "rate_per_1000")  # fmt: skip


def _hide_counts(entry: dict, key: str, shown: str) -> None:
    entry[key] = shown
    for d in DERIVED_ALL:
        if d in entry and not isinstance(entry[d], dict | list):
            entry[d] = None


def suppress_figures(figures: object, threshold: int = 5) -> object:
    """Any report's figures made safe to share, the same rule as its tables.

    Walks the structure: in every list of records (a table), each count column
    (``COUNT_KEYS``) is suppressed as one series with its total (1 to ``threshold - 1``
    shown as ``"<threshold"``, plus secondary suppression, ``"[c]"``); a lone record's
    small count is shown as ``"<threshold"``. Figures derived from a hidden count in the
    same record (rates, shares, changes, test results) become null. Pure.
    """
    import copy

    from csplib.indicators.suppression import suppress_series

    out = copy.deepcopy(figures)

    def walk(obj: object) -> None:
        if isinstance(obj, list):
            records = [r for r in obj if isinstance(r, dict)]
            for key in COUNT_KEYS:
                rows = [
                    r
                    for r in records
                    if isinstance(r.get(key), int) and not isinstance(r.get(key), bool)
                ]
                if not any(0 < r[key] < threshold for r in rows):
                    continue
                s = suppress_series(pd.Series([r[key] for r in rows]), threshold=threshold)
                for i, r in enumerate(rows):
                    if s.mask.iloc[i]:
                        _hide_counts(r, key, str(s.display.iloc[i]))
            for item in obj:
                walk(item)
        elif isinstance(obj, dict):
            for key in COUNT_KEYS:
                v = obj.get(key)
                if isinstance(v, int) and not isinstance(v, bool) and 0 < v < threshold:
                    _hide_counts(obj, key, f"<{threshold}")
            for v in obj.values():
                walk(v)

    walk(out)
    return out
