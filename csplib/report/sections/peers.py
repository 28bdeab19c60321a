"""Against similar partnerships: each member's rate against the peer group's pooled
rate, with funnel limits (the briefing; the explorer's peer view reads the same table)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter


@dataclass(frozen=True)
class Peers:
    area: str
    group: str | None
    period: str
    threshold: int
    table: pd.DataFrame | None  # peer_comparison(); None: no peer group set


def build(ctx: Quarter) -> Peers:
    d = ctx.data
    return Peers(d.area.name, d.peer_group, ctx.period.label, ctx.threshold, d.peers)


def render(r: Peers) -> h.Html:
    peers = r.table
    if peers is None or peers.empty:
        return h.paragraph("No peer group is set for this report (parameter 'peer_group').")
    fig, alt = charts.funnel_plot(peers, r.area)
    frame = pd.DataFrame({
        "Partnership": peers["area"],
        "Crimes": peers["count"].map(lambda n: cells.count(n, r.threshold, "gap")),
        "Population": peers["population"].map(h.fmt_int),
        "Rate per 1,000": peers["rate"].map(lambda x: h.fmt_float(x, 1)),
        "Rank": peers["rank"].map(h.fmt_int), "Against the group (95%)": peers["verdict_95"],
    }).sort_values("Rank", key=lambda s: s.astype(int))  # fmt: skip
    return h.figure(
        fig, alt, f"Funnel plot: crime rates in peer group '{r.group}', {r.period}."
    ) + h.table(
        frame, f"Peer group '{r.group}': crimes per 1,000 residents, {r.period}",
        numeric=["Crimes", "Population", "Rate per 1,000", "Rank"], row_header="Partnership",
        note="Limits by Byar's method (exact Poisson limits below 10), around the group's "
        "pooled rate. The Home Office 'most similar group' lists are restricted; this group "
        "is set in the parameters.",
    )  # fmt: skip
