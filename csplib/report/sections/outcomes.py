"""Crime outcomes (the assessment): the share of crimes by outcome group (charged or
summonsed, caution or community resolution, no suspect identified, evidential
difficulties, still under investigation), by offence group, for the year, the year
before and the force, compared at the same age where outcomes files allow."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators import outcomes as oc
from csplib.report import html as h
from csplib.report.analyses_data import OUTCOME_AGE
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year

SCOPES = ("period", "previous", "force")
#: Outcome groups shown as columns of the by-offence table.
SHOWN = (oc.CHARGED, oc.CAUTION, oc.NO_SUSPECT, oc.EVIDENTIAL, oc.UNDER_INVESTIGATION)


@dataclass(frozen=True)
class Outcomes:
    area: str
    force: str
    threshold: int
    result: oc.OutcomesResult | None  # None: see ``problem``
    counts: dict  # scope -> offence group -> outcome group -> published count
    totals: dict  # scope -> offence group -> crimes
    figures: dict | None  # the ``outcomes`` of figures.json (published counts)
    methods_text: str
    problem: str | None = None
    # Why the force is not compared with (the report is the whole force, as for the City
    # of London, the only partnership in its force area); None: it is.
    no_force: str | None = None


def _published(table: pd.DataFrame, threshold: int) -> tuple[dict, dict]:
    counts: dict = {}
    totals: dict = {}
    for scope in SCOPES:
        part = table[table["scope"] == scope]
        counts[scope], totals[scope] = {}, {}
        for group, rows in part.groupby("offence_group", sort=True):
            raw = dict(zip(rows["outcome_group"], rows["count"], strict=True))
            counts[scope][group] = ds.with_total(raw, threshold)
            totals[scope][group] = ds.lone(sum(int(v) for v in raw.values()), threshold)
    return counts, totals


METHOD = (
    "Outcomes: police.uk's last outcome category of each crime, grouped as charged or "
    "summonsed (any court result counts, as a charge or summons came first), caution or "
    "community resolution, no suspect identified, evidential difficulties or victim does "
    "not support ('Unable to prosecute suspect'), still under investigation, other or no "
    "further action, and outcome not published. Anti-social behaviour has no outcome and "
    "is left out. Outcomes keep changing for months after a crime, so a recent year "
    "always shows more crimes under investigation than an older one."
)


def build_year(ctx: Year) -> Outcomes:
    d, inputs = ctx.data, ctx.data.analyses
    force = d.area.county or ", ".join(d.area.forces)
    if inputs is None or inputs.crimes.empty:
        return Outcomes(d.area.name, force, ctx.threshold, None, {}, {}, None, METHOD,
                        "No crimes with outcomes were read for this section.")  # fmt: skip
    crimes = inputs.crimes
    latest = str(crimes["month"].max())
    # Only the two periods' rows are counted: select them first (one pass over the years
    # read), then the area's.
    months = [*ctx.period.months, *ctx.period.same_period_last_year().months]
    crimes = crimes[crimes["month"].astype("str").isin(months)]
    res = oc.outcome_shares(
        d.area.select(crimes), crimes, ctx.period, outcomes=inputs.outcomes, age_months=OUTCOME_AGE,
        latest_month=latest,
    )  # fmt: skip
    counts, totals = _published(res.table, ctx.threshold)
    figures = {
        "period": res.period, "previous": res.previous, "method": res.method,
        "age_months": res.age_months, "cut_off": res.cut_off, "comparable": res.comparable,
        "groups": list(oc.OUTCOME_GROUPS), "counts": counts, "totals": totals,
        "unmapped": list(res.unmapped),
    }  # fmt: skip
    method = METHOD + " " + res.cut_off + (" " + " ".join(res.notes) if res.notes else "")
    no_force = None
    if d.area.kind == "force":
        no_force = (
            f"{d.area.partnership} is the only partnership in its force area, so there is no "
            "county comparison." if d.area.one_partnership else
            f"The report covers the whole of {d.area.name}, so there is no force to compare with."
        )  # fmt: skip
    return Outcomes(d.area.name, force, ctx.threshold, res, counts, totals, figures, method,
                    no_force=no_force)  # fmt: skip


def share(r: Outcomes, scope: str, group: str, outcome: str) -> float | None:
    """The published share (percent) of an offence group's crimes with an outcome; None
    when the count is hidden."""
    shown = r.counts.get(scope, {}).get(group, {}).get(outcome)
    if shown is None or ds.hidden(shown):
        return None
    t = r.result.table
    row = t[(t["scope"] == scope) & (t["offence_group"] == group) & (t["outcome_group"] == outcome)]
    return float(row["share"].iloc[0]) if len(row) and pd.notna(row["share"].iloc[0]) else None


def _cell(r: Outcomes, scope: str, group: str, outcome: str) -> str:
    shown = r.counts.get(scope, {}).get(group, {}).get(outcome)
    if shown is None:
        return ""
    if ds.hidden(shown):
        return shown  # '<5' or '[c]': its share would give it back
    return f"{ds.pct(share(r, scope, group, outcome))} ({ds.text(shown)})"


def render_year(r: Outcomes) -> h.Html:
    if r.result is None:
        return h.paragraph(r.problem or "Outcomes are not available.")
    res = r.result
    parts = []
    charged = share(r, "period", "All crimes", oc.CHARGED)
    before = share(r, "previous", "All crimes", oc.CHARGED)
    force = None if r.no_force else share(r, "force", "All crimes", oc.CHARGED)
    lead = f"In {res.period}, "
    lead += (
        f"{ds.pct(charged)} of {r.area}'s crimes had led to a charge or summons"
        if charged is not None
        else f"the share of {r.area}'s crimes that led to a charge or summons is not shown (small numbers)"
    )
    lead += f", against {ds.pct(before)} for {res.previous}" if before is not None else ""
    lead += f" and {ds.pct(force)} across {r.force}." if force is not None else "."
    parts.append(h.paragraph(lead + (f" {r.no_force}" if r.no_force else "")))
    if res.method == "outcomes files":
        age = (f"Both years are compared at the same age: each crime's outcome as it stood "
               f"{res.age_months} months after the month of the crime.")  # fmt: skip
        if not res.comparable:
            age += (" The latest outcomes loaded do not yet reach that age for the last "
                    "months of the year, so some of them still show as under investigation.")  # fmt: skip
    else:
        age = (f"Outcomes are as last published, so {res.previous} has had a year longer "
               f"for its crimes to reach an outcome: the years are not compared at the same "
               f"age and differences between them are not read as a change. Load police.uk "
               f"outcomes files to compare them at {res.age_months} months.")  # fmt: skip
    parts.append(h.callout(age))
    rows = []
    cols = [res.period, res.previous] + ([] if r.no_force else [f"{r.force}, {res.period}"])
    for outcome in oc.OUTCOME_GROUPS:
        row = {"Outcome": outcome.capitalize(),
               res.period: _cell(r, "period", "All crimes", outcome),
               res.previous: _cell(r, "previous", "All crimes", outcome)}  # fmt: skip
        if not r.no_force:
            row[f"{r.force}, {res.period}"] = _cell(r, "force", "All crimes", outcome)
        rows.append(row)
    parts.append(h.table(
        pd.DataFrame(rows), f"Outcomes of crimes in {r.area}: share of crimes (count)",
        numeric=cols, row_header="Outcome",
        note=f"Counts of 1 to {r.threshold - 1} are shown as <{r.threshold}; [c] hides a "
        "count that would give one back. " + res.cut_off,
    ))  # fmt: skip
    groups = [g for g in r.counts["period"] if g != "All crimes"]
    rows = []
    for g in groups:
        row = {"Offence group": g, "Crimes": ds.text(r.totals["period"][g])}
        for outcome in SHOWN:
            row[outcome.capitalize()] = _cell(r, "period", g, outcome)
        rows.append(row)
    if rows:
        parts.append(h.table(
            pd.DataFrame(rows), f"Outcomes by offence group, {r.area}, {res.period}: share (count)",
            numeric=["Crimes", *(o.capitalize() for o in SHOWN)], row_header="Offence group",
            note="Other outcomes (no further action, action by another organisation, not "
            "published) make up the rest of each row. No chart: the table gives each share.",
        ))  # fmt: skip
    return h.join(parts)
