"""Home Office recorded crime by offence group and subgroup (the assessment): the
official counts, which separate violence against the person from sexual offences.

Each level (groups, subgroups) is one family of tests under the workbook's one
multiple-testing policy (:func:`csplib.indicators.multitest.family_change_tests`), so
the tables and the summary give each change one verdict. Counts follow the disclosure
policy (:class:`csplib.indicators.suppression.DisclosurePolicy`): ONS and the Home
Office publish a partnership's counts by offence group and subgroup, so they are shown
as they are; where the policy does apply, small counts are protected without hiding a
major group (:func:`csplib.indicators.suppression.protect_series`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.multitest import family_change_tests
from csplib.indicators.priorities import months_days, recorded_crime_change
from csplib.indicators.suppression import DisclosurePolicy, protect_series
from csplib.report import html as h
from csplib.report.sections.context import Year, clean, records


@dataclass(frozen=True)
class Recorded:
    ctx: Year
    subgroups: pd.DataFrame | None
    groups: pd.DataFrame | None
    figures: dict | None  # the ``recorded_crime`` of figures.json
    family: pd.DataFrame | None = None  # groups and subgroups tested (column ``group``)
    policy: DisclosurePolicy | None = None


def _tested(frame: pd.DataFrame, ctx: Year) -> pd.DataFrame:
    days = months_days(ctx.period.months), months_days(ctx.previous.months)
    out = family_change_tests(frame, current_exposure=days[0], previous_exposure=days[1])
    return out


def build(ctx: Year, policy: DisclosurePolicy | None = None) -> Recorded:
    d = ctx.data
    policy = policy or DisclosurePolicy(threshold=ctx.threshold)
    if d.recorded is None:
        return Recorded(ctx, None, None, None, None, policy)
    args = (d.recorded, d.area.name, ctx.period.label, ctx.previous.label)
    sub = recorded_crime_change(*args)
    if sub.empty:
        return Recorded(ctx, None, None, None, None, policy)
    quarters = dict(sub.attrs["quarters"])
    groups = _tested(recorded_crime_change(*args, by="group").drop(
        columns=["z", "p_value", "significance"], errors="ignore"), ctx)  # fmt: skip
    sub = _tested(sub.drop(columns=["z", "p_value", "significance"], errors="ignore"), ctx)
    total = recorded_crime_change(*args, by="total")
    family = pd.concat([
        groups.assign(group=groups["offence_group"], level="group"),
        sub.assign(group=sub["offence_subgroup"], level="subgroup"),
    ], ignore_index=True)  # fmt: skip
    whole = all(len(q) == 4 for q in quarters.values())
    figures = {"quarters": quarters, "groups": records(groups),
               "total": records(total)[0], "subgroups": records(sub)}  # fmt: skip
    return Recorded(ctx, sub, groups, clean(figures), family if whole else None,  # type: ignore[arg-type]
                    policy)  # fmt: skip


def _shown(r: Recorded, series: pd.Series, measure: str) -> tuple[pd.Series, pd.Series]:
    """(display, hidden) of a list of counts under the report's policy."""
    kind = "csp" if r.ctx.data.area.kind == "csp" else "force"
    if not r.policy.applies(kind, measure):
        display = series.map(lambda n: h.fmt_int(n))
        return display, pd.Series(False, index=series.index)
    s = protect_series(series, policy=r.policy)
    return s.display.map(h.fmt_display), s.mask


def _groups_table(r: Recorded, span: str) -> h.Html:
    c, p = r.ctx.period.label, r.ctx.previous.label
    g = r.groups.set_index("offence_group")
    cur, cmask = _shown(r, g["current"], "offence_group")
    prev, pmask = _shown(r, g["previous"], "offence_group")
    rows = []
    for name, x in g.iterrows():
        hidden = bool(cmask.get(name, False) or pmask.get(name, False))
        rows.append({
            "Offence group": name, c: cur.get(name, "[c]"), p: prev.get(name, "[c]"),
            "Change": "[c]" if hidden else h.fmt_signed(x["change"]),
            "Change %": "[c]" if hidden else h.fmt_pct(x["pct_change"]),
            "Is it real?": "[c]" if hidden else x["significance"],
        })  # fmt: skip
    tot = r.figures["total"]
    rows.append({"Offence group": "Total", c: h.fmt_int(tot["current"]),
                 p: h.fmt_int(tot["previous"]), "Change": h.fmt_signed(tot["change"]),
                 "Change %": h.fmt_pct(tot["pct_change"]), "Is it real?": tot["significance"]})  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Home Office recorded crime by offence group, {span}",
        numeric=[c, p, "Change", "Change %"], row_header="Offence group",
        note="The official counts (police recorded crime by partnership), which separate "
        "violence against the person from sexual offences. They are complete in every "
        "month, unlike the police.uk extract. 'Is it real?' says whether the change is "
        "larger than chance would give (see the methods note).",
    )  # fmt: skip


def _subgroups_table(r: Recorded, span: str) -> h.Html:
    c, p = r.ctx.period.label, r.ctx.previous.label
    rows = []
    for g, part in r.subgroups.groupby("offence_group", sort=True):
        s = part.set_index("offence_subgroup")
        cur, cmask = _shown(r, s["current"], "offence_subgroup")
        prev, pmask = _shown(r, s["previous"], "offence_subgroup")
        for name in cur.index:
            if name == "Total":
                continue
            hidden = bool(cmask.get(name, False) or pmask.get(name, False))
            x = s.loc[name] if name in s.index else None
            rows.append({
                "Subgroup": name, "Offence group": g, c: cur[name], p: prev.get(name, "[c]"),
                "Change %": "[c]" if hidden or x is None else h.fmt_pct(x["pct_change"]),
                "Is it real?": "[c]" if hidden or x is None else x["significance"],
            })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Home Office recorded crime by offence subgroup, {span}",
        numeric=[c, p, "Change %"], row_header="Subgroup",
        note="Published counts: ONS and the Home Office publish these for every "
        "partnership, so none is hidden.",
    )  # fmt: skip


def render(r: Recorded) -> h.Html:
    if not r.figures:
        return h.paragraph(
            "The store holds no Home Office recorded-crime table for this partnership and "
            "year: ingest the 'police recorded crime by CSP' open-data table to separate "
            "violence against the person from sexual offences."
        )
    ctx = r.ctx
    span = f"{ctx.data.area.name}, {ctx.period.label} against {ctx.previous.label}"
    parts = []
    short = {y: q for y, q in r.figures["quarters"].items() if len(q) < 4}
    if short:
        parts.append(h.callout(
            "Not whole years: " + "; ".join(f"{y} has quarters {', '.join(map(str, q)) or 'none'}"
                                            for y, q in short.items()) + ".", "warning"))  # fmt: skip
    parts.append(_groups_table(r, span))
    parts.append(_subgroups_table(r, span))
    return h.join(parts)
