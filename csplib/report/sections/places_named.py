"""Places by name (the assessment): the neighbourhoods (LSOAs) with most crime in the
year, named by ward and district ("High Street ward, Maidstone (Maidstone 012C)"), a ward
table of crimes and rates, and, for a partnership of several districts, the split by
district."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import asb_mask
from csplib.indicators.wards import district_split, name_lsoas, ward_table
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year

#: Neighbourhoods listed in the hot-spot table.
TOP = 10
METHOD = (
    "Places by name: neighbourhoods (LSOAs) are named by their ward and district from the "
    "ONS LSOA-to-ward lookup, with the LSOA's published name in brackets; an LSOA the "
    "lookup does not hold keeps its published name. "
    "A ward's residents are the sum of its LSOAs' mid-year populations. Crimes with no "
    "location, or in an LSOA outside the lookup, cannot be placed in a ward and are "
    "counted apart. Ward and neighbourhood counts are small-area figures: counts of 1 to 4 "
    "are shown as <5 and a further count is hidden where a small one could be worked back "
    "from the total."
)


@dataclass(frozen=True)
class PlacesNamed:
    area: str
    period: str
    threshold: int
    total: int  # the area's crimes in the year (ASB left out)
    hot_spots: pd.DataFrame | None  # lsoa_code, label, count, shown
    wards: pd.DataFrame | None  # ward_table() with ``shown``
    districts: pd.DataFrame | None  # district_split(); None for one district
    unplaced: int | None
    figures: dict | None  # the ``places`` of figures.json
    methods_text: str
    problem: str | None = None


def build_year(ctx: Year) -> PlacesNamed:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    if inputs is None or inputs.crimes.empty:
        return PlacesNamed(d.area.name, ctx.period.label, t, 0, None, None, None, None, None,
                           METHOD, "No crimes were read for this section.")  # fmt: skip
    rows = d.area.select(inputs.crimes)
    rows = rows[rows["month"].isin(ctx.period.months) & ~asb_mask(rows)]
    total = len(rows)
    lookup = inputs.lsoa_ward if inputs.lsoa_ward is not None else pd.DataFrame(
        columns=["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name"])  # fmt: skip
    by_lsoa = (rows[rows["lsoa_code"].notna()].groupby(["lsoa_code", "lsoa_name"], dropna=False)
               .size().rename("count").reset_index()
               .sort_values(["count", "lsoa_code"], ascending=[False, True]).head(TOP))  # fmt: skip
    by_lsoa["label"] = name_lsoas(by_lsoa["lsoa_code"], lookup, by_lsoa["lsoa_name"]).to_numpy()
    shown, _ = cells.top_counts(by_lsoa["count"], total, t)
    by_lsoa["shown"] = shown
    wards = unplaced = None
    if inputs.lsoa_ward is not None:
        wards = ward_table(rows, lookup, inputs.lsoa_population)
        wards = wards[wards["lad_name"].isin(set(lookup.loc[
            lookup["lad_code"].isin(d.area.lad_codes), "lad_name"]))].reset_index(drop=True)  # fmt: skip
        unplaced = int(wards.attrs.get("unplaced", 0))
        shown_w, _ = cells.top_counts(wards["count"], total, t)
        wards["shown"] = shown_w
    districts = None
    if len(d.area.lad_codes) > 1 and "lad_code" in rows:
        year = int(ctx.period.start[:4])
        pop = d.population[d.population["area_code"].isin(d.area.lad_codes)]
        pop = pop[pop["year"] == (year if year in set(pop["year"]) else pop["year"].max())]
        pop = pop.rename(columns={"area_code": "lad_code", "area_name": "lad_name"})
        districts = district_split(rows, pop)
    figures = {
        "period": ctx.period.label, "total": ds.lone(total, t), "unplaced": ds.lone(unplaced, t),
        "hot_spots": [{"lsoa_code": r.lsoa_code, "name": r.label, "count": _value(r.shown)}
                      for r in by_lsoa.itertuples()],
        "wards": None if wards is None else [
            {"ward_code": r.ward_code, "ward_name": r.ward_name, "district": r.lad_name,
             "count": _value(r.shown), "population": None if pd.isna(r.population)
             else int(r.population),
             "rate_per_1000": None if not str(r.shown).replace(",", "").isdigit()
             else ds.num(r.rate_per_1000, 2)}
            for r in wards.itertuples()],
        "districts": None if districts is None else [
            {"lad_code": r.lad_code, "district": r.lad_name, "count": ds.lone(r.count, t),
             "population": int(r.population), "rate_per_1000": ds.num(r.rate_per_1000, 2)}
            for r in districts.itertuples()],
    }  # fmt: skip
    return PlacesNamed(d.area.name, ctx.period.label, t, total, by_lsoa, wards, districts,
                       unplaced, figures, METHOD)  # fmt: skip


def _value(shown: str) -> int | str:
    """A display string back to the int it shows ('1,234' -> 1234), or the marker."""
    plain = str(shown).replace(",", "")
    return int(plain) if plain.isdigit() else str(shown)


def render_year(r: PlacesNamed) -> h.Html:
    if r.figures is None:
        return h.paragraph(r.problem or "Places are not available.")
    f, t = r.figures, r.threshold
    parts = [h.paragraph(
        f"The {len(f['hot_spots'])} neighbourhoods with most crime in {r.area}, {r.period}, "
        "named by ward and district, then every ward's crimes and rate."
    )]  # fmt: skip
    hot = pd.DataFrame({"Neighbourhood": [x["name"] for x in f["hot_spots"]],
                        "Crimes": [ds.text(x["count"]) for x in f["hot_spots"]]})  # fmt: skip
    parts.append(h.table(hot, f"Neighbourhoods with most crime, {r.area}, {r.period}",
                         numeric=["Crimes"], row_header="Neighbourhood",
                         note=f"Counts of 1 to {t - 1} are shown as <{t}; [c] hides a count "
                         "that could give one back from the total."))  # fmt: skip
    if f["wards"] is None:
        parts.append(h.paragraph("No ward lookup is loaded, so neighbourhoods keep their "
                                 "published names and there is no ward table."))  # fmt: skip
    else:
        w = pd.DataFrame({
            "Ward": [x["ward_name"] for x in f["wards"]],
            "District": [x["district"] for x in f["wards"]],
            "Crimes": [ds.text(x["count"]) for x in f["wards"]],
            "Residents": [h.fmt_int(x["population"]) for x in f["wards"]],
            "Per 1,000 residents": [h.fmt_float(x["rate_per_1000"], 1) for x in f["wards"]],
        })  # fmt: skip
        note = (f"{ds.text(f['unplaced'])} crimes had no location or an LSOA outside the ward "
                "lookup and are not in a ward.") if f["unplaced"] else "Every crime was placed in a ward."  # fmt: skip
        parts.append(h.table(w, f"Crimes by ward, {r.area}, {r.period}",
                             numeric=["Crimes", "Residents", "Per 1,000 residents"],
                             row_header="Ward", note=note))  # fmt: skip
    if f["districts"] is None:
        parts.append(
            h.paragraph(f"{r.area} is a single district, so there is no split by district.")
        )
    else:
        dd = pd.DataFrame({
            "District": [x["district"] for x in f["districts"]],
            "Crimes": [ds.text(x["count"]) for x in f["districts"]],
            "Residents": [h.fmt_int(x["population"]) for x in f["districts"]],
            "Per 1,000 residents": [h.fmt_float(x["rate_per_1000"], 1) for x in f["districts"]],
        })  # fmt: skip
        parts.append(h.table(dd, f"{r.area} by district, {r.period}",
                             numeric=["Crimes", "Residents", "Per 1,000 residents"],
                             row_header="District"))  # fmt: skip
    return h.join(parts)
