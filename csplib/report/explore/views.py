"""The explorer's views, one function each over an :class:`~.explorer.Explorer` and a
checked :class:`~.options.Selection`: the overview (its figures from the indicator
functions), and the places, map, county and peers views built from the same section
results the briefings use. Each returns a :class:`~.options.ViewResult`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from csplib.errors import CspError
from csplib.indicators.change import compare_periods
from csplib.indicators.counts import asb_mask, in_period, monthly_counts
from csplib.indicators.narrative import headline_change, sentence_case
from csplib.indicators.peers import ABOVE, BELOW
from csplib.indicators.significance import add_significance, poisson_change_test
from csplib.periods import month_range
from csplib.report import charts
from csplib.report import html as h
from csplib.report.data import peer_table
from csplib.report.explore.options import (
    ASB_LABEL,
    PREVIOUS_PERIOD,
    Selection,
    ViewResult,
    agree,
    measure_name,
    month_label,
    months_of,
    select_measure,
)
from csplib.report.sections import cells, county, peers, places

if TYPE_CHECKING:
    from csplib.report.explore.explorer import Explorer


def figures(ex: Explorer, sel: Selection) -> dict:
    """The overview's figures, from the indicator functions."""
    a, area_rows = ex._area_rows(sel.area)
    p, other = sel.parsed(), sel.other()
    rows, count_measure, by = select_measure(area_rows, sel.measure)
    name = measure_name(sel.measure)
    unit = "incident" if count_measure == "asb" else "crime"
    span = ex.data_months(sel.area)
    out: dict[str, Any] = {
        "area": a.name, "period": p.label, "other_period": other.label,
        "measure": sel.measure, "name": name, "unit": unit, "by": by,
    }  # fmt: skip
    out["monthly"] = monthly_counts(
        rows, month_range(*span), measure=count_measure, coverage=ex.coverage,
        force=list(a.forces),
    )  # fmt: skip
    before = [m for m in other.months if m < span[0]]
    cur_flags = ex._flags(a, p)
    other_flags = ex._flags(a, other)
    other_flags = other_flags[~other_flags["month"].isin(before)]
    out["flags"] = pd.concat([cur_flags, other_flags], ignore_index=True)
    out["before"] = before
    cur, prev = in_period(rows, p), in_period(rows, other)
    mask_c, mask_p = asb_mask(cur), asb_mask(prev)
    n_cur = int(mask_c.sum() if count_measure == "asb" else (~mask_c).sum())
    n_prev = int(mask_p.sum() if count_measure == "asb" else (~mask_p).sum())
    out["current"] = n_cur
    out["previous"] = None if before or not other_flags.empty else n_prev
    out["comparable"] = not before and out["flags"].empty
    if out["comparable"]:
        test = poisson_change_test(n_cur, n_prev, p.days, other.days)
        out["headline"] = agree(
            headline_change(name, n_cur, n_prev, p, test, previous_period=other, unit=unit),
            name,
        )
    else:
        units = "ASB incidents" if unit == "incident" else "crimes"
        shown = cells.count(n_cur, ex.threshold) if cur_flags.empty else "not known"
        why = (
            f"the store begins in {month_label(span[0])}, so there is no {other.label} to "
            "compare with"
            if before
            else "a month of one of these periods is missing or incomplete"
        )
        out["headline"] = (
            f"{name} in {a.name}, {p.label}: {shown} {units}. No change is stated: {why}."
        )
    table = compare_periods(rows, p, by=by, measure=count_measure, previous_period=other)
    table = add_significance(table, current_exposure=p.days, previous_exposure=other.days)
    out["table"] = table.head(10) if by == "lsoa_name" else table
    return out


def _title(sel: Selection, what: str | None = None) -> h.Html:
    return h.heading(f"{what or measure_name(sel.measure)}: {sel.area}, {sel.parsed().label}", 2)


