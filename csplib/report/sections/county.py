"""Across the county: every partnership's crimes and rate per 1,000 residents, for the
briefing's quarter and the assessment's year (with a bar chart and like-for-like change)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.change import format_pct
from csplib.indicators.counts import asb_mask, in_period
from csplib.indicators.peers import county_table
from csplib.report import charts
from csplib.report import html as h
from csplib.report.assessment_data import csp_population
from csplib.report.data import members_counts
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter, Year, records

# ---- the quarterly briefing -------------------------------------------------------------


@dataclass(frozen=True)
class QuarterCounty:
    ctx: Quarter
    table: pd.DataFrame | None  # county_table(); None: not available (see ``problem``)
    problem: str | None = None
    warning: bool = False  # the problem is a fault to flag, not an absent input
    # (force's crimes, crimes placed in its partnerships, no location, outside the force
    # area, LSOA not in the lookup) in the quarter: why the two totals differ.
    reconcile: tuple[int, int, int, int, int] | None = None


def force_reconciliation(ctx: Quarter | Year) -> tuple[int, int, int, int, int]:
    """(the force's crimes, those placed in one of its partnerships, with no location,
    placed outside the force area, in an LSOA the lookup does not know) in the report's
    quarter or year, ASB left out. The last four add up to the first.

    The one count of crimes that cannot be placed: the county note, the assessment's
    "Why these totals differ" and both reports' data-quality notes all take it."""
    d = ctx.data
    rows = in_period(d.crimes[d.crimes["force"].isin(list(d.area.forces))], ctx.period)
    rows = rows[~asb_mask(rows)]
    placed = int(rows["csp_name"].isin(d.area.csp_names).sum())
    status = rows["geo_status"].astype("str")
    no_loc = int((status == "no_location").sum())
    outside = int((status == "outside_force_area").sum())
    return len(rows), placed, no_loc, outside, len(rows) - placed - no_loc - outside


def build_quarter(ctx: Quarter) -> QuarterCounty:
    area = ctx.data.area
    if not area.csp_names:
        return QuarterCounty(ctx, None, "No ONS lookup in the store: the county comparison "
                             "needs one.")  # fmt: skip
    if len(area.csp_names) == 1:
        compare = (
            f"The comparison with {ctx.data.peer_group_name or 'its most similar group'} "
            "above stands in for it." if ctx.data.peers is not None else
            "No most similar group was given to compare with instead: name one with "
            "--peer-group when building the report."
        )  # fmt: skip
        force = area.name if area.kind == "force" else (area.county or area.name)
        r = QuarterCounty(ctx, None, reconcile=force_reconciliation(ctx))
        return QuarterCounty(ctx, None, f"{force} has a single partnership, "
                             f"{area.csp_names[0]}, so there is no county comparison. "
                             f"{compare} {_reconcile_note(r)}", reconcile=r.reconcile)  # fmt: skip
    try:
        members = members_counts(ctx.data, list(area.csp_names), ctx.period)
    except ParameterError as err:
        return QuarterCounty(ctx, None, f"County comparison not available: {err.message}.", True)
    t = county_table(members)
    if set(ctx.flags["month"]) & set(ctx.previous.months):
        t["count_previous"] = None  # last year's months were not loaded: a gap, not 0
        t["change_pct"] = None
    return QuarterCounty(ctx, t, reconcile=force_reconciliation(ctx))


def _reconcile_note(r: QuarterCounty) -> str:
    ctx = r.ctx
    force, placed, no_loc, outside, unknown = r.reconcile  # type: ignore[misc]
    area = ctx.data.area
    name = area.name if area.kind == "force" else (area.county or "the force")
    if force == placed:
        return f"Every crime {name} recorded in the quarter is placed in one of its partnerships."
    why = [f"{ctx.shown(no_loc, 'unplaced', 'force')} have no location"] if no_loc else []
    if outside:
        why.append(f"{ctx.shown(outside, 'unplaced', 'force')} were placed in areas outside "
                   "the force area")  # fmt: skip
    if unknown:
        why.append(f"{ctx.shown(unknown, 'unplaced', 'force')} are in neighbourhoods the "
                   "lookup does not know")  # fmt: skip
    return (f"{name} recorded {force:,} crimes in the quarter; its partnerships' rows add up "
            f"to {placed:,}, {force - placed:,} fewer: " + "; ".join(why) + "."
            + (f" The summary's rate counts the {placed:,} crimes placed in "
               f"{'its partnership' if len(area.csp_names) == 1 else 'its partnerships'}."
               if area.kind == "force" else ""))  # fmt: skip


def render_quarter(r: QuarterCounty) -> h.Html:
    ctx = r.ctx
    if r.table is None:
        return h.callout(r.problem, "warning") if r.warning else h.paragraph(r.problem)
    t = r.table
    total_label = "All partnerships"

    def count(n: object) -> str:
        return ctx.shown(n, "total", "csp")

    frame = pd.DataFrame({
        "Partnership": t["area"].replace({"Total": total_label}), "Crimes": t["count"].map(count),
        "Same quarter last year": t["count_previous"].map(count),
        "Change %": t["change_pct"].map(lambda x: format_pct(None if pd.isna(x) else x)),
        "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": t["rank"].map(h.fmt_int),
    })  # fmt: skip
    own = "" if ctx.data.area.kind == "csp" else (
        " The 'All partnerships' row counts only the crimes placed in a partnership."
    )  # fmt: skip
    return h.table(
        frame, f"Every partnership in {ctx.data.area.county}: crimes and rate, {ctx.period.label}",
        numeric=["Crimes", "Same quarter last year", "Change %", "Rate per 1,000", "Rank"],
        row_header="Partnership",
        note="Rank 1 = highest rate. " + _reconcile_note(r) + own,
    )  # fmt: skip


