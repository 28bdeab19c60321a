"""What drove the change: each offence group's change and its share of the total change
(the briefing), with a bar chart when both quarters are complete."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.suppression import suppress_series
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections.summary import QuarterFacts


@dataclass(frozen=True)
class Groups:
    facts: QuarterFacts
    groups: pd.DataFrame  # the key figures' by_group rows
    current: object  # suppress_series of the current counts (with the total)
    previous: object  # the same for last year ('gap' when its months were not loaded)


def build(facts: QuarterFacts) -> Groups:
    groups = pd.DataFrame(facts.figures["by_group"])
    t = facts.ctx.threshold
    if groups.empty:
        return Groups(facts, groups, None, None)
    cur = suppress_series(groups.set_index("group")["current"], threshold=t)
    if groups["previous"].isna().any():  # last year's months were not loaded
        gap = pd.Series("gap", index=[*groups["group"], "Total"])
        prev = type(cur)(gap, gap.map(lambda _: False), gap.map(lambda _: False))
    else:
        prev = suppress_series(groups.set_index("group")["previous"], threshold=t)
    return Groups(facts, groups, cur, prev)


def _rows(r: Groups) -> list[dict]:
    f, ctx = r.facts.figures, r.facts.ctx
    cur, prev = r.current, r.previous
    rows = []
    for g in r.groups.itertuples(index=False):
        hidden = bool(cur.mask[g.group] or prev.mask[g.group])
        share = g.pct_of_total_change
        rows.append({
            "Offence group": g.group, ctx.period.label: h.fmt_display(cur.display[g.group]),
            ctx.previous.label: h.fmt_display(prev.display[g.group]),
            "Change": "[c]" if hidden else h.fmt_signed(g.change),
            "Share of total change": "[c]" if hidden
            else h.fmt_float(share, 0) + "%" if share is not None else "n/a",
            "Is it real?": "[c]" if hidden else g.significance,
        })  # fmt: skip
    total = f["total_crime"]
    rows.append({"Offence group": "Total", ctx.period.label: h.fmt_display(cur.display.iloc[-1]),
                 ctx.previous.label: h.fmt_display(prev.display.iloc[-1]),
                 "Change": h.fmt_signed(total["change"]),
                 "Share of total change": "100%" if total["change"] else "n/a",
                 "Is it real?": total["significance"]})  # fmt: skip
    return rows


def render(r: Groups) -> h.Html:
    if r.groups.empty:
        return h.paragraph("No crimes recorded in either period.")
    f, ctx = r.facts.figures, r.facts.ctx
    tbl = h.table(
        pd.DataFrame(_rows(r)), f"Offence groups: contribution to the change in {f['area']}",
        numeric=[ctx.period.label, ctx.previous.label, "Change", "Share of total change"],
        row_header="Offence group",
        note=f"Counts of 1-{ctx.threshold - 1} are shown as <{ctx.threshold}; [c] hides a "
        "figure that would reveal one. Shares of the change sum to 100%. Violence against "
        "the person and sexual offences are one group in police.uk data.",
    )  # fmt: skip
    if not f["coverage"]["complete"]:
        return tbl + h.callout(
            "No chart of the change: a month of one of the periods is missing or "
            "incomplete, so the differences above are not real changes.", "warning",
        )  # fmt: skip
    hidden = r.groups["group"].map(lambda g: bool(r.current.mask[g] or r.previous.mask[g]))
    shown = r.groups[~hidden]
    if shown.empty:
        return tbl
    fig, alt = charts.contribution_bars(
        shown, "Change on the same period last year", threshold=ctx.threshold
    )
    return tbl + h.figure(
        fig, alt, "Change in crimes by offence group (groups with small counts left out)."
    )
