"""The explorer's analyses views: outcomes and stop and search for any period the
controls allow, built by the same section functions as the strategic assessment
(:mod:`csplib.report.sections.outcomes`, :mod:`csplib.report.sections.stop_search`), so
the explorer and the assessment give one figure for one area and period."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from csplib.areas import Area
from csplib.indicators import outcomes as oc
from csplib.periods import shift_month
from csplib.report import html as h
from csplib.report.analyses_data import (
    OUTCOME_AGE,
    OUTCOMES_COLUMNS,
    AnalysesInputs,
    area_lsoas,
    load_analyses_inputs,
)
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


def _read_inputs(ex: Explorer, a: Area, last: str) -> AnalysesInputs:
    """The inputs of ``a``'s forces over every month the store holds for them, to
    ``last`` at the latest."""
    return _read(ex.store, a, _months(ex, a, last))


def _months(ex: Explorer, a: Area, last: str) -> MonthSpan:
    span = ex.data_months(a.name) or (last, last)
    return MonthSpan(span[0], max(span[1], last))


def _read(store, a: Area, months: MonthSpan) -> AnalysesInputs:
    # Reads the store only (the background worker touches none of the explorer's frames).
    return load_analyses_inputs(store, a, months, columns=OUTCOMES_COLUMNS)  # type: ignore[arg-type]


def _at_age(inputs: AnalysesInputs) -> AnalysesInputs:
    """The inputs with each crime's outcome at the compared age looked up once
    (:func:`~csplib.indicators.outcomes.with_outcome_at_age`), so that each period's
    outcomes are counted without a look-up of their own: the same figures."""
    if not _needs_look_up(inputs):
        return inputs
    crimes = oc.with_outcome_at_age(inputs.crimes, inputs.outcomes, OUTCOME_AGE)
    return replace(inputs, crimes=crimes)


def _has_at_age(inputs: AnalysesInputs) -> bool:
    return oc.at_age_column(OUTCOME_AGE) in inputs.crimes.columns


def _needs_look_up(inputs: AnalysesInputs) -> bool:
    """There are outcomes files and the look-up once is not done."""
    has_outcomes = inputs.outcomes is not None and not inputs.outcomes.empty
    return has_outcomes and not _has_at_age(inputs)


def _wants_at_age(ex: Explorer, key: tuple, inputs: AnalysesInputs) -> bool:
    """Whether to send the look-up once to the worker: it is needed and has not failed
    before (then each period's own look-up serves, with the same figures)."""
    return _needs_look_up(inputs) and ("no at-age", *key) not in ex._analyses_cache


#: One background worker: :func:`prefetch` reads a force's inputs, or looks up their
#: outcomes at age, while a view is on screen.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csp-explore-inputs")


@dataclass(frozen=True)
class _Pending:
    """Inputs the background worker is preparing (``later``); ``now``, when there are
    inputs already, serves until it is done."""

    now: AnalysesInputs | None
    later: Future


def _key(a: Area) -> tuple:
    # The rows read are the forces' (the area's own rows are selected from them), so the
    # partnerships of one force share one read.
    return ("inputs", *a.forces)


def prefetch(ex: Explorer, area: str) -> None:
    """After a view of ``area`` is drawn, prepare its forces' outcome and stop-and-search
    inputs in the background: read them (once per force) and look up each crime's
    outcome at age, so that opening the Outcomes or Stop and search view, or a new period
    of it, does not wait. :func:`context` waits for a read still under way; a read that
    failed raises its error there, as a read in the view would."""
    if ex.store is None:
        return
    a = ex._area(area)
    key, span = _key(a), ex.data_months(a.name)
    held = ex._analyses_cache.get(key)
    if held is None and span is not None:
        store, months = ex.store, _months(ex, a, span[1])
        read = _WORKER.submit(lambda: _at_age(_read(store, a, months)))
        _keep(ex._analyses_cache, key, lambda: _Pending(None, read))
    elif isinstance(held, AnalysesInputs) and _wants_at_age(ex, key, held):
        ex._analyses_cache[key] = _Pending(held, _WORKER.submit(_at_age, held))


def _inputs(ex: Explorer, a: Area, p) -> AnalysesInputs:
    key = _key(a)  # read once per force: every month the store holds
    inputs = _keep(ex._analyses_cache, key, lambda: _read_inputs(ex, a, p.end))
    if isinstance(inputs, _Pending):
        pending = inputs
        if pending.now is None:  # a read: wait for it
            del ex._analyses_cache[key]  # a failed read raises here, tried again next time
            inputs = ex._analyses_cache[key] = pending.later.result()
        elif not pending.later.done():
            inputs = pending.now  # the same figures, counted with their own look-up
        elif pending.later.exception() is not None:
            # The look-up once failed: the inputs serve as read, each period with its own.
            inputs = ex._analyses_cache[key] = pending.now
            _keep(ex._analyses_cache, ("no at-age", *key), lambda: True)
        else:
            inputs = ex._analyses_cache[key] = pending.later.result()
    if shift_month(p.start, -12) < inputs.first_month:  # older than the rows read: read it
        return load_analyses_inputs(ex.store, a, p, columns=OUTCOMES_COLUMNS)
    lsoas = _keep(ex._analyses_cache, ("lsoas", a.name), lambda: area_lsoas(ex.store, a))
    return replace(inputs, area_lsoas=lsoas)


def context(ex: Explorer, sel: Selection) -> SectionContext | None:
    """The sections' context for ``sel`` (None when the explorer has no store)."""
    if ex.store is None:
        return None
    a, p = ex._area(sel.area), sel.parsed()
    inputs = _for_period(_inputs(ex, a, p), p)
    return SectionContext(SectionData(a, ex.lad, inputs), ex.threshold, p)


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


#: How many inputs and built sections the explorer keeps (the least recently used go
#: first): a few periods' worth, so a day of browsing does not hold every period's
#: sections, while the inputs every draw uses stay.
KEEP = 12


def _keep(cache: dict, key: tuple, make: Callable[[], Any]) -> Any:
    """``cache[key]``, made by ``make()`` when missing, now the most recently used; the
    least recently used entries go to keep :data:`KEEP`."""
    if key in cache:
        cache[key] = cache.pop(key)
        return cache[key]
    value = make()
    while len(cache) >= KEEP:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _built(ex: Explorer, ctx: SectionContext, build) -> Any:
    """``build(ctx)``, once per section, area and period: the measure and the comparison
    chosen do not change these sections, so changing them redraws at once."""
    key = (build.__module__, ctx.data.area.name, ctx.period.start, ctx.period.end)
    return _keep(ex._analyses_cache, key, lambda: build(ctx))


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
    r = _built(ex, ctx, outcomes.build_year)
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
    r = _built(ex, ctx, stop_search.build_year)
    parts.append(stop_search.render_year(r))
    frame = None
    if r.figures is not None:
        frame = pd.DataFrame([
            {"Object of search": k, "Searches": v["searches"], "Find rate %": v["find_rate"]}
            for k, v in r.figures["by_object"].items()
        ])  # fmt: skip
    return ViewResult(h.join(parts), frame, f"Stop and search, {sel.area}, {sel.parsed().label}")
