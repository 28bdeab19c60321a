"""Places: the neighbourhoods (LSOAs) and snap points with the most crime, and the map
(the briefing)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import in_period
from csplib.indicators.narrative import sentence_case
from csplib.indicators.places import repeat_locations, top_lsoas
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter


@dataclass(frozen=True)
class Places:
    ctx: Quarter
    top: pd.DataFrame  # top LSOAs by count
    top_shown: list[str]  # their counts as published
    top_hidden: list[bool]
    by_rate: pd.DataFrame | None  # top LSOAs by rate (None: no LSOA population)
    snaps: pd.DataFrame  # repeat snap points
    snaps_shown: list[str]


def _lsoa_population(ctx: Quarter) -> pd.DataFrame:
    """The LSOA populations of the year nearest the quarter's."""
    pop, year = ctx.data.lsoa_population, int(ctx.period.start[:4])
    if pop.empty:
        return pop
    years = sorted(pop["year"].unique(), key=lambda y: (abs(int(y) - year), y))
    return pop[pop["year"] == years[0]][["area_code", "population"]]


def _counted(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows the places are counted from, as :func:`top_lsoas` counts them: those not
    marked ASB (``is_asb``). In a report these are its crimes; the explorer's ASB measure
    marks its ASB rows as counted, so its places and map count ASB."""
    return rows[~rows["is_asb"].astype("boolean").fillna(False).astype(bool)]


def build(ctx: Quarter) -> Places:
    """The top neighbourhoods and snap points of the quarter, of the area's own LSOAs
    only (:meth:`csplib.areas.Area.inside`): a force's crimes snapped to a neighbourhood
    over its boundary are in its total but are not its places."""
    cur = in_period(ctx.data.area_crimes, ctx.period)
    t = ctx.threshold
    total = len(_counted(cur))  # the shares are of all the area's crime
    cur = cur[ctx.data.area.inside(cur)]
    top = top_lsoas(cur, n=10, total=total)
    shown, hidden = cells.top_counts(top["count"], top.attrs["n_total"], t)
    pop = _lsoa_population(ctx)
    by_rate = None
    if not pop.empty:
        by_rate = top_lsoas(cur, n=10, population=pop, by="rate_per_1000", total=total)
        # A rate gives its count back: leave out every LSOA hidden above.
        hidden_lsoas = set(top["lsoa_code"][hidden])
        by_rate = by_rate[(by_rate["count"] >= t) & ~by_rate["lsoa_code"].isin(hidden_lsoas)]
    snaps = repeat_locations(cur, n=10)
    snaps_shown = cells.top_counts(snaps["count"], snaps.attrs["n_total"], t)[0]
    return Places(ctx, top, shown, hidden, by_rate, snaps, snaps_shown)


def render(r: Places) -> h.Html:
    label, t, top = r.ctx.period.label, r.ctx.threshold, r.top
    frame = pd.DataFrame({
        "Rank": top["rank"].map(h.fmt_int), "LSOA": top["lsoa_name"].fillna(top["lsoa_code"]),
        "Crimes": r.top_shown,
        "Share of the area's crime": ["[c]" if hide else h.fmt_float(x, 1) + "%"
                                      for x, hide in zip(top["share_pct"], r.top_hidden, strict=True)],
    })  # fmt: skip
    parts = [h.table(frame, f"Neighbourhoods (LSOAs) with the most crime, {label}",
                     numeric=["Rank", "Crimes", "Share of the area's crime"])]  # fmt: skip
    if r.by_rate is not None:
        b = r.by_rate
        frame = pd.DataFrame({
            "Rank": b["rank"].map(h.fmt_int), "LSOA": b["lsoa_name"],
            "Crimes": b["count"].map(lambda n: cells.count(n, t, "gap")),
            "Residents": b["population"].map(h.fmt_int),
            "Crimes per 1,000 residents": b["rate_per_1000"].map(lambda x: h.fmt_float(x, 1)),
        })  # fmt: skip
        parts.append(h.table(frame, f"Neighbourhoods with the highest crime rate, {label}",
                             numeric=["Rank", "Crimes", "Residents", "Crimes per 1,000 residents"],
                             note="Rates use residents, so town centres with few residents "
                             "and many visitors rank high."))  # fmt: skip
    s = r.snaps
    frame = pd.DataFrame({
        "Rank": s["rank"].map(h.fmt_int), "Snap point": s["snap_point_location"],
        "LSOA": s["lsoa_name"], "Crimes": r.snaps_shown,
    })  # fmt: skip
    parts.append(h.table(frame, f"Repeat locations (map snap points), {label}",
                         numeric=["Rank", "Crimes"],
                         note="data.police.uk moves each crime to the nearest anonymous "
                         "snap point: a snap point stands for many addresses and is never "
                         "an address."))  # fmt: skip
    return h.join(parts)


# ---- the map --------------------------------------------------------------------------


@dataclass(frozen=True)
class Map:
    ctx: Quarter
    boundaries: list[dict] | None
    counts: pd.Series | None  # crimes per LSOA of the area (0 where none)
    key: str | None  # the boundaries' LSOA code property
    shown: dict[str, str]  # published counts of the top LSOAs


def build_map(ctx: Quarter, places: Places) -> Map:
    d = ctx.data
    if not d.boundaries:
        return Map(ctx, None, None, None, {})
    own = d.area_crimes[d.area.inside(d.area_crimes)]  # the area's own LSOAs only
    cur = in_period(own, ctx.period)
    counts = _counted(cur).groupby("lsoa_code").size()
    props = d.boundaries[0].get("properties") or {}
    key = next(
        (k for k in props if k.upper().startswith("LSOA") and k.upper().endswith("CD")), None
    )
    # Shade every LSOA of the area, including those with no crime this quarter.
    area_lsoas = set(own["lsoa_code"].dropna()) | set(counts.index)
    counts = counts.reindex(sorted(area_lsoas), fill_value=0)
    shown = dict(zip(places.top["lsoa_code"], places.top_shown, strict=True))
    return Map(ctx, d.boundaries, counts, key, shown)


def hot_spots(r: Map, units: str = "crimes") -> dict:
    """The map's outlined hot spots: the neighbourhoods with most crimes, as the places
    table lists them (``highlight`` and ``highlight_label`` of :func:`charts.choropleth`)."""
    codes = list(r.shown)
    n = len(codes)
    what = "neighbourhood" if n == 1 else f"{n} neighbourhoods"
    return {"highlight": codes,
            "highlight_label": f"the {what} with most {units}, as the table lists"}  # fmt: skip


def render_map(r: Map, units: str = "crimes") -> h.Html:
    """The map of :func:`build_map`, its hot spots outlined; ``units`` names what it counts
    ("ASB incidents" in the explorer's ASB measure)."""
    if not r.boundaries:
        return h.paragraph(
            "No LSOA boundaries in the store: ingest a GeoJSON of LSOA boundaries to add a map."
        )
    label, t = r.ctx.period.label, r.ctx.threshold
    fig, alt = charts.choropleth(
        r.boundaries, r.counts, r.key, f"{sentence_case(units)} by LSOA, {label}",
        label=lambda code, n: r.shown.get(code, cells.count(n, t, "gap")),
        **hot_spots(r, units),
    )  # fmt: skip
    area = r.ctx.data.area.name
    # The alt text names places, not codes.
    crimes = r.ctx.data.area_crimes[["lsoa_code", "lsoa_name"]].dropna().drop_duplicates()
    for code, name in zip(crimes["lsoa_code"], crimes["lsoa_name"], strict=True):
        if code in alt:
            alt = alt.replace(str(code), str(name))
    what = sentence_case(units)
    return h.figure(fig, alt, f"{what} by neighbourhood (LSOA), {area}, {label}.")
