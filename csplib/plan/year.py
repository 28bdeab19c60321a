"""The partnership's year on paper, gathered for a report: the county agreement set beside
the plan, progress on the action plan, the timetable and what is due next.

A report's parameter file names the files under one optional key, ``plan_year``
(:class:`PlanYearFiles`); :func:`build_plan_year` reads them (the only I/O here) and
returns one frozen :class:`PlanYear` of the pure results the assessment sections render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from csplib.plan.actions import ActionProgress, action_progress, load_actions
from csplib.plan.county import CountyAlignment, align, load_county
from csplib.plan.model import Plan
from csplib.plan.periods import parse_date, period_bounds
from csplib.plan.timetable import DueNext, Timetable, due_next, load_timetable, timetable


class PlanYearFiles(BaseModel):
    """The ``plan_year`` key of a report's parameter file (every key optional).

    Paths are relative to the project root. ``as_of`` (``2025-01-31``) is the day action
    progress and "what is due next" are judged on; by default the last day of the
    assessment year for progress, and the timetable's first day for "due next".
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    county_file: str | None = None
    actions_file: str | None = None
    timetable_file: str | None = None
    decision_file: str | None = None
    as_of: str | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, date):
            return value.isoformat()
        if value is not None and parse_date(str(value)) is None:
            raise ValueError(f"{value!r} is not a date (write 2025-01-31)")
        return value

    def as_of_date(self) -> date | None:
        return parse_date(self.as_of) if self.as_of else None

    def files(self, resolve: Callable[[str], Path]) -> list[Path]:
        """The files named, resolved (for a report's inputs stamp)."""
        names = (self.county_file, self.actions_file, self.timetable_file, self.decision_file)
        return [resolve(n) for n in names if n]


@dataclass(frozen=True)
class PlanYear:
    """What the assessment shows of the year's structure (None where no file was given):
    ``alignment`` (:class:`~csplib.plan.county.CountyAlignment`), ``actions``
    (:class:`~csplib.plan.actions.ActionProgress`), ``timetable``
    (:class:`~csplib.plan.timetable.Timetable`, always: the default when no file) and
    ``due`` (:class:`~csplib.plan.timetable.DueNext` on ``as_of``)."""

    year: str
    alignment: CountyAlignment | None
    actions: ActionProgress | None
    timetable: Timetable
    due: DueNext

    @property
    def figures(self) -> dict:
        """The JSON-able piece for figures.json."""
        return {
            "county": self.alignment.figures if self.alignment else None,
            "actions": self.actions.figures if self.actions else None,
            "timetable": [
                {
                    "id": m.id,
                    "milestone": m.title,
                    "who": m.who,
                    "start": m.start.isoformat(),
                    "end": m.end.isoformat(),
                }
                for m in self.timetable.milestones
            ],
        }


def build_plan_year(
    files: PlanYearFiles, plan: Plan | None, year: str, resolve: Callable[[str], Path]
) -> PlanYear:
    """Read the files named in ``files`` and build the year's results for the assessment
    of financial year ``year``. ``resolve`` turns a parameter path into a file path
    (:meth:`ReportParams.project_path`). The county agreement and the action plan need
    the plan register (``plan``); without one they are left out."""
    as_of = files.as_of_date()
    alignment = progress = None
    if plan is not None and files.county_file:
        alignment = align(load_county(resolve(files.county_file)), plan,
                          max(period_bounds(year)[1].strftime("%Y-%m"), plan.start_month))  # fmt: skip
    if plan is not None and files.actions_file:
        progress = action_progress(load_actions(resolve(files.actions_file)), plan, year, as_of)
    tt = (
        load_timetable(resolve(files.timetable_file), year)
        if files.timetable_file
        else timetable(year)
    )
    due = due_next(tt, as_of or tt.milestones[0].start)
    return PlanYear(year, alignment, progress, tt, due)
