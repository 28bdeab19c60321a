"""What drove the change: the rises and the falls separately, each offence group's change
and its share of the rises or of the falls (the briefing), with a bar chart when both
quarters are complete."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.change import gross_movement
from csplib.indicators.suppression import SuppressedSeries, suppress_series
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections.summary import QuarterFacts


@dataclass(frozen=True)
class Groups:
    facts: QuarterFacts
    groups: pd.DataFrame  # the key figures' by_group rows
    current: object  # suppress_series of the current counts (with the total)
    previous: object  # the same for last year ('gap' when its months were not loaded)


def _suppress(facts: QuarterFacts, counts: pd.Series):
    """The counts as the disclosure policy publishes them: in full where ONS and the Home
    Office publish offence groups at the area's level, else small ones hidden (never a
    major group by secondary suppression)."""
    policy = facts.ctx.policy
    if not policy.applies(facts.ctx.data.area.kind, "offence_group"):
        full = pd.concat([counts, pd.Series({"Total": counts.sum()})]).astype(int)
        none = pd.Series(False, index=full.index)
        return SuppressedSeries(full.map(str), none, none)
    return suppress_series(counts, threshold=policy.threshold, protected=policy.major(counts))


def build(facts: QuarterFacts) -> Groups:
    groups = pd.DataFrame(facts.figures["by_group"])
    if groups.empty:
        return Groups(facts, groups, None, None)
    cur = _suppress(facts, groups.set_index("group")["current"])
    if groups["previous"].isna().any():  # last year's months were not loaded
        gap = pd.Series("gap", index=[*groups["group"], "Total"])
        prev = type(cur)(gap, gap.map(lambda _: False), gap.map(lambda _: False))
    else:
        prev = _suppress(facts, groups.set_index("group")["previous"].astype(int))
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
            SHARE: "[c]" if hidden
            else h.fmt_float(share, 0) + "%" if share is not None else "n/a",
            "Is it real?": "[c]" if hidden else g.significance,
        })  # fmt: skip
    total = f["total_crime"]
    rows.append({"Offence group": "Total", ctx.period.label: h.fmt_display(cur.display.iloc[-1]),
                 ctx.previous.label: h.fmt_display(prev.display.iloc[-1]),
                 "Change": h.fmt_signed(total["change"]),
                 SHARE: "",
                 "Is it real?": total["significance"]})  # fmt: skip
    return rows


SHARE = "Share of rises / falls"


def movement_sentence(r: Groups) -> str:
    """'Groups that rose added 423 crimes; groups that fell took away 19.' (the net
    change is the difference)."""
    if r.groups["change"].isna().any():
        return ""
    rises, falls = gross_movement(r.groups)
    return (f"Groups that rose added {rises:,} crimes; groups that fell took away {falls:,}. "
            f"The net change is {rises - falls:+,}.")  # fmt: skip


def render(r: Groups) -> h.Html:
    if r.groups.empty:
        return h.paragraph("No crimes recorded in either period.")
    f, ctx = r.facts.figures, r.facts.ctx
    t = ctx.policy.threshold
    tbl = h.table(
        pd.DataFrame(_rows(r)), f"Offence groups: contribution to the change in {f['area']}",
        numeric=[ctx.period.label, ctx.previous.label, "Change", SHARE],
        row_header="Offence group",
        note="A rising group's share is its part of all the rises (the rises' shares add to "
        "100%); a falling group's share is its part of all the falls (adding to -100%). "
        "'Is it real?' allows for testing many groups at once. Violence against the person "
        "and sexual offences are one group in police.uk data. "
        + ("" if not ctx.policy.applies(ctx.data.area.kind, "offence_group") else
           f"Counts of 1-{t - 1} are shown as <{t}; [c] hides a figure that would reveal one."),
    )  # fmt: skip
    lead = movement_sentence(r)
    if lead:
        tbl = h.paragraph(lead) + tbl
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