# ---- the strategic assessment -----------------------------------------------------------


@dataclass(frozen=True)
class YearCounty:
    ctx: Year
    members: pd.DataFrame | None  # per CSP: the year's count, population, like-for-like
    crimes: pd.DataFrame | None  # the county's crimes (ASB left out), for the priorities
    table: pd.DataFrame | None
    figures: list | None  # the ``county`` of figures.json


def _members(ctx: Year) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Per county CSP: the year's crimes and population, and like-for-like counts."""
    d = ctx.data
    if not d.area.csp_names:
        return None, None
    county = d.crimes[
        d.crimes["csp_name"].isin(d.area.csp_names) & d.crimes["force"].isin(d.area.forces)
    ]
    county = county[~asb_mask(county)]
    year = int(ctx.period.start[:4])
    rows = []
    for csp in d.area.csp_names:
        pop = csp_population(d, csp, year)
        if pop is None:
            return None, None
        own = county[county["csp_name"] == csp]
        rows.append({
            "area": csp, "count": int(own["month"].isin(ctx.period.months).sum()),
            "population": pop[0],
            "lfl_current": int(own["month"].isin(ctx.lfl.current).sum()),
            "lfl_previous": int(own["month"].isin(ctx.lfl.previous).sum()),
        })  # fmt: skip
    return pd.DataFrame(rows), county


def build_year(ctx: Year) -> YearCounty:
    members, crimes = _members(ctx)
    if members is None:
        return YearCounty(ctx, None, None, None, None)
    rates = county_table(members[["area", "count", "population"]])
    change = county_table(
        members[["area", "lfl_current", "population", "lfl_previous"]].rename(
            columns={"lfl_current": "count", "lfl_previous": "count_previous"}
        )
    )
    rates = rates.merge(
        change[["area", "count", "count_previous", "change_pct"]].rename(
            columns={"count": "lfl_current", "count_previous": "lfl_previous"}
        ),
        on="area",
    )
    return YearCounty(ctx, members, crimes, rates, records(rates))


def year_lfl_note(ctx: Year) -> str:
    """Which months the year-on-year comparison leaves out of both years, in the
    report's date style (months named in full)."""
    from csplib.report.sections.reconcile import coverage_phrase

    cover = coverage_phrase(ctx)
    if not cover:
        return "Every month of both years is complete: the whole years are compared."
    return f"Changes compare {cover}, never a short month with a full one."


def _one_partnership(r: YearCounty) -> h.Html:
    """A force of one partnership: no county to compare with, so no one-row table and no
    one-bar chart; the partnership's own count and rate in a sentence instead."""
    ctx, th = r.ctx, r.ctx.threshold
    area, label = ctx.data.area, ctx.period.label
    me = r.table[r.table["area"] != "Total"].iloc[0]
    small = any(0 < int(me[k]) < th for k in ("lfl_current", "lfl_previous"))
    change = ("" if small or pd.isna(me["change_pct"])
              else f" ({h.fmt_pct(me['change_pct'])} on {ctx.previous.label})")  # fmt: skip
    return h.paragraph(
        f"{area.partnership} is the only partnership in its force area, so there is no "
        "county comparison: no county table or chart is drawn. In "
        f"{label}, {cells.count(me['count'], th)} of its crimes were placed in the partnership "
        f"by their neighbourhood{change}: {h.fmt_float(me['rate'], 1)} per 1,000 residents "
        f"({h.fmt_int(me['population'])} residents). " + year_lfl_note(ctx)
    )  # fmt: skip


def render_year(r: YearCounty) -> h.Html:
    """The county table and chart; for a force of one partnership, a sentence saying
    there is no county to compare with (:func:`_one_partnership`)."""
    ctx = r.ctx
    if not r.figures:
        return h.callout(
            "County comparison not available: the store needs the ONS lookup and a "
            "population estimate for every partnership in the county.", "warning",
        )  # fmt: skip
    if ctx.data.area.one_partnership:
        return _one_partnership(r)
    t, area, label, th = r.table, ctx.data.area, ctx.period.label, ctx.threshold
    frame = pd.DataFrame({
        "Partnership": t["area"], "Crimes": t["count"].map(lambda n: cells.count(n, th)),
        "Population": t["population"].map(h.fmt_int),
        "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": t["rank"].map(lambda x: "" if pd.isna(x) else h.fmt_int(x)),
        "Change % (like-for-like)": cells.hide(
            t["change_pct"].map(h.fmt_pct), t["lfl_current"], t["lfl_previous"], threshold=th
        ),
    })  # fmt: skip
    fig, alt = charts.rate_bars(t, area.name, f"Crimes per 1,000 residents, {label}")
    parts = [h.figure(
        fig, alt, f"Crimes per 1,000 residents, every partnership in {area.county}, {label}."
    )]  # fmt: skip
    numeric = ["Crimes", "Population", "Rate per 1,000", "Rank", "Change % (like-for-like)"]
    parts.append(h.table(
        frame, f"Every partnership in {area.county}: crimes and rate per 1,000, {label}",
        numeric=numeric, row_header="Partnership",
        note="Rank 1 = highest rate. Populations are ONS mid-year estimates for the year the financial year starts "
        "in. Crimes with no map location cannot be placed in a partnership and are not in "
        "these rows (see 'Why these totals differ' in the summary). " + year_lfl_note(ctx),
    ))  # fmt: skip
    return h.join(parts)
