"""Peers by offence (the assessment): each offence group's rate against the county's
partnerships and, when a peer group is set, the most similar group, with limits widened
where the partnerships differ more than chance explains; a table of the groups where the
partnership is significantly above or below."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import asb_mask
from csplib.indicators.offence_peers import offence_peer_table
from csplib.indicators.peers import ABOVE, BELOW
from csplib.report import charts
from csplib.report import html as h
from csplib.report.assessment_data import csp_population
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year
from csplib.report.sections.peers import GROUP_SOURCE, NO_GROUP

METHOD = (
    "Peers by offence: for each offence group, the partnership's crimes per 1,000 "
    "residents against the pooled rate of the group compared with (every partnership in "
    "the county, and the most similar group when one is set). Limits are 95% funnel "
    "limits around the pooled rate (Byar's method, exact Poisson below 10); where the "
    "partnerships differ more than chance alone explains (overdispersion, tested on "
    "Winsorised z-scores), the limits are widened (additive random-effects) and only "
    "partnerships outside the widened limits are flagged. Populations are ONS mid-year "
    "estimates for the year the financial year starts in."
)


@dataclass(frozen=True)
class Comparison:
    name: str  # plain-English name of the group compared with
    members: tuple[str, ...]
    table: pd.DataFrame  # offence_peer_table()
    significant: pd.DataFrame  # rows significantly above or below
    widened: int  # offence groups whose limits were widened


@dataclass(frozen=True)
class OffencePeers:
    area: str
    period: str
    threshold: int
    comparisons: tuple[Comparison, ...]
    figures: dict | None  # the ``offence_peers`` of figures.json
    methods_text: str
    notes: tuple[str, ...] = ()


def _compare(
    ctx: Year, me: str, members: list[str], name: str
) -> tuple[Comparison | None, str | None]:
    """``me`` (the partnership reported on) against ``members``, offence group by group."""
    d = ctx.data
    crimes = d.analyses.crimes
    rows = crimes[crimes["month"].isin(ctx.period.months) & crimes["csp_name"].isin(members)]
    rows = rows[~asb_mask(rows)]
    year = int(ctx.period.start[:4])
    pops = []
    for m in members:
        p = csp_population(d, m, year)
        if p is None:
            return None, f"No population for {m}, so the comparison with {name} is left out."
        pops.append({"area": m, "population": p[0]})
    counts = rows.groupby(["csp_name", "offence_group"]).size().reset_index(name="count")
    table = offence_peer_table(counts.rename(columns={"csp_name": "area"}), pd.DataFrame(pops),
                               me)  # fmt: skip
    sig = table[table["verdict_95"].isin([ABOVE, BELOW])].copy()
    sig["_below"] = sig["verdict_95"] == BELOW
    sig = sig.sort_values(["_below", "ratio"], ascending=[True, False]).drop(columns="_below")
    widened = int(table["overdispersed"].astype(bool).sum())
    return Comparison(name, tuple(members), table, sig.reset_index(drop=True), widened), None


def _figures(c: Comparison, t: int) -> dict:
    def row(r) -> dict:
        shown = ds.lone(r.count, t)
        hid = ds.hidden(shown)
        return {"offence_group": r.offence_group, "count": shown,
                "rate": None if hid else ds.num(r.rate), "group_rate": ds.num(r.group_rate),
                "ratio": None if hid else ds.num(r.ratio), "verdict": r.verdict_95,
                "limits_widened": bool(r.overdispersed), "limit_factor": ds.num(r.limit_factor)}  # fmt: skip

    return {"name": c.name, "members": list(c.members),
            "groups": [row(r) for r in c.table.itertuples()],
            "above": [r.offence_group for r in c.significant.itertuples() if r.verdict_95 == ABOVE],
            "below": [r.offence_group for r in c.significant.itertuples() if r.verdict_95 == BELOW]}  # fmt: skip


def build_year(ctx: Year) -> OffencePeers:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    out, notes = [], []
    # A force of one partnership (the City of London) is that partnership: it has no
    # county to compare with, but may have a most similar group.
    me = d.area.partnership
    if inputs is None or inputs.crimes.empty or me is None:
        note = "Peers by offence compares partnerships: there is none to compare here."
        return OffencePeers(d.area.name, ctx.period.label, t, (), {"period": ctx.period.label,
                            "comparisons": [], "notes": [note]}, METHOD, (note,))  # fmt: skip
    candidates = []
    if len(d.area.csp_names) > 1:
        candidates.append((list(d.area.csp_names), f"every partnership in {d.area.county}"))
    else:
        notes.append(f"{me} is the only partnership in its force area, so there is no "
                     "county comparison.")  # fmt: skip
    if inputs.peer_group:
        _, members = inputs.peer_group
        members = list(members) if me in members else [me, *members]
        candidates.append((members, f"its most similar group ({len(members)} partnerships)"))
    elif candidates:
        notes.append("No most similar group is set for this report, so offence groups are "
                     "compared with the county only.")  # fmt: skip
    else:
        notes.append(NO_GROUP.format(area=me))
    for members, name in candidates:
        c, problem = _compare(ctx, me, members, name)
        if c is not None:
            out.append(c)
        if problem:
            notes.append(problem)
    figures = {"period": ctx.period.label, "comparisons": [_figures(c, t) for c in out],
               "notes": notes}  # fmt: skip
    method = METHOD if inputs.peer_group else f"{METHOD} {GROUP_SOURCE}"
    return OffencePeers(d.area.name, ctx.period.label, t, tuple(out), figures, method,
                        tuple(notes))  # fmt: skip


def _dots(c: Comparison, r: OffencePeers) -> h.Html:
    """Every offence group against the group's rate with its limits (groups with a
    count small enough to hide left out, and said so)."""
    shown = c.table[c.table["count"] >= r.threshold]
    fig, alt = charts.offence_dots(shown, r.area, c.name)  # the heading above names it
    left = len(c.table) - len(shown)
    caption = ("Each dot is an offence group's rate as a multiple of the group's; a dot "
               "outside its bar is clearly above or below.") + (
        f" {left} group{'s' if left != 1 else ''} with fewer than {r.threshold} crimes "
        "left out." if left else "")  # fmt: skip
    return h.figure(fig, alt, caption)


def render_year(r: OffencePeers) -> h.Html:
    parts = [h.paragraph(
        f"Each offence group's crime rate in {r.area} against the partnerships it is compared "
        f"with, {r.period}. The tables list only the groups where {r.area} is clearly above "
        "or below: a difference chance could explain is not listed."
    )]  # fmt: skip
    for n in r.notes:
        parts.append(h.paragraph(n))
    for c in r.comparisons:
        parts.append(h.heading(f"Against {c.name}", 3))
        others = [m for m in c.members if m != r.area]
        parts.append(h.paragraph(f"{r.area} and {len(others)} other partnerships: "
                                 f"{', '.join(others)}."))  # fmt: skip
        if c.widened:
            parts.append(h.paragraph(
                f"In {c.widened} of {len(c.table)} offence groups the partnerships differ more "
                "than chance alone explains, so the limits there are widened and only a "
                "partnership outside the widened limits is flagged."
            ))  # fmt: skip
        parts.append(_dots(c, r))
        if c.significant.empty:
            parts.append(h.paragraph(f"No offence group in {r.area} is clearly above or below "
                                     f"{c.name}."))  # fmt: skip
            continue
        rows = []
        for x in c.significant.itertuples():
            shown = ds.lone(x.count, r.threshold)
            hid = ds.hidden(shown)
            rows.append({
                "Offence group": x.offence_group, "Crimes": ds.text(shown),
                "Per 1,000 residents": "" if hid else h.fmt_float(x.rate, 2),
                "Group rate per 1,000": h.fmt_float(x.group_rate, 2),
                "Times the group rate": "" if hid else h.fmt_float(x.ratio, 2),
                "Position": x.verdict_95,
                "Limits widened": "yes" if bool(x.overdispersed) else "no",
            })  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows), f"{r.area}: offence groups clearly above or below {c.name}, "
            f"{r.period}", numeric=["Crimes", "Per 1,000 residents", "Group rate per 1,000",
                                    "Times the group rate"], row_header="Offence group",
            note="Above first. 'Limits widened': the partnerships differ more than chance "
            "explains in that group, so the limits allow for it.",
        ))  # fmt: skip
    return h.join(parts)
