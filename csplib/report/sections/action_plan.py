"""Progress on the action plan (the assessment): per priority of the plan, the subgroup
and lead that deliver it, the actions due in the plan year done and overdue, and the
indicators it is measured by; then the overdue and the completed actions
(:func:`csplib.plan.actions.action_progress`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from csplib.indicators.narrative import sentence_case
from csplib.plan.actions import ActionProgress
from csplib.plan.timetable import date_range
from csplib.report import html as h
from csplib.report.sections.context import Year, clean


@dataclass(frozen=True)
class ActionPlan:
    area: str
    plan: str | None  # the plan register's name (None: no plan given)
    progress: ActionProgress | None  # None: no plan, or no action plan named
    figures: dict | None  # the ``plan_year.actions`` of figures.json


def build_year(ctx: Year) -> ActionPlan:
    d = ctx.data
    progress = d.plan_year.actions if d.plan_year is not None else None
    return ActionPlan(
        area=d.area.name, plan=d.plan.name if d.plan is not None else None, progress=progress,
        figures=clean(progress.figures) if progress is not None else None,  # type: ignore[arg-type]
    )  # fmt: skip


def day(d: date | None) -> str:
    """A day in words: "31 March 2024" ("" for none)."""
    return date_range(d, d) if d is not None else ""


def _lead(agency: object, role: object) -> str:
    parts = [str(x) for x in (role, agency) if isinstance(x, str) and x]
    return ", ".join(parts) if parts else "not named"


def priority_frame(p: ActionProgress) -> pd.DataFrame:
    """One row per priority, as shown."""
    t = p.by_priority
    return pd.DataFrame({
        "Priority": t["priority"],
        "Subgroup": t["subgroup"].fillna("not named"),
        "Lead": [_lead(a, r) for a, r in zip(t["lead_agency"], t["lead_role"], strict=True)],
        "Actions due": t["actions"].map(h.fmt_int),
        "Completed": t["completed"].map(h.fmt_int),
        "Overdue": t["overdue"].map(h.fmt_int),
        "Not yet due": t["not_yet_due"].map(h.fmt_int),
        "Complete": [f"{h.fmt_float(x, 1)}%" if x is not None and not pd.isna(x) else "n/a"
                     for x in t["pct_complete"]],
        "Measured by": t["indicators"].replace("", "no indicator"),
    })  # fmt: skip


def overdue_frame(p: ActionProgress) -> pd.DataFrame:
    o = p.overdue
    return pd.DataFrame({
        "Action": o["action"], "Priority": o["priority"], "Owner": o["owner"],
        "Due": o["due"].map(day), "Days overdue": o["days_overdue"].map(h.fmt_int),
        "Status": o["status"].map(sentence_case), "Progress note": o["progress_note"].fillna(""),
    })  # fmt: skip


def completed_frame(p: ActionProgress) -> pd.DataFrame:
    c = p.completed
    return pd.DataFrame({
        "Action": c["action"], "Priority": c["priority"], "Owner": c["owner"],
        "Due": c["due"].map(day), "Completed": c["completed_on"].map(day),
    })  # fmt: skip


def render_year(r: ActionPlan) -> h.Html:
    p = r.progress
    if p is None:
        why = (
            "No plan register was given"
            if r.plan is None
            else "No action plan was named in the report's parameters"
        )
        return h.paragraph(f"{why}, so progress on {r.area}'s action plan is not shown.")
    when = day(p.as_of)
    parts = [
        h.paragraph(
            f"{p.year} is {p.year_label}. For each priority: the subgroup and lead that "
            f"deliver it, the actions due in the year and how many were completed or "
            f"overdue on {when}, and the plan's indicators it is measured by."
        ),
        h.bullet_list(list(p.sentences)),
        h.table(
            priority_frame(p),
            f"Action plan progress by priority, {p.year_label} ({p.year}), on {when}",
            numeric=["Actions due", "Completed", "Overdue", "Not yet due", "Complete"],
            row_header="Priority",
            note="Actions due: those due in the year, withdrawn actions left out. "
            f"Completed: completed on or before {when}. Overdue: due before then and not "
            "completed. Complete: completed as a share of the actions due.",
        ),
    ]
    if len(p.overdue):
        parts.append(h.table(
            overdue_frame(p), f"Actions overdue on {when}, most overdue first",
            numeric=["Days overdue"], row_header="Action",
            note="Any action due before this day and not completed, whichever year it "
            "was due in.",
        ))  # fmt: skip
    if len(p.completed):
        parts.append(h.table(
            completed_frame(p), f"Actions completed in {p.year} up to {when}",
            row_header="Action",
        ))  # fmt: skip
    return h.join(parts)
