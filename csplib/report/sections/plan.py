"""Progress on the plan's priorities (the assessment): which revision of the plan is in
force and what it changed, then each priority's indicators against that revision
(:func:`csplib.plan.progress_in_force`), with the county's value beside them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.plan_values import LatestValue, add_verdicts, county_value, latest_values
from csplib.indicators.road_safety import recorded_ksi
from csplib.plan import Plan, indicator_progress, progress_in_force
from csplib.report import html as h
from csplib.report.assessment_data import population_by_year
from csplib.report.sections import cells
from csplib.report.sections.context import Year, clean, month_long, records

#: How the change kinds of a plan revision read in a report.
CHANGE_LABELS = {
    "add_indicator": "indicator added", "retire_indicator": "indicator retired",
    "move_target": "target moved", "change_baseline": "baseline changed",
    "add_priority": "priority added", "retire_priority": "priority retired",
    "rename_priority": "priority renamed", "change_priority": "priority refocused",
}  # fmt: skip


@dataclass(frozen=True)
class PlanProgress:
    ctx: Year
    register: Plan | None  # the register in force (None: no plan given)
    progress: pd.DataFrame | None
    changes: pd.DataFrame | None  # at the revision in force
    changes_in_year: pd.DataFrame | None
    figures: dict | None  # the ``plan`` of figures.json


def _readings(
    register: Plan, latest: dict[str, LatestValue]
) -> tuple[dict[str, dict], dict[str, LatestValue]]:
    """Latest values as :func:`csplib.plan.progress_in_force` takes them, and the latest
    values with notes. Where a source's numerator and denominator disagree with its
    published value (beyond rounding), the value is judged alone and its note says so
    (as :func:`csplib.indicators.plan_values.plan_progress` does)."""
    readings, notes = {}, dict(latest)
    for ind in register.indicators:
        lv = latest[ind.id]
        if lv.value is None:
            continue
        reading = {"value": lv.value, "period": lv.period, "numerator": lv.numerator,
                   "denominator": lv.denominator}  # fmt: skip
        try:
            indicator_progress(ind, lv.value, str(lv.period), latest_numerator=lv.numerator,
                               latest_denominator=lv.denominator)  # fmt: skip
        except ParameterError:
            reading |= {"numerator": None, "denominator": None}
            notes[ind.id] = LatestValue(
                lv.indicator_id, lv.period, lv.value, None, None, lv.source,
                (lv.note + "; " if lv.note else "")
                + "numerator and denominator do not match the value: value used alone",
            )  # fmt: skip
        readings[ind.id] = reading
    return readings, notes


def _county_columns(ctx: Year, register: Plan, progress: pd.DataFrame, latest) -> pd.DataFrame:
    """The county's value at baseline and now, the latest counts and notes, per row."""
    d = ctx.data
    by_id = {i.id: i for i in register.indicators}
    county_lads = d.lad.loc[d.lad["csp_name"].isin(d.area.csp_names), "lad_code"]
    county_pop = population_by_year(d.population, county_lads)
    county_rows = d.crimes[d.crimes["csp_name"].isin(d.area.csp_names)]
    extra = []
    for r in progress.itertuples():
        ind = by_id.get(r.indicator_id)
        lv = latest.get(r.indicator_id) or LatestValue(r.indicator_id, None, None)
        cv = None
        if ind is not None and lv.period:
            cv = county_value(
                ind, lv.period, county_crimes=county_rows, county_population=county_pop,
                partner=d.partner, county_areas=list(d.area.csp_names), flagged_months=ctx.flagged,
            ).value  # fmt: skip
        extra.append({
            "county_value": ind.county.value if ind is not None and ind.county else None,
            "county_latest": cv,
            "latest_numerator": lv.numerator if ind is not None else None,
            "latest_denominator": lv.denominator if ind is not None else None,
            "note": lv.note if ind is not None else "",
        })  # fmt: skip
    return pd.concat([progress, pd.DataFrame(extra, index=progress.index)], axis=1)


def _road_ksi(ctx: Year) -> dict[int, int] | None:
    """Recorded KSI per year from the loaded STATS19 data (None when none is loaded),
    placed as the road safety section places it, so the two give one figure."""
    inputs = ctx.data.analyses
    if inputs is None or inputs.casualties is None or inputs.collisions is None:
        return None
    return recorded_ksi(inputs.casualties, inputs.collisions, list(ctx.data.area.lad_codes))


