"""Stop and search (the assessment): searches by outcome, object and age, the find rate,
and search rates by ethnicity against the residents, with the ratio to the White rate
and its likely range. Placed in the partnership by coordinates when LSOA boundaries are
loaded; otherwise force-level, and the section says so."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators import stop_search as ss
from csplib.report import html as h
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year

METHOD = (
    "Stop and search: police.uk stop-and-search records. Outcomes are grouped as arrest, "
    "other action (community resolution, cannabis or khat warning, penalty notice, summons, "
    "caution) and no further action. The find rate is the share of searches whose outcome "
    "was linked to the object of the search, of those where this is recorded. Self-defined "
    "ethnicity is grouped into the census's five groups. Search rates are per 1,000 "
    "residents of each group (census population by ethnic group); the ratio to the White "
    "group's rate has a 95% confidence interval for the ratio of two Poisson rates on the "
    "log scale, exp(log ratio +/- 1.96 x sqrt(1/a + 1/b)), populations taken as fixed. "
    "Searches are placed in the partnership by their coordinates when LSOA boundaries are "
    "loaded; otherwise the figures are the whole force's. " + " ".join(ss.CAVEATS)
)


@dataclass(frozen=True)
class StopSearch:
    area: str
    period: str
    threshold: int
    result: ss.StopSearchResult | None  # None: see ``problem``
    unplaced: int | None  # searches with no coordinates (partnership scope only)
    outside: int | None  # searches placed outside the partnership
    figures: dict | None  # the ``stop_and_search`` of figures.json (published counts)
    methods_text: str
    problem: str | None = None


def _force_lads(ctx: Year) -> list[str]:
    lad = ctx.data.lad
    if ctx.data.area.pfa_code and "pfa_code" in lad:
        return lad.loc[lad["pfa_code"] == ctx.data.area.pfa_code, "lad_code"].tolist()
    return list(ctx.data.area.lad_codes)


def _figures(res: ss.StopSearchResult, t: int, unplaced: int | None) -> dict:
    outcome = ds.with_total(res.by_outcome, t)
    objects = ds.with_total(dict(zip(res.by_object["object_of_search"],
                                     res.by_object["searches"], strict=True)), t)  # fmt: skip
    ages = ds.with_total(dict(zip(res.by_age["age_range"], res.by_age["searches"], strict=True)), t)
    eth = ds.with_total(dict(zip(res.by_ethnicity["ethnic_group"],
                                 res.by_ethnicity["searches"], strict=True)), t)  # fmt: skip
    by_eth = {}
    for r in res.by_ethnicity.itertuples():
        shown = eth[r.ethnic_group]
        hid = ds.hidden(shown)
        by_eth[r.ethnic_group] = {
            "searches": shown,
            "population": None if pd.isna(r.population) else int(r.population),
            "rate_per_1000": None if hid else ds.num(r.rate_per_1000),
            "ratio_to_white": None if hid else ds.num(r.ratio),
            "ci_lower": None if hid else ds.num(r.ci_lower),
            "ci_upper": None if hid else ds.num(r.ci_upper),
        }  # fmt: skip
    return {
        "period": res.period, "scope": res.scope, "scope_note": res.scope_note,
        "total": ds.lone(res.total, t), "unplaced": ds.lone(unplaced, t),
        "find_rate": ds.num(res.find_rate), "find_known": ds.lone(res.find_known, t),
        "by_outcome": outcome,
        "by_object": {
            r.object_of_search: {"searches": objects[r.object_of_search],
                                 "find_rate": None if ds.hidden(objects[r.object_of_search])
                                 else ds.num(r.find_rate)}
            for r in res.by_object.itertuples()
        },
        "by_age": ages, "by_ethnicity": by_eth,
    }  # fmt: skip


def build_year(ctx: Year) -> StopSearch:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    if inputs is None or inputs.searches is None or inputs.searches.empty:
        return StopSearch(d.area.name, ctx.period.label, t, None, None, None, None, METHOD,
                          "The store holds no stop-and-search records for this force and "
                          "year: ingest police.uk stop-and-search files to report them.")  # fmt: skip
    searches = inputs.searches
    unplaced = outside = None
    if inputs.boundaries and inputs.area_lsoas and d.area.kind == "csp":
        inside = ss.place_searches(searches, inputs.boundaries, set(inputs.area_lsoas))
        lon = pd.to_numeric(searches["longitude"], errors="coerce")
        lat = pd.to_numeric(searches["latitude"], errors="coerce")
        located = lon.notna() & lat.notna()
        unplaced = int((~located).sum())
        outside = int((located & ~inside).sum())
        rows, scope, lads = searches[inside], "partnership", list(d.area.lad_codes)
        note = (f"Searches in {d.area.name}, placed by their map position. "
                f"{ds.text(ds.lone(unplaced, t))} of the force's searches had no map position "
                "and could not be placed, so they are not in these figures.")  # fmt: skip
    else:
        rows, scope, lads = searches, "force", _force_lads(ctx)
        if d.area.kind == "force":
            note = f"These are figures for the whole of {d.area.name}."
        else:
            force = d.area.county or ", ".join(d.area.forces)
            note = (f"These are figures for the whole of {force}: no neighbourhood boundaries "
                    f"are loaded to place searches in {d.area.name}.")  # fmt: skip
    pop = None
    if inputs.population_ethnicity is not None and lads:
        pop = ss.population_for_area(inputs.population_ethnicity, lads) or None
    res = ss.stop_search_summary(rows, period_label=ctx.period.label, population_by_group=pop,
                                 scope=scope, scope_note=note)  # fmt: skip
    return StopSearch(d.area.name, ctx.period.label, t, res, unplaced, outside,
                      _figures(res, t, unplaced), METHOD)  # fmt: skip


def _ratio_sentence(f: dict) -> list[str]:
    out = []
    for g, e in f["by_ethnicity"].items():
        if g == "White" or e["ratio_to_white"] is None or e["ci_lower"] is None:
            continue
        lo, hi, ratio = e["ci_lower"], e["ci_upper"], e["ratio_to_white"]
        if lo > 1:
            reading = "higher than the White rate by more than chance would explain"
        elif hi < 1:
            reading = "lower than the White rate by more than chance would explain"
        else:
            reading = "not clearly different from the White rate"
        out.append(f"{g} residents: searched at {ratio:.1f} times the rate of White residents "
                   f"(likely range {lo:.1f} to {hi:.1f}), {reading}.")  # fmt: skip
    return out


def render_year(r: StopSearch) -> h.Html:
    if r.result is None:
        return h.paragraph(r.problem or "Stop and search is not available.")
    f, t = r.figures, r.threshold
    parts = [h.callout(f["scope_note"])]
    find = (f" Something linked to the reason for the search was found in {f['find_rate']:.1f}% "
            "of searches where this was recorded." if f["find_rate"] is not None else "")  # fmt: skip
    parts.append(h.paragraph(
        f"{ds.text(f['total'])} searches in {r.period}: {ds.text(f['by_outcome'][ss.ARREST])} "
        f"ended in arrest, {ds.text(f['by_outcome'][ss.OTHER_ACTION])} in other action and "
        f"{ds.text(f['by_outcome'][ss.NFA])} in no further action.{find}"
    ))  # fmt: skip
    objects = pd.DataFrame([
        {"Searched for": k, "Searches": ds.text(v["searches"]),
         "Find rate": ds.pct(v["find_rate"]) if v["find_rate"] is not None else ""}
        for k, v in f["by_object"].items()
    ])  # fmt: skip
    parts.append(h.table(objects, f"Searches by what was searched for, {r.period}",
                         numeric=["Searches", "Find rate"], row_header="Searched for",
                         note="Find rate: the share of searches where the outcome was linked "
                         "to what was searched for. [c] hides a count that would give a small "
                         f"one (<{t}) back."))  # fmt: skip
    outcome = pd.DataFrame([{"Outcome": k.capitalize(), "Searches": ds.text(v)}
                            for k, v in f["by_outcome"].items()])  # fmt: skip
    parts.append(h.table(outcome, f"Searches by outcome, {r.period}", numeric=["Searches"],
                         row_header="Outcome"))  # fmt: skip
    ages = pd.DataFrame([{"Age group": k, "Searches": ds.text(v)} for k, v in f["by_age"].items()])
    parts.append(h.table(ages, f"Searches by age group, {r.period}", numeric=["Searches"],
                         row_header="Age group"))  # fmt: skip
    rows = []
    for g, e in f["by_ethnicity"].items():
        rows.append({
            "Ethnic group (self-defined)": g, "Searches": ds.text(e["searches"]),
            "Residents": h.fmt_int(e["population"]) if e["population"] else "",
            "Searches per 1,000 residents": h.fmt_float(e["rate_per_1000"], 1),
            "Times the White rate": h.fmt_float(e["ratio_to_white"], 2),
            "Likely range (95%)": (f"{e['ci_lower']:.2f} to {e['ci_upper']:.2f}"
                                   if e["ci_lower"] is not None else ""),
        })  # fmt: skip
    parts.append(h.table(
        pd.DataFrame(rows), f"Search rates by ethnic group, {r.period}",
        numeric=["Searches", "Residents", "Searches per 1,000 residents", "Times the White rate"],
        row_header="Ethnic group (self-defined)",
        note="Residents: census population by ethnic group. Not stated and not recorded "
        "searches are counted but have no rate.",
    ))  # fmt: skip
    sentences = _ratio_sentence(f)
    if sentences:
        parts.append(h.bullet_list(sentences))
    elif not any(e["population"] for e in f["by_ethnicity"].values()):
        parts.append(h.paragraph("No population by ethnic group is loaded, so search rates "
                                 "by ethnic group cannot be given."))  # fmt: skip
    parts.append(h.paragraph("Read these rates with care:"))
    parts.append(h.bullet_list(list(r.result.caveats)))
    return h.join(parts)
