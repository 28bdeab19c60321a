"""Against similar partnerships: each member's rate against the peer group's pooled
rate, with funnel limits widened where the members differ more than chance explains
(the briefing; the explorer's peer view reads the same table)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections.context import Quarter

#: What a report says when no most similar group was given (the methods note says where
#: groups are set: :data:`GROUP_SOURCE`).
NO_GROUP = (
    "No most similar group was given for this report, so {area} is not compared with "
    "similar partnerships. To add the comparison, name a group with --peer-group when "
    "building the report (the methods note says where groups are set)."
)
#: The methods note's line on where most similar groups come from, when none was given.
GROUP_SOURCE = (
    "Most similar group: none was given. A group is added to the peer groups file in the "
    "workbook's parameters folder (its members are partnership names from the ONS lookup, "
    "each with its crimes in the store) and named with --peer-group; the Home Office's own "
    "most similar group lists are restricted."
)

#: Verdicts of :func:`csplib.indicators.peers.peer_comparison` in plain English.
VERDICT_WORDS = {"significantly above": "above average", "significantly below": "below average",
                 "within": "about average"}  # fmt: skip


@dataclass(frozen=True)
class Peers:
    ctx: Quarter
    area: str
    group: str | None  # the group's display name
    period: str
    table: pd.DataFrame | None  # peer_comparison(); None: no peer group set
    spread: str | None  # the overdispersion sentence (how far the limits were widened)


def build(ctx: Quarter) -> Peers:
    d = ctx.data
    name = d.peer_group_name or ("its most similar group" if d.peer_group else None)
    return of_table(ctx, d.area.name, name, d.peers)


def of_table(ctx: Quarter, area: str, group: str | None, table: pd.DataFrame | None) -> Peers:
    """The section's result for a peer table already computed (the briefing's, or the
    explorer's for any period), with the sentence on how far its limits were widened."""
    spread = None
    if table is not None and not table.empty:
        od = table.attrs.get("overdispersion")
        if od is not None:
            spread = od.sentence(table["limit_factor"].to_numpy())
    return Peers(ctx, area, group, ctx.period.label, table, spread)


def render(r: Peers) -> h.Html:
    peers = r.table
    if peers is None or peers.empty:
        return h.paragraph(NO_GROUP.format(area=r.area))
    ctx = r.ctx
    fig, alt = charts.funnel_plot(peers, r.area)
    frame = pd.DataFrame({
        "Partnership": peers["area"],
        "Crimes": peers["count"].map(lambda n: ctx.shown(n, "total", "csp")),
        "Population": peers["population"].map(h.fmt_int),
        "Rate per 1,000": peers["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": peers["rank"].map(h.fmt_int),
        "Against the group": peers["verdict_95"].map(lambda v: VERDICT_WORDS.get(v, v)),
    }).sort_values("Rank", key=lambda s: s.astype(int))  # fmt: skip
    parts = [h.figure(fig, alt, f"Crime rates in {r.group}, {r.period}: each partnership "
                      "against the range expected around the group's rate.")]  # fmt: skip
    if r.spread:
        parts.append(h.paragraph(r.spread))
    parts.append(h.table(
        frame, f"{r.group}: crimes per 1,000 residents, {r.period}",
        numeric=["Crimes", "Population", "Rate per 1,000", "Rank"], row_header="Partnership",
        note="Rank 1 = highest rate. 'Above' or 'below average' only where the rate is "
        "outside the range expected around the group's rate. The Home Office 'most similar "
        "group' lists are restricted; this group is set in the report's parameters.",
    ))  # fmt: skip
    return h.join(parts)