def build(ctx: Year) -> PlanProgress:
    d, plan = ctx.data, ctx.data.plan
    if plan is None:
        return PlanProgress(ctx, None, None, None, None, None)
    # Progress is judged against the register in force at the end of the year: a
    # revision before then may have moved a target, added an indicator (judged from
    # then on) or retired one (shown as retired). A plan that starts after the year
    # is judged against the register it starts with.
    month = max(ctx.period.end, plan.start_month)
    register = plan.in_force(month)
    latest = latest_values(
        register, crimes=ctx.area_crimes, partner=d.partner, area=d.area.name,
        not_after=ctx.period.end, population=ctx.pop_by_year, flagged_months=ctx.flagged,
        road_ksi=_road_ksi(ctx),
    )  # fmt: skip
    readings, latest = _readings(register, latest)
    progress = _county_columns(ctx, register, progress_in_force(plan, month, readings), latest)
    # One verdict per indicator: the RAG, its significance and the words all come from
    # the same test, so no table can show a status its RAG contradicts.
    progress = add_verdicts(progress)
    notes = {i.id: i.notes or "" for i in register.indicators}
    notes |= {i.id: i.notes or "" for i in plan.indicators if i.id not in notes}
    progress["caveat"] = progress["indicator_id"].map(notes).fillna("")
    # Say why there is no value (the store lacks it, or its period is flagged).
    nodata = (progress["rag"] == "no data") & (progress["note"].fillna("") != "")
    progress.loc[nodata, "rag_reason"] = progress.loc[nodata, "note"]
    progress.loc[nodata, "latest_period"] = [
        latest[i].period for i in progress.loc[nodata, "indicator_id"]
    ]
    info = register.revised_by
    assert info is not None
    changes = plan.latest_revision_changes(month)
    in_year = plan.changes_between(ctx.previous.end, month)
    figures = {
        "name": plan.name, "file": d.plan_file, "synthetic": plan.synthetic, "judged_at": month,
        "revision": {"title": info.title, "effective": info.effective, "why": info.why,
                     "original": info.original},
        "revisions": records(plan.revisions_table()),
        "latest_revision_changes": records(changes),
        "changes_in_year": records(in_year),
        "indicators": records(progress),
        "rag_counts": {k: int(v) for k, v in progress["rag"].value_counts().items()},
    }  # fmt: skip
    return PlanProgress(ctx, register, progress, changes, in_year, clean(figures))  # type: ignore[arg-type]


# ---- rendering ------------------------------------------------------------------------


def _version(rev: dict, judged: str) -> str:
    if rev["original"]:
        return (f"Progress is judged against the register as first published, which is in "
                f"force in {judged}: the plan has not been revised by then.")  # fmt: skip
    return (
        f"Progress is judged against the register in force in {judged}: the "
        f"{rev['title']}, in force from {month_long(rev['effective'])} "
        f"({str(rev['why']).rstrip('. ')}). "
        "Targets it moved are the ones used, indicators it added are judged from "
        "then on, and indicators retired by then are listed as retired, not judged."
    )


def render(r: PlanProgress) -> h.Html:
    """Which revision is in force and what it changed, then one sub-section per priority."""
    if r.register is None:
        return h.paragraph(
            "No plan register was given for this report, so progress against the plan's "
            "indicators is not shown. Name the plan's register file to add it."
        )
    prog, rev = r.progress, r.figures["revision"]
    parts = [h.paragraph(
        f"Progress on {r.register.name}: each indicator's latest value against its baseline "
        "and target. RAG follows a significance test, not the size of the change: amber "
        "means no change that can be told from chance (or none that can be tested), "
        "green a real change in the target direction that is on track or achieved, red a "
        "real change against it."
    ), h.paragraph(_version(rev, month_long(r.figures["judged_at"])))]  # fmt: skip
    parts.extend(_changes(r, rev))
    shown = set()
    for i, priority in enumerate(r.register.priorities, start=1):
        rows = prog[prog["priority"] == priority.name]
        shown.add(priority.name)
        parts.append(h.heading(f"Priority {i}: {priority.name}", 3))
        parts.append(h.paragraph(f"Lead: {priority.lead}. {priority.description}".strip()))
        parts.append(_table(
            r, rows, f"Priority {i}, {priority.name}: indicators, baselines, targets and progress"
        ))  # fmt: skip
    gone = prog[~prog["priority"].isin(shown)]
    if not gone.empty:  # retired with a priority no longer in force
        parts.append(h.heading("Indicators of priorities retired from the plan", 3))
        parts.append(_table(r, gone, "Indicators retired with their priority"))
    return h.join(parts)