def view_overview(ex: Explorer, sel: Selection) -> ViewResult:
    """The headline, the trend over every month in the store (the period and its
    comparison marked) and the breakdown table."""
    f = ex.figures(sel)
    parts = [_title(sel), h.paragraph(f["headline"], "headline")]
    warnings = []
    if not f["flags"].empty:
        months = ", ".join(h.fmt_month(m) for m in sorted(set(f["flags"]["month"])))
        warnings.append(f"Data gap: {months} missing or incomplete. No change is stated.")
    if sel.comparison == PREVIOUS_PERIOD and sel.parsed().kind not in ("fyear", "rolling12"):
        parts.append(h.callout(
            "The previous period is a different season: prefer the same period last year "
            "for judging change.", "note",
        ))  # fmt: skip
    parts[2:2] = [h.callout(w, "warning") for w in warnings]
    chart = _trend_chart(sel, f)
    fig, alt = chart()
    other = "" if f["before"] else f", {f['other_period']} lightly hatched"
    parts.append(h.figure(fig, alt, f"Every month in the store; {f['period']} shaded{other}. "
                          "A missing month is a gap, never a zero."))  # fmt: skip
    table, title = _breakdown(ex, f)
    if table is not None:
        parts.append(h.table(
            table, title, numeric=[c for c in table.columns[1:] if c != "Is it real?"],
            row_header=table.columns[0],
            note=f"Counts of 1-{ex.threshold - 1} are shown as <{ex.threshold}; [c] "
            "hides a change that would reveal one.",
        ))  # fmt: skip
    return ViewResult(h.join(parts), table, title, chart, warnings)


def _breakdown(ex: Explorer, f: dict) -> tuple[pd.DataFrame, str]:
    """The overview's table as shown (suppressed) and its title."""
    table, by = f["table"], f["by"]

    def count(n: object) -> str:
        return cells.count(n, ex.threshold)

    label = {"offence_group": "Offence group", "crime_type": "Crime type",
             "lsoa_name": "Neighbourhood (LSOA)"}[by]  # fmt: skip
    frame = pd.DataFrame({label: table[by].fillna("no location").to_numpy()})
    if by == "lsoa_name":
        codes = ex.crimes.drop_duplicates("lsoa_name").set_index("lsoa_name")["lsoa_code"]
        frame["LSOA code"] = table[by].map(codes).fillna("").to_numpy()
    cur_gap = any(m in f["flags"]["month"].to_numpy() for m in months_of(f["period"]))
    frame[f["period"]] = "gap" if cur_gap else table["current"].map(count).to_numpy()
    if f["previous"] is None:
        frame[f["other_period"]] = "gap"
    else:
        frame[f["other_period"]] = table["previous"].map(count).to_numpy()
    if f["comparable"]:
        frame["Change %"] = table["pct_change"].map(h.fmt_pct).to_numpy()
        frame["Is it real?"] = table["significance"].to_numpy()
        small = (table["current"].between(1, ex.threshold - 1)
                 | table["previous"].between(1, ex.threshold - 1))  # fmt: skip
        frame.loc[small.to_numpy(), ["Change %", "Is it real?"]] = "[c]"
    top = " (top 10)" if by == "lsoa_name" else ""
    title = f"{f['name']} by {label.lower().replace('(lsoa)', '(LSOA)')}{top}, {f['period']}"
    title += f" against {f['other_period']}"
    return frame, title


def _trend_chart(sel: Selection, f: dict):
    """A function drawing the overview's trend chart: (figure, alt text)."""

    def draw():
        unit = "ASB incidents" if f["unit"] == "incident" else "crimes"
        monthly = f["monthly"][["month", "count"]]
        p, other = sel.parsed(), sel.other()
        fig, alt = charts.series_chart(
            monthly, f"{f['name']}, {f['area']}", highlight=p.months, measure=unit
        )
        months = list(monthly["month"].astype(str))
        idx = [i for i, m in enumerate(months) if m in set(other.months)]
        if idx:
            ax = fig.axes[0]
            ax.axvspan(min(idx) - 0.5, max(idx) + 0.5, facecolor="none", hatch="///",
                       edgecolor="#b8b8b8", linewidth=0, zorder=0,
                       label=f"compared with: {other.label}")  # fmt: skip
            ax.legend(fontsize=8, frameon=False, loc="lower right")
            alt += f" {p.label} is shaded and {other.label} hatched."
        else:
            alt += f" {p.label} is shaded."
        return fig, alt

    return draw


