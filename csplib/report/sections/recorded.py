"""Home Office recorded crime by offence group and subgroup (the assessment): the
official counts, which separate violence against the person from sexual offences."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.priorities import recorded_crime_change
from csplib.indicators.suppression import suppress_series
from csplib.report import html as h
from csplib.report.sections.context import Year, clean, records


@dataclass(frozen=True)
class Recorded:
    ctx: Year
    subgroups: pd.DataFrame | None
    groups: pd.DataFrame | None
    figures: dict | None  # the ``recorded_crime`` of figures.json


def build(ctx: Year) -> Recorded:
    d = ctx.data
    if d.recorded is None:
        return Recorded(ctx, None, None, None)
    args = (d.recorded, d.area.name, ctx.period.label, ctx.previous.label)
    sub = recorded_crime_change(*args)
    if sub.empty:
        return Recorded(ctx, None, None, None)
    groups = recorded_crime_change(*args, by="group")
    total = recorded_crime_change(*args, by="total")
    figures = {"quarters": dict(sub.attrs["quarters"]), "groups": records(groups),
               "total": records(total)[0], "subgroups": records(sub)}  # fmt: skip
    return Recorded(ctx, sub, groups, clean(figures))  # type: ignore[arg-type]


def _groups_table(r: Recorded, cur, prev, span: str) -> h.Html:
    c, p = r.ctx.period.label, r.ctx.previous.label
    rows = []
    for g, x in r.groups.set_index("offence_group").iterrows():
        hidden = bool(cur.mask[g] or prev.mask[g])
        rows.append({
            "Offence group": g, c: h.fmt_display(cur.display[g]), p: h.fmt_display(prev.display[g]),
            "Change": "[c]" if hidden else h.fmt_signed(x["change"]),
            "Change %": "[c]" if hidden else h.fmt_pct(x["pct_change"]),
            "Is it real?": "[c]" if hidden else x["significance"],
        })  # fmt: skip
    tot = r.figures["total"]
    rows.append({"Offence group": "Total", c: h.fmt_display(cur.display.iloc[-1]),
                 p: h.fmt_display(prev.display.iloc[-1]), "Change": h.fmt_signed(tot["change"]),
                 "Change %": h.fmt_pct(tot["pct_change"]), "Is it real?": tot["significance"]})  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Home Office recorded crime by offence group, {span}",
        numeric=[c, p, "Change", "Change %"], row_header="Offence group",
        note="The official counts (police recorded crime by CSP), which separate violence "
        "against the person from sexual offences. They are complete in every month, "
        "unlike the police.uk extract.",
    )  # fmt: skip


def _subgroups_table(r: Recorded, cur, prev, span: str) -> h.Html:
    c, p, t = r.ctx.period.label, r.ctx.previous.label, r.ctx.threshold
    rows = []
    for g, part in r.subgroups.groupby("offence_group", sort=True):
        if cur.mask[g] or prev.mask[g]:
            continue  # the group's own total is hidden: its subgroups would reveal it
        sc = suppress_series(part.set_index("offence_subgroup")["current"], threshold=t)
        sp = suppress_series(part.set_index("offence_subgroup")["previous"], threshold=t)
        for x in part.itertuples():
            hidden = bool(sc.mask[x.offence_subgroup] or sp.mask[x.offence_subgroup])
            rows.append({
                "Subgroup": x.offence_subgroup, "Offence group": g,
                c: h.fmt_display(sc.display[x.offence_subgroup]),
                p: h.fmt_display(sp.display[x.offence_subgroup]),
                "Change %": "[c]" if hidden else h.fmt_pct(x.pct_change),
                "Is it real?": "[c]" if hidden else x.significance,
            })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Home Office recorded crime by offence subgroup, {span}",
        numeric=[c, p, "Change %"], row_header="Subgroup",
        note=f"Counts of 1-{t - 1} are shown as <{t}; [c] hides a "
        "figure that would reveal one (within each group, whose total is in the table "
        "above). 'Is it real?': Poisson test, exposures the days in each year.",
    )  # fmt: skip


def render(r: Recorded) -> h.Html:
    if not r.figures:
        return h.paragraph(
            "The store holds no Home Office recorded-crime table for this partnership: "
            "ingest the 'police recorded crime by CSP' open-data table to separate violence "
            "against the person from sexual offences."
        )
    ctx = r.ctx
    span = f"{ctx.data.area.name}, {ctx.period.label} against {ctx.previous.label}"
    parts = []
    short = {y: q for y, q in r.figures["quarters"].items() if len(q) < 4}
    if short:
        parts.append(h.callout(
            "Not whole years: " + "; ".join(f"{y} has quarters {', '.join(map(str, q)) or 'none'}"
                                            for y, q in short.items()) + ".", "warning"))  # fmt: skip
    groups = r.groups.set_index("offence_group")
    cur = suppress_series(groups["current"], threshold=ctx.threshold)
    prev = suppress_series(groups["previous"], threshold=ctx.threshold)
    parts.append(_groups_table(r, cur, prev, span))
    parts.append(_subgroups_table(r, cur, prev, span))
    return h.join(parts)
