"""The explorer's analyses views: outcomes and stop and search for any period the
controls allow, built by the same section functions as the strategic assessment
(:mod:`csplib.report.sections.outcomes`, :mod:`csplib.report.sections.stop_search`), so
the explorer and the assessment give one figure for one area and period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from csplib.areas import Area
from csplib.periods import shift_month
from csplib.report import html as h
from csplib.report.analyses_data import AnalysesInputs, load_analyses_inputs
from csplib.report.explore.options import ASB_LABEL, MonthSpan, Selection, ViewResult
from csplib.report.sections import outcomes, stop_search

if TYPE_CHECKING:
    from csplib.report.explore.explorer import Explorer

NO_STORE = (
    "This view reads the store's outcome and stop-and-search tables: open the explorer on a store."
)


@dataclass(frozen=True)
class SectionData:
    """What the analyses sections read of a report's data: the area, the ONS district
    lookup and the analyses' inputs."""

    area: Area
    lad: pd.DataFrame
    analyses: AnalysesInputs | None


@dataclass(frozen=True)
class SectionContext:
    """What the analyses sections read of their context (a :class:`~..context.Year` in
    the assessment): the data, the disclosure threshold and the period."""

    data: SectionData
    threshold: int
    period: Any  # Period or MonthSpan: start, end, months, label, same_period_last_year()


def context(ex: Explorer, sel: Selection) -> SectionContext | None:
    """The sections' context for ``sel`` (None when the explorer has no store)."""
    if ex.store is None:
        return None
    a, p = ex._area(sel.area), sel.parsed()
    key = ("inputs", a.name)
    if key not in ex._analyses_cache:  # read once per area: every month the store holds
        span = ex.data_months(a.name) or (p.start, p.end)
        _make_room(ex._analyses_cache)
        ex._analyses_cache[key] = load_analyses_inputs(
            ex.store,
            a,
            MonthSpan(span[0], max(span[1], p.end)),  # type: ignore[arg-type]
        )
    inputs = ex._analyses_cache[key]
    if shift_month(p.start, -12) < inputs.first_month:  # older than the rows read: read it
        inputs = load_analyses_inputs(ex.store, a, p)  # type: ignore[arg-type]
    return SectionContext(SectionData(a, ex.lad, _for_period(inputs, p)), ex.threshold, p)


def _for_period(inputs: AnalysesInputs, p) -> AnalysesInputs:
    """The inputs as :func:`load_analyses_inputs` reads them for ``p``: crimes up to its
    last month (the sections take the latest month from them) and its searches."""
    crimes = inputs.crimes
    searches = inputs.searches
    return replace(
        inputs,
        crimes=crimes[crimes["month"] <= p.end],
        searches=None if searches is None else searches[searches["month"].isin(p.months)],
    )


#: How many inputs and built sections the explorer keeps (the oldest go first): a few
#: periods' worth, so a day of browsing does not hold every period's five years of rows.
KEEP = 12


def _make_room(cache: dict) -> None:
    while len(cache) >= KEEP:
        cache.pop(next(iter(cache)))


def _built(ex: Explorer, sel: Selection, ctx: SectionContext, build) -> Any:
    """``build(ctx)``, once per section, area and period: the measure and the comparison
    chosen do not change these sections, so changing them redraws at once."""
    key = (build.__module__, ctx.data.area.name, ctx.period.start, ctx.period.end)
    if key not in ex._analyses_cache:
        _make_room(ex._analyses_cache)
        ex._analyses_cache[key] = build(ctx)
    return ex._analyses_cache[key]


def _gap(ex: Explorer, sel: Selection) -> list[h.Html]:
    a, p, other = ex._area(sel.area), sel.parsed(), sel.parsed().same_period_last_year()
    flags = ex._flags(a, p, other)
    if flags.empty:
        return []
    return [h.callout("Data gap: a month of this period or of the same period last year is "
                      "missing or incomplete, so these counts are short and the two periods "
                      "are not like for like.", "warning")]  # fmt: skip


def _title(sel: Selection, what: str) -> h.Html:
    return h.heading(f"{what}: {sel.area}, {sel.parsed().label}", 2)


def view_outcomes(ex: Explorer, sel: Selection) -> ViewResult:
    """Outcome groups by offence group: the period, the same period last year and the
    force, at the same age (the assessment's outcomes section)."""
    parts = [_title(sel, "Outcomes")]
    ctx = context(ex, sel)
    if ctx is None:
        return ViewResult(h.join([*parts, h.paragraph(NO_STORE)]))
    if sel.measure == ASB_LABEL:
        parts.append(h.paragraph("Outcomes are recorded for crimes; anti-social behaviour "
                                 "has none. The table covers every offence group."))  # fmt: skip
    r = _built(ex, sel, ctx, outcomes.build_year)
    parts += _gap(ex, sel)
    if r.result is not None and not r.result.comparable:
        parts.append(h.callout(
            f"Too recent to compare: not every crime of {ctx.period.label} has reached "
            f"{r.result.age_months} months in the outcomes loaded, so more of them show as "
            "still under investigation than will in time. Compare an earlier period.",
            "warning",
        ))  # fmt: skip
    parts.append(outcomes.render_year(r))
    frame = None
    if r.result is not None:
        names = {"period": r.result.period, "previous": r.result.previous, "force": r.force}
        frame = pd.DataFrame([
            {"Crimes of": names.get(scope, scope), "Offence group": group,
             "Crimes": r.totals[scope][group], **counts}
            for scope, groups in r.counts.items() for group, counts in groups.items()
        ])  # fmt: skip
    return ViewResult(h.join(parts), frame, f"Outcomes, {sel.area}, {sel.parsed().label}")


def view_stop_search(ex: Explorer, sel: Selection) -> ViewResult:
    """Searches by object, outcome and ethnicity, with the find rate and the
    disproportionality ratio (the assessment's stop-and-search section)."""
    parts = [_title(sel, "Stop and search")]
    ctx = context(ex, sel)
    if ctx is None:
        return ViewResult(h.join([*parts, h.paragraph(NO_STORE)]))
    r = _built(ex, sel, ctx, stop_search.build_year)
    parts.append(stop_search.render_year(r))
    frame = None
    if r.figures is not None:
        frame = pd.DataFrame([
            {"Object of search": k, "Searches": v["searches"], "Find rate %": v["find_rate"]}
            for k, v in r.figures["by_object"].items()
        ])  # fmt: skip
    return ViewResult(h.join(parts), frame, f"Stop and search, {sel.area}, {sel.parsed().label}")
