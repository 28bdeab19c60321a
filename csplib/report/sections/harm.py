"""Harm (the assessment): offence groups ranked by volume and by harm side by side, the
Crime Severity Score from the Home Office offence-level table and the severity weights
the user supplies. Without weights (or without the Home Office table) harm is not
scored, and the section says so."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.harm import HarmResult, crime_severity, harm_weights_by_type
from csplib.report import html as h
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year

METHOD = (
    "Harm: the Crime Severity Score (ONS method): each offence's count from the Home Office "
    "recorded-crime table (by offence code) times its severity weight (roughly the average "
    "sentence, in days of custody, for that offence), summed and divided by residents, per "
    "1,000. Offence codes with crimes but no weight are listed and never scored as zero. "
    "The sample's weights are synthetic, not the ONS weights. Harm is one part of the "
    "priority score (each crime type's share of harm; see the priority score)."
)


@dataclass(frozen=True)
class Harm:
    area: str
    period: str
    threshold: int
    result: HarmResult | None  # None: harm not scored (see ``problem``)
    weights_by_type: dict[str, float] | None  # average weight per police.uk crime type
    synthetic_weights: bool
    figures: dict  # the ``harm`` of figures.json
    methods_text: str
    problem: str | None = None


def build_year(ctx: Year) -> Harm:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    label = ctx.period.label
    weights = None if inputs is None else inputs.severity_weights
    problem = None
    rec = None
    if weights is None or weights.empty:
        problem = "Harm was not scored: no crime severity weights are loaded."
    elif d.recorded is None:
        problem = ("Harm was not scored: it needs the Home Office recorded-crime table, "
                   "which the store does not hold.")  # fmt: skip
    else:
        rec = d.recorded[(d.recorded["csp_name"] == d.area.name)
                         & (d.recorded["financial_year"] == label)]  # fmt: skip
        if rec.empty:
            problem = f"Harm was not scored: the Home Office table has no rows for {label}."
    year = int(ctx.period.start[:4])
    pop = ctx.pop_by_year.get(year)
    if problem is None and not pop:
        problem = "Harm was not scored: no population estimate for the year."
    if problem is not None:
        return Harm(d.area.name, label, t, None, None, False,
                    {"scored": False, "reason": problem}, METHOD, problem)  # fmt: skip
    res = crime_severity(rec, weights, pop, area=d.area.name, period=label)
    synthetic = "synthetic" in res.weights_source.casefold()
    by_group = {}
    for r in res.by_group.itertuples():
        shown = ds.lone(r.count, t)
        hid = ds.hidden(shown)  # harm / weight would give a small count back
        by_group[r.offence_group] = {
            "count": shown, "harm": None if hid else ds.num(r.harm),
            "volume_share": None if hid else ds.num(r.volume_share, 1),
            "harm_share": None if hid else ds.num(r.harm_share, 1),
            "volume_rank": int(r.volume_rank), "harm_rank": int(r.harm_rank),
        }  # fmt: skip
    figures = {
        "scored": True, "area": res.area, "period": res.period, "population": res.population,
        "crime_severity_score": ds.num(res.css, 2), "weights_source": res.weights_source,
        "synthetic_weights": synthetic, "unweighted_codes": res.unweighted,
        "by_group": by_group,
    }  # fmt: skip
    return Harm(d.area.name, label, t, res, harm_weights_by_type(rec, weights), synthetic,
                figures, METHOD)  # fmt: skip


def render_year(r: Harm) -> h.Html:
    if r.result is None:
        return h.paragraph(r.problem or "Harm was not scored.")
    f = r.figures
    parts = []
    if r.synthetic_weights:
        parts.append(h.callout("The severity weights here are the sample's synthetic weights, "
                               "not the ONS weights: they show the method only.", "warning"))  # fmt: skip
    by = f["by_group"]
    top_v = min(by, key=lambda g: by[g]["volume_rank"])
    top_h = min(by, key=lambda g: by[g]["harm_rank"])
    lead = (f"{r.area}'s crime severity score for {r.period} is {f['crime_severity_score']:,.1f} "
            f"per 1,000 residents. ")  # fmt: skip
    lead += (f"{top_v} is the largest group both by number of crimes and by harm."
             if top_v == top_h else
             f"{top_v} is the largest group by number of crimes, but {top_h} causes the most "
             "harm.")  # fmt: skip
    parts.append(h.paragraph(lead))
    rows = []
    for g, x in sorted(by.items(), key=lambda kv: kv[1]["harm_rank"]):
        rows.append({
            "Offence group": g, "Crimes (Home Office)": ds.text(x["count"]),
            "Share of crimes": ds.pct(x["volume_share"]), "Rank by crimes": str(x["volume_rank"]),
            "Share of harm": ds.pct(x["harm_share"]), "Rank by harm": str(x["harm_rank"]),
        })  # fmt: skip
    parts.append(h.table(
        pd.DataFrame(rows), f"{r.area}: offence groups by number of crimes and by harm, {r.period}",
        numeric=["Crimes (Home Office)", "Share of crimes", "Rank by crimes", "Share of harm",
                 "Rank by harm"],
        row_header="Offence group",
        note="Crimes: the Home Office's recorded-crime counts (the severity weights are per "
        "Home Office offence code), which differ from the police.uk counts in other tables "
        "(see 'Why these totals differ'). Rank 1 = most. Harm weighs each crime by how serious it is, so a few serious "
        "crimes can outrank many minor ones.",
    ))  # fmt: skip
    if f["unweighted_codes"]:
        n = sum(f["unweighted_codes"].values())
        parts.append(h.paragraph(
            f"{ds.text(ds.lone(n, r.threshold))} crimes under {len(f['unweighted_codes'])} "
            "offence codes have no severity weight and are not in the harm figures."
        ))  # fmt: skip
    return h.join(parts)