def view_places(ex: Explorer, sel: Selection) -> ViewResult:
    """The neighbourhoods (LSOAs) with the most crime, with their rates per 1,000 residents."""
    ctx = ex._context(sel)
    r = places.build(ctx)
    top = r.top
    pop = _nearest_year(ex.lsoa_population, int(ctx.period.start[:4]))
    rates = top["lsoa_code"].map(pop) if pop is not None else None
    frame = pd.DataFrame({
        "Rank": top["rank"].map(h.fmt_int), "LSOA": top["lsoa_name"].fillna(""),
        "LSOA code": top["lsoa_code"].fillna(""), "Count": r.top_shown,
    })  # fmt: skip
    if rates is not None:
        rate = top["count"] / rates * 1000
        frame["Residents"] = rates.map(h.fmt_int)
        frame["Per 1,000 residents"] = [
            "[c]" if hide else h.fmt_float(x, 1) for x, hide in zip(rate, r.top_hidden, strict=True)
        ]
    title = f"Neighbourhoods (LSOAs) with the most {_units(sel)}, {sel.area}, {ctx.period.label}"
    parts = [_title(sel, "Places")]
    if ctx.flags["month"].isin(ctx.period.months).any():
        parts.append(h.callout("Data gap: a month of this period is missing or "
                               "incomplete, so these counts are short.", "warning"))  # fmt: skip
    parts.append(h.table(frame, title, numeric=["Rank", "Count", "Residents",
                                                "Per 1,000 residents"],
                         note="Rates use residents, so town centres with few residents and "
                         "many visitors rank high."))  # fmt: skip
    return ViewResult(h.join(parts), frame, title, None)


def view_map(ex: Explorer, sel: Selection) -> ViewResult:
    """The LSOA choropleth of the measure."""
    ctx = ex._context(sel)
    m = places.build_map(ctx, places.build(ctx))
    chart = None
    if m.boundaries:

        def chart():
            return charts.choropleth(
                m.boundaries, m.counts, m.key, f"{measure_name(sel.measure)} by LSOA, "
                f"{sel.area}, {ctx.period.label}",
                label=lambda code, n: m.shown.get(code, cells.count(n, ex.threshold, "gap")),
                **places.hot_spots(m, _units(sel)),
            )  # fmt: skip

    frame = None
    if m.counts is not None:
        frame = pd.DataFrame({"LSOA code": m.counts.index,
                              "Count": [cells.count(n, ex.threshold) for n in m.counts]})  # fmt: skip
    parts = [_title(sel, "Map"), places.render_map(m, _units(sel))]
    return ViewResult(h.join(parts), frame, f"{_units(sel)} by LSOA", chart)


def view_rate_map(ex: Explorer, sel: Selection) -> ViewResult:
    """The LSOA choropleth of the measure per 1,000 residents (LSOAs with a small count
    left unshaded, so no count can be worked back from a rate)."""
    ctx = ex._context(sel)
    m = places.build_map(ctx, places.build(ctx))
    parts = [_title(sel, "Rate map")]
    rates = _lsoa_rates(ex, m, int(ctx.period.start[:4]))
    if rates is None:
        parts.append(h.paragraph("A rate map needs LSOA boundaries and LSOA populations in "
                                 "the store: the Map view shows counts."))  # fmt: skip
        return ViewResult(h.join(parts))
    title = (f"{measure_name(sel.measure)} per 1,000 residents by LSOA, {sel.area}, "
             f"{ctx.period.label}")  # fmt: skip

    def chart():
        return charts.choropleth(m.boundaries, rates, m.key, title, per_1000=True,
                                 **places.hot_spots(m, _units(sel)))  # fmt: skip

    fig, alt = chart()
    parts.append(h.figure(fig, alt, f"{sentence_case(_units(sel))} per 1,000 residents. A "
                          f"neighbourhood with fewer than {ex.threshold} {_units(sel)} is not "
                          "shaded, so no small count can be worked out from its rate."))  # fmt: skip
    frame = pd.DataFrame({
        "LSOA code": m.counts.index,
        "Count": [cells.count(n, ex.threshold) for n in m.counts],
        "Per 1,000 residents": [h.fmt_float(rates[c], 1) if c in rates.index else "[c]"
                                for c in m.counts.index],
    })  # fmt: skip
    return ViewResult(h.join(parts), frame, f"{_units(sel)} per 1,000 residents by LSOA", chart)


def _lsoa_rates(ex: Explorer, m, year: int) -> pd.Series | None:
    """Per 1,000 residents of each LSOA on the map with at least the threshold's count
    (a rate would give a small count back), or None without LSOA populations."""
    if not m.boundaries or m.counts is None:
        return None
    pop = _nearest_year(ex.lsoa_population, year)
    if pop is None:
        return None
    counts = m.counts[(m.counts >= ex.threshold) & m.counts.index.isin(pop.index)]
    people = pop.reindex(counts.index).astype(float)
    ok = people > 0
    return (counts[ok] / people[ok] * 1000).astype(float)


