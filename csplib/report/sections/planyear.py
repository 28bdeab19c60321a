"""The partnership's year on paper in the assessment: the county agreement section
(:mod:`.agreement`), action plan progress (:mod:`.action_plan`) and the timetable
(:mod:`.timetable`), built together with the ``plan_year`` part of figures.json."""

from __future__ import annotations

from dataclasses import dataclass

from csplib.report.sections import action_plan, agreement, timetable
from csplib.report.sections.context import Year, clean


@dataclass(frozen=True)
class PlanYearSections:
    agreement: agreement.Agreement
    actions: action_plan.ActionPlan
    timetable: timetable.YearTimetable
    figures: dict  # the ``plan_year`` of figures.json


def build_year(ctx: Year) -> PlanYearSections:
    ag, ac, tt = agreement.build_year(ctx), action_plan.build_year(ctx), timetable.build_year(ctx)
    files = ctx.data.plan_year_files
    figures = {
        "year": tt.year, "county": ag.figures, "actions": ac.figures, **tt.figures,
        # The decision paper takes its wording from here unless told otherwise.
        "decision_file": files.decision_file if files is not None else None,
    }  # fmt: skip
    return PlanYearSections(ag, ac, tt, clean(figures))  # type: ignore[arg-type]