def _changes_frame(changes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Change": changes["change"].map(lambda k: CHANGE_LABELS.get(k, k)),
        "From": changes["effective"].map(month_long), "Revision": changes["revision"],
        "Priority": changes["priority"].fillna(""), "Indicator": changes["indicator"].fillna(""),
        "Before": changes["before"].fillna(""), "After": changes["after"].fillna(""),
        "Why": changes["why"].fillna(""),
    })  # fmt: skip


def _changes(r: PlanProgress, rev: dict) -> list[h.Html]:
    """The table of what changed at the revision in force, and of any other revision
    that took effect during the year."""
    if rev["original"]:
        return []
    parts = [h.table(
        _changes_frame(r.changes),
        f"What changed at the {rev['title']} (in force from {month_long(rev['effective'])})",
        row_header="Change",
        note="Before and after are the plan's own figures. Each change's reason is the "
        "revision's unless it gives its own.",
    )]  # fmt: skip
    other = r.changes_in_year[r.changes_in_year["revision"] != rev["title"]]
    if not other.empty:
        parts.append(h.table(
            _changes_frame(other), f"Other revisions that took effect during {r.ctx.period.label}",
            row_header="Change",
        ))  # fmt: skip
    return parts


def _latest_cell(r, threshold: int) -> str:
    if r.latest_value is None or pd.isna(r.latest_value):
        return "n/a"
    num = r.latest_numerator
    if num is not None and not pd.isna(num) and 0 < float(num) < threshold:
        return f"[c] ({r.latest_period})"  # a small numerator would be revealed
    return f"{cells.value(r.unit, r.latest_value, threshold)} ({r.latest_period})"


def verdict_text(row) -> str:
    """The indicator's one verdict in words (a retired one says which revision)."""
    if row.rag == "retired":
        reason = str(row.rag_reason or "")
        m = re.match(r"retired by revision '([^']+)'(?: \(\d{4}-\d{2}\))?:?\s*(.*)", reason)
        return f"Retired by the {m.group(1)}" if m else "Retired"
    if row.rag == "no data":
        return f"No data: {row.rag_reason}" if row.rag_reason else "No data"
    return str(row.verdict)


def _table(r: PlanProgress, rows: pd.DataFrame, caption: str) -> h.Html:
    t = r.ctx.threshold

    def v(unit: str, x: object) -> str:
        return cells.value(unit, x, t)

    retired = rows["rag"] == "retired"
    recs = list(rows.itertuples())
    frame = pd.DataFrame({
        "Indicator": rows["name"],
        "Baseline": [f"{v(x.unit, x.baseline_value)} ({x.baseline_period})" for x in recs],
        "County": [v(x.unit, x.county_value) if x.county_value is not None
                   and not pd.isna(x.county_value) else "n/a" for x in recs],
        "County now": [v(x.unit, x.county_latest) for x in recs],
        "Target": [f"{v(x.unit, x.target_value)} ({x.target_period}, {x.direction})" for x in recs],
        "Latest": ["not judged" if gone else _latest_cell(x, t)
                   for x, gone in zip(recs, retired, strict=True)],
        "Verdict": [verdict_text(x) for x in recs], "RAG": rows["rag"].str.capitalize(),
        "Caveat": rows["caveat"],
    })  # fmt: skip
    return h.table(
        frame, caption, numeric=["Baseline", "County", "County now", "Target", "Latest"],
        row_header="Indicator",
        note="County: the county value at the baseline, from the plan; County now: the "
        "county's value in the latest period (rates and percentages only; counts are "
        "not compared). The verdict and the RAG come from one test of the change from the "
        "baseline: amber when the change could be chance, green for a real change towards "
        "the target that is on track or met, red for a real change against it. Baselines "
        "and targets are those of the revision in force; a retired indicator shows the "
        "last ones it had. Caveat: the plan's own note on reading the indicator.",
    )  # fmt: skip


def methods_items(r: PlanProgress) -> list[str]:
    """Each judged indicator's test result, for the methods note."""
    if r.progress is None:
        return []
    rows = r.progress[~r.progress["rag"].isin(["retired", "no data"])]
    tiny = re.compile(r"p = 0\.000\b")
    items = [f"{x.name}: " + tiny.sub("p < 0.001", str(x.rag_reason))
             for x in rows.itertuples() if x.rag_reason]  # fmt: skip
    return ["Plan indicators, the test of each change from its baseline: "
            + "; ".join(items) + "."] if items else []  # fmt: skip