def view_county(ex: Explorer, sel: Selection) -> ViewResult:
    """Every partnership of the county side by side, the selected one marked."""
    ctx = ex._context(sel)
    r = county.build_quarter(ctx)
    parts = [_title(sel, f"Across {ctx.data.area.county or 'the county'}")]
    if r.table is None:
        parts.append(h.callout(r.problem, "warning") if r.warning else h.paragraph(r.problem))
        return ViewResult(h.join(parts))
    t = r.table
    last_year = ctx.period.same_period_last_year().label

    def count(n: object) -> str:
        return cells.count(n, ex.threshold, "gap")

    frame = pd.DataFrame({
        "Partnership": [f"{a} (selected)" if a == sel.area else a for a in t["area"]],
        ctx.period.label: t["count"].map(count),
        last_year: t["count_previous"].map(count),
        "Change %": t["change_pct"].map(h.fmt_pct),
        "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": t["rank"].map(h.fmt_int),
    })  # fmt: skip
    title = (f"{measure_name(sel.measure)}: every partnership in {ctx.data.area.county}, "
             f"{ctx.period.label} against {last_year}")  # fmt: skip

    def chart():
        return charts.rate_bars(t, sel.area, f"{measure_name(sel.measure)} per 1,000 "
                                f"residents, {ctx.period.label}")  # fmt: skip

    fig, alt = chart()
    parts.append(h.figure(fig, alt, f"{sel.area} is highlighted."))
    parts.append(h.table(frame, title, numeric=list(frame.columns[1:]),
                         row_header="Partnership",
                         note="Rank 1 = highest rate. The county compares with the same "
                         "period last year whatever the comparison chosen. Crimes with no "
                         "location cannot be placed in a partnership."))  # fmt: skip
    return ViewResult(h.join(parts), frame, title, chart)


def view_peers(ex: Explorer, sel: Selection) -> ViewResult:
    """The area's rate against its peer group: the sentence, the funnel plot and the table."""
    a = ex._area(sel.area)
    parts = [_title(sel, "Peers")]
    if sel.measure == ASB_LABEL:
        parts.append(h.paragraph("The peer comparison counts crimes: pick a crime measure."))
        return ViewResult(h.join(parts))
    if a.kind == "force":
        parts.append(h.paragraph(f"{a.name} is a force area: peer groups compare "
                                 "partnerships. Pick a partnership."))  # fmt: skip
        return ViewResult(h.join(parts))
    _gid, name, members = ex.peer_group(a)
    ctx = ex._context(sel)
    try:
        table = peer_table(ctx.data, members, ctx.period)
    except CspError as err:
        parts.append(h.callout(f"Peer comparison not available: {err.message}.", "warning"))
        return ViewResult(h.join(parts))
    r = peers.of_table(ctx, a.name, name, table)
    me = table[table["area"] == a.name].iloc[0]
    position = {
        ABOVE: "higher than",
        BELOW: "lower than",
    }.get(str(me["verdict_95"]), "not clearly different from")
    if ctx.flags["month"].isin(ctx.period.months).any():
        # A short period would read as a low rate: no position is stated on it.
        parts.append(h.callout(
            f"Data gap: a month of {ctx.period.label} is missing or incomplete, so no "
            "position against the group is stated.", "warning",
        ))  # fmt: skip
    else:
        parts.append(h.paragraph(
            f"{a.name} had {h.fmt_float(me['rate'], 1)} {_units(sel)} per 1,000 residents "
            f"in {ctx.period.label}, {position} {name} as a whole "
            f"({h.fmt_float(me['group_rate'], 1)} per 1,000); ranked {int(me['rank'])} of "
            f"{len(table)}, where 1 is the highest.", "headline",
        ))  # fmt: skip
    parts.append(peers.render(r))
    frame = pd.DataFrame({
        "Partnership": table["area"], "Count": table["count"].map(lambda n: cells.count(n, ex.threshold)),
        "Rate per 1,000": table["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": table["rank"].map(h.fmt_int),
    })  # fmt: skip
    return ViewResult(h.join(parts), frame, f"Peers: {name}",
                      lambda: charts.funnel_plot(table, a.name))  # fmt: skip


def _nearest_year(pop: pd.DataFrame, year: int) -> pd.Series | None:
    if pop is None or pop.empty:
        return None
    years = sorted(pop["year"].unique(), key=lambda y: (abs(int(y) - year), y))
    chosen = pop[pop["year"] == years[0]]
    return chosen.drop_duplicates("area_code").set_index("area_code")["population"]


def _units(sel: Selection) -> str:
    return "ASB incidents" if sel.measure == ASB_LABEL else "crimes"
